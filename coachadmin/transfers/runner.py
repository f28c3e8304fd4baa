"""The life of one journaled transfer, shared by uploads and downloads.

A runner claims the transfer in the journal (one live process per transfer),
reports each state to the journal and to its progress tracker, turns every
failure into a state with a message a person can act on, and starts over when
the source changed under it, a few times at most. What moving the bytes means
is the subclass's: :class:`coachadmin.transfers.upload.UploadRunner` and
:class:`coachadmin.transfers.download.DownloadRunner`.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from coachadmin.bounded import Slots
from coachadmin.errors import UserFacingError
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    NoSuchTransfer,
    TransferCancelled,
    TransferError,
    TransferPaused,
)
from coachadmin.transfers.events import EventSink, ProgressTracker, TransferKind, TransferState
from coachadmin.transfers.journal import Journal, TransferBusy
from coachadmin.transfers.result import TransferResult

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

#: How often one run starts over because its source changed, before it gives up.
MAX_RESTARTS = 3


class _Record(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def bucket(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def state(self) -> str: ...


R = TypeVar("R", bound=_Record)


class Restart(Exception):
    """A signal to start the transfer over (the source changed, the upload vanished)."""

    def __init__(self, reason: str, *, gave_up: TransferError | None = None) -> None:
        """``gave_up``: the error when restarts run out (else the runner's own)."""
        super().__init__(reason)
        self.reason = reason
        self.gave_up = gave_up


class TransferRunner(ABC, Generic[R]):
    """Runs (or resumes) one journaled transfer to its end: done, paused, cancelled or failed."""

    #: The journal's table of this kind of transfer.
    table: ClassVar[str]
    kind: ClassVar[TransferKind]
    #: The state while bytes move (uploading, downloading).
    moving: ClassVar[TransferState]

    def __init__(
        self,
        journal: Journal,
        client: S3Client,
        transfer_id: str,
        config: TransferConfig | None = None,
        *,
        sink: EventSink | None = None,
        control: TransferControl | None = None,
        slots: Slots | None = None,
    ) -> None:
        self.journal = journal
        self.client = client
        self.transfer_id = transfer_id
        self.config = config or TransferConfig()
        self.control = control or TransferControl(transfer_id)
        self.control.transfer_id = transfer_id
        self._slots = slots
        self._sink: EventSink = sink or (lambda _event: None)
        self.tracker: ProgressTracker | None = None
        self.restarted = False
        #: Body bytes that crossed the network, re-sent ones included (for statistics).
        self.bytes_moved = 0
        self._moved_lock = threading.Lock()
        #: This run's states are journaled soon, not at once (see :meth:`_light`).
        self._soon = False

    def _count_moved(self, count: int) -> None:
        """Called from the part threads as each part or range finishes."""
        with self._moved_lock:
            self.bytes_moved += count

    # -- what each kind of transfer says ------------------------------------------------

    @abstractmethod
    def _load(self) -> R: ...

    @abstractmethod
    def _update(self, transfer_id: str, **changes: Any) -> None: ...

    @abstractmethod
    def _local_path(self, record: R) -> str: ...

    @abstractmethod
    def _journaled_result(self, record: R) -> TransferResult:
        """The result of a transfer the journal already records as done."""

    @abstractmethod
    def _attempt(self, record: R) -> TransferResult:
        """One try at moving the bytes; raises :class:`Restart` to start over."""

    @abstractmethod
    def _start_over(self, record: R, reason: str) -> R:
        """Begin again from the source as it is now; ``reason`` ("" for none) is shown."""

    @abstractmethod
    def _gave_up(self, record: R) -> TransferError:
        """The error when the source kept changing through every restart."""

    def _adjusted(self, record: R) -> R:
        """The record as this run will use it (a hook for run-time choices)."""
        return record

    def _light(self, record: R) -> bool:  # noqa: ARG002 - a hook: subclasses look
        """Whether the transfer is one short request, whose states a crash may lose (they
        are then journaled with others': :meth:`Journal.update_soon`)."""
        return False

    def _on_cancel(self, record: R) -> None:
        """Leave nothing behind: an upload aborts on the server, a download deletes its file."""

    def _on_done(self, result: TransferResult) -> None:
        self._update(result.transfer_id, state=TransferState.DONE, error="")

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> TransferResult:
        try:
            self.journal.claim(self.table, self.transfer_id)
        except KeyError:
            raise NoSuchTransfer(self.transfer_id) from None
        except TransferBusy as busy:
            raise TransferError(
                f"{self.kind.value} {self.transfer_id} is running in another process "
                f"(pid {busy.pid}); wait for it or stop that process first"
            ) from None
        try:
            return self._run()
        finally:
            self.journal.release(self.table, self.transfer_id, soon=self._soon)

    def _run(self) -> TransferResult:
        record = self._load()
        if record.state == TransferState.CANCELLED:
            raise NoSuchTransfer(self.transfer_id)
        if record.state == TransferState.DONE:
            return self._journaled_result(record)
        record = self._adjusted(record)
        tracker = self.tracker = ProgressTracker(
            self._sink,
            transfer_id=record.id,
            kind=self.kind,
            total=record.size,
            bucket=record.bucket,
            key=record.key,
            path=self._local_path(record),
            max_per_second=self.config.max_events_per_second,
        )
        # A resumed transfer starts from what the journal holds, as its row showed it, not
        # from 0 (the check with the server may then move it, on its word).
        tracker.reset(record.size, self._journaled_bytes(record))
        self._soon = self._light(record)
        stop_listening = self.control.link.listen(tracker.set_waiting)
        try:
            if self._soon:
                self.journal.update_soon(self.table, record.id, state=self.moving, error="")
            else:
                self._update(record.id, state=self.moving, error="")
            tracker.set_state(self.moving)
            result = self._attempts(record)
        except TransferPaused as paused:
            self._update(record.id, state=TransferState.PAUSED)
            tracker.set_state(TransferState.PAUSED, str(paused))
            raise
        except TransferCancelled:
            said = "cancelled"
            try:
                self._on_cancel(record)
            except Exception as error:  # noqa: BLE001 - the cancel stands; the message says
                # The server's side could not be cleaned up (the network is down, say). The
                # transfer is cancelled all the same (a failed row would resume by itself at
                # the next start, and could complete): what is left behind is named.
                reason = str(error) if isinstance(error, UserFacingError) else repr(error)
                log.warning("%s: cancelled without clean-up: %s", record.id, reason)
                said = f"cancelled; {self._left_behind(record, reason)}"
            self._update(record.id, state=TransferState.CANCELLED, error=said)
            tracker.set_state(TransferState.CANCELLED, said)
            raise
        except Exception as error:
            state = self._journaled_failure()
            if isinstance(error, TransferError) and state is TransferState.CANCELLED:
                error.amended(resumable=False)  # nothing is left to resume: say so
            message = (
                str(error)
                if isinstance(error, UserFacingError)
                else f"unexpected error: {type(error).__name__}: {error}"
            )
            self._update(record.id, state=state, error=message)
            tracker.set_state(TransferState.FAILED, message)
            raise
        finally:
            stop_listening()
        self._on_done(result)
        tracker.set_state(TransferState.DONE)
        return result

    def _journaled_bytes(self, record: R) -> int:  # noqa: ARG002 - for subclasses
        """The bytes the journal says were moved before this run."""
        return 0

    def _left_behind(self, record: R, reason: str) -> str:  # noqa: ARG002 - for subclasses
        """What a cancel whose clean-up failed leaves behind, and how to remove it."""
        return f"its clean-up failed ({reason})"

    def _journaled_failure(self) -> TransferState:
        """The state a failure leaves in the journal: resumable (``failed``) unless the
        runner says there is nothing to resume."""
        return TransferState.FAILED

    def _begun_again(self, record: R, reason: str) -> None:
        """Progress starts from zero; the user is told why, when there is a reason."""
        assert self.tracker is not None
        self.tracker.reset(record.size)
        if reason:
            self.restarted = True
            log.warning("%s: %s", self._local_path(record), reason)
            self.tracker.notify(reason)

    def _attempts(self, record: R) -> TransferResult:
        restarts = 0
        while True:
            try:
                return self._attempt(record)
            except Restart as restart:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise restart.gave_up or self._gave_up(record) from None
                record = self._start_over(record, restart.reason)
