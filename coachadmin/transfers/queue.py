"""The transfer queue: many files, a few at a time, each pausable, cancellable, retryable.

Thread-safe; events from every transfer go to the subscribers (from worker
threads: the GUI's bridge turns them into signals). How many files run at once
scales with their size: each holds as many of the queue's ``max_files x
concurrency`` request slots as it can have requests in flight (a single PUT or a
small download one, a multipart upload up to ``concurrency``), so ``max_files``
large files run at once, or up to ``max_files x concurrency`` small ones. With
``max_parts_in_flight`` the parts in flight of all of them together are bounded
too, which bounds memory at ``max_parts_in_flight x part size``. :meth:`restore`
brings back every unfinished transfer from the journal at start.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coachadmin.bounded import Slots
from coachadmin.errors import UserFacingError
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.clients import ClientFactory, SettingsFor, journaled
from coachadmin.transfers.config import (
    DEFAULT_MAX_FILES,
    MAX_PUT_SIZE,
    TransferConfig,
    part_count,
)
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.download import DownloadRequest, prepare_download
from coachadmin.transfers.errors import TransferCancelled, TransferError, TransferPaused
from coachadmin.transfers.events import EventSink, TransferEvent, TransferKind, TransferState
from coachadmin.transfers.journal import DownloadRecord, Journal, UploadRecord
from coachadmin.transfers.manage import Forgotten, abort_transfer, forget_transfer, runner_for
from coachadmin.transfers.orphans import orphan_note
from coachadmin.transfers.outage import Link
from coachadmin.transfers.result import TransferResult
from coachadmin.transfers.upload import KeyCheck, UploadRequest, prepare_upload, upload_record

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")


def _initial(paused: bool) -> TransferState:
    return TransferState.PAUSED if paused else TransferState.QUEUED


@dataclass
class _Job:
    id: str
    kind: TransferKind
    state: TransferState
    override: S3Settings | None = None
    overwrite: bool | None = None
    #: The settings a new transfer was prepared with: their client runs it too (the
    #: journaled settings carry the resolved region, and would make a second client).
    prepared_with: S3Settings | None = None
    #: The upload's key is to be checked as it begins (``KeyCheck.WITH_CREATE``).
    check_key: bool = False
    #: The request slots it holds while it runs (see the module's docstring).
    weight: int = 1
    control: TransferControl = field(default_factory=TransferControl)
    future: Future[TransferResult] = field(default_factory=Future)
    last: TransferEvent | None = None


class TransferQueue:
    def __init__(
        self,
        journal: Journal,
        clients: ClientFactory,
        config: TransferConfig | None = None,
        *,
        max_files: int = DEFAULT_MAX_FILES,
        max_parts_in_flight: int | None = None,
        settings_for: SettingsFor = journaled,
    ) -> None:
        """``settings_for``: how a journaled transfer reaches S3 again (its connection)."""
        self.journal = journal
        self.clients = clients
        self.settings_for = settings_for
        self.config = config or TransferConfig()
        self.max_files = max(1, max_files)
        #: Request slots of all the files running together.
        self.budget = self.max_files * max(1, self.config.concurrency)
        self._weight_running = 0
        #: Shared by every transfer's parts; a transfer paused or cancelled while it
        #: waits for one of these slots stops waiting at once (its control's flag).
        self._slots = Slots(max_parts_in_flight) if max_parts_in_flight else None
        self._lock = threading.RLock()
        #: Notified whenever a transfer starts or stops running.
        self._changed = threading.Condition(self._lock)
        self._jobs: dict[str, _Job] = {}
        self._pending: deque[str] = deque()
        self._running: set[str] = set()
        self._subscribers: list[EventSink] = []
        self._pool = ThreadPoolExecutor(max_workers=self.budget, thread_name_prefix="transfer")
        self._closed = False
        #: What is known of the network to each endpoint, shared by its transfers.
        self._links: dict[str, Link] = {}

    # -- subscribing -----------------------------------------------------------------

    def subscribe(self, callback: EventSink) -> Callable[[], None]:
        """Receive every event (from background threads); returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, event: TransferEvent) -> None:
        with self._lock:
            job = self._jobs.get(event.transfer_id)
            if job is not None:
                job.last = event
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:
                log.exception("a transfer queue subscriber failed")

    def _emit_state(self, job: _Job, state: TransferState, message: str = "") -> None:
        job.state = state
        if job.last is not None:
            base = job.last
            event = TransferEvent(
                base.transfer_id,
                base.kind,
                state,
                base.bytes_done,
                base.total,
                message=message,
                bucket=base.bucket,
                key=base.key,
                path=base.path,
            )
        else:
            event = self._journal_event(job, state, message)
        self._emit(event)

    def _journal_event(self, job: _Job, state: TransferState, message: str) -> TransferEvent:
        record: UploadRecord | DownloadRecord
        if job.kind is TransferKind.UPLOAD:
            record = self.journal.get_upload(job.id)
            done = self.journal.uploaded_bytes(job.id)
            path = record.path
        else:
            record = self.journal.get_download(job.id)
            done = self.journal.downloaded_bytes(job.id)
            path = record.dest
        return TransferEvent(
            job.id,
            job.kind,
            state,
            done,
            record.size,
            # Why it stopped, for a row restored paused; queued again, it is going on.
            message=message or (record.error if state is not TransferState.QUEUED else ""),
            bucket=record.bucket,
            key=record.key,
            path=path,
        )

    # -- adding ----------------------------------------------------------------------

    def add_upload(
        self,
        request: UploadRequest,
        settings: S3Settings,
        *,
        paused: bool = False,
        key_check: KeyCheck = KeyCheck.NOW,
    ) -> str:
        """Journal and queue an upload; raises at once for a bad file or (with the default
        ``key_check``) an existing key."""
        record = prepare_upload(
            self.journal,
            self.clients(settings),
            settings,
            request,
            self.config,
            key_check=key_check,
        )
        job = _Job(
            record.id,
            TransferKind.UPLOAD,
            _initial(paused),
            settings,
            prepared_with=settings,
            check_key=key_check is KeyCheck.WITH_CREATE,
            weight=self.weight(record.size, upload=True),
        )
        self._add(job)
        return record.id

    def add_uploads(
        self, requests: list[UploadRequest], settings: S3Settings, *, key_check: KeyCheck
    ) -> list[str]:
        """Journal many uploads in one transaction and queue them (the command line's
        folders); each file is checked at once, and its key per ``key_check``."""
        client = self.clients(settings)
        ids: set[str] = set()
        records = []
        for request in requests:
            transfer_id = self.journal.new_id()
            while transfer_id in ids:
                transfer_id = self.journal.new_id()
            ids.add(transfer_id)
            records.append(
                upload_record(
                    transfer_id, client, settings, request, self.config, key_check=key_check
                )
            )
        self.journal.create_uploads(records, claimed=True)
        for record in records:
            job = _Job(
                record.id,
                TransferKind.UPLOAD,
                TransferState.QUEUED,
                settings,
                prepared_with=settings,
                check_key=key_check is KeyCheck.WITH_CREATE,
                weight=self.weight(record.size, upload=True),
            )
            job.last = TransferEvent(
                record.id,
                TransferKind.UPLOAD,
                TransferState.QUEUED,
                0,
                record.size,
                bucket=record.bucket,
                key=record.key,
                path=record.path,
            )
            self._add(job)
        return [record.id for record in records]

    def weight(self, size: int, *, upload: bool) -> int:
        """The request slots a file of ``size`` bytes holds: its requests in flight at most."""
        if upload and size < min(MAX_PUT_SIZE, self.config.multipart_threshold):
            return 1
        return min(part_count(size, self.config.part_size), max(1, self.config.concurrency))

    def add_download(
        self, request: DownloadRequest, settings: S3Settings, *, paused: bool = False
    ) -> str:
        """Journal and queue a download; raises at once for an existing file or a missing key."""
        record = prepare_download(
            self.journal, self.clients(settings), settings, request, self.config
        )
        self._add(
            _Job(
                record.id,
                TransferKind.DOWNLOAD,
                _initial(paused),
                settings,
                prepared_with=settings,
                weight=self.weight(record.size, upload=False),
            )
        )
        return record.id

    def add_existing(
        self,
        transfer_id: str,
        *,
        paused: bool = False,
        override: S3Settings | None = None,
        overwrite: bool | None = None,
    ) -> str:
        """Queue a transfer already in the journal (resume it)."""
        kind = self.journal.kind_of(transfer_id)
        if kind is None:
            raise KeyError(transfer_id)
        size = self.journal.get_record(transfer_id).size
        weight = self.weight(size, upload=kind == "upload")
        job = _Job(transfer_id, TransferKind(kind), _initial(paused), override, overwrite)
        job.weight = weight
        self._add(job)
        return transfer_id

    def restore(self, *, paused: bool = True) -> list[str]:
        """Bring back every unfinished transfer in the journal (paused, or queued to run)."""
        ids = [u.id for u in self.journal.list_uploads()]
        ids += [d.id for d in self.journal.list_downloads()]
        with self._lock:
            ids = [i for i in ids if i not in self._jobs]
        for transfer_id in ids:
            self.add_existing(transfer_id, paused=paused)
        return ids

    def _add(self, job: _Job) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the transfer queue is shut down")
            self._jobs[job.id] = job
            job.control.transfer_id = job.id
            if job.state is TransferState.QUEUED:
                self._pending.append(job.id)
            self._emit_state(job, job.state)
            self._pump()

    # -- running ---------------------------------------------------------------------

    def _pump(self) -> None:
        with self._lock:
            while self._pending and not self._closed:
                job = self._jobs[self._pending[0]]
                if self._running and self._weight_running + job.weight > self.budget:
                    return
                self._pending.popleft()
                self._running.add(job.id)
                self._weight_running += job.weight
                job.control.reset()
                self._pool.submit(self._run, job)

    def _link_to(self, client: S3Client) -> Link:
        """The link to ``client``'s endpoint (:mod:`coachadmin.transfers.outage`)."""
        with self._lock:
            return self._links.setdefault(client.meta.endpoint_url, Link())

    def _run(self, job: _Job) -> None:
        runner = None
        try:
            runner = runner_for(
                self.journal,
                self.clients,
                job.id,
                self.config,
                override=job.override,
                sink=self._emit,
                control=job.control,
                slots=self._slots,
                overwrite=job.overwrite,
                check_key=job.check_key,
                client=self.clients(job.prepared_with) if job.prepared_with else None,
                settings_for=self.settings_for,
            )
            job.control.link = self._link_to(runner.client)
            result = runner.run()
        except TransferPaused:
            with self._lock:
                job.state = TransferState.PAUSED
        except TransferCancelled as error:
            self._settle(job, TransferState.CANCELLED, error=error)
        except Exception as error:
            if not isinstance(error, UserFacingError):
                log.exception("transfer %s failed unexpectedly", job.id)
            if runner is None:  # it never started (its connection is unavailable...): say why
                self._emit_state(job, TransferState.FAILED, str(error))
            self._settle(job, TransferState.FAILED, error=error)
        else:
            self._settle(job, TransferState.DONE, result=result)
        finally:
            with self._lock:
                self._running.discard(job.id)
                self._weight_running -= job.weight
                self._pump()
                self._changed.notify_all()

    def _settle(
        self,
        job: _Job,
        state: TransferState,
        *,
        result: TransferResult | None = None,
        error: BaseException | None = None,
    ) -> None:
        with self._lock:
            job.state = state
            future = job.future
        if not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

    # -- control ---------------------------------------------------------------------

    def pause(self, transfer_id: str) -> None:
        """Stop sending new parts; the parts in flight finish and the upload stays resumable."""
        with self._lock:
            job = self._jobs[transfer_id]
            if transfer_id in self._running:
                job.control.pause()
            elif job.state is TransferState.QUEUED:
                self._pending.remove(transfer_id)
                self._emit_state(job, TransferState.PAUSED)

    def resume(self, transfer_id: str) -> None:
        """Queue a paused (or failed) transfer again."""
        with self._lock:
            job = self._jobs[transfer_id]
            if transfer_id in self._running or job.state not in (
                TransferState.PAUSED,
                TransferState.FAILED,
            ):
                return
            if job.future.done():
                job.future = Future()
            self._pending.append(transfer_id)
            self._emit_state(job, TransferState.QUEUED)
            self._pump()

    retry = resume

    def cancel(self, transfer_id: str) -> None:
        """Cancel: abort the multipart upload on the server (no orphaned parts) or drop the
        partial download. A running transfer is stopped mid-part."""
        with self._lock:
            job = self._jobs[transfer_id]
            if job.state.is_final and job.state is not TransferState.FAILED:
                return
            if transfer_id in self._running:
                job.control.cancel()
                return
            if transfer_id in self._pending:
                self._pending.remove(transfer_id)
            job.control.cancel()
            job.state = TransferState.CANCELLED
        threading.Thread(target=self._abort_idle, args=(job,), name="abort", daemon=True).start()

    def _abort_idle(self, job: _Job) -> None:
        """Cancel a transfer that is not running. Its row closes even when the server
        cannot be reached to abort its multipart upload (a row left open would resume by
        itself at the next start); the message then names what stays on the server."""
        try:
            orphan = abort_transfer(
                self.journal,
                self.clients,
                job.id,
                self.config,
                override=job.override,
                settings_for=self.settings_for,
                forget=True,
            )
        except Exception as error:  # noqa: BLE001 - reported as an event and via the future
            log.warning("cancelling %s: %s", job.id, error)
            self._emit_state(job, TransferState.FAILED, f"cancel failed: {error}")
            self._settle(job, TransferState.FAILED, error=error)
            return
        bucket = self.journal.get_record(job.id).bucket
        said = f"cancelled; {orphan_note(bucket, orphan)}" if orphan else "cancelled"
        self._emit_state(job, TransferState.CANCELLED, said)
        self._settle(job, TransferState.CANCELLED, error=TransferCancelled())

    def forget(self, transfer_id: str) -> Forgotten:
        """Take a transfer that is not running off the list (blocking: call it on a worker).

        Its multipart upload is aborted where possible and otherwise left as an orphan
        (see :func:`~coachadmin.transfers.manage.forget_transfer`); the last event says
        which, with the state ``cancelled``.
        """
        with self._lock:
            job = self._jobs.get(transfer_id)
            if job is not None:
                if transfer_id in self._running:
                    raise TransferError("the transfer is running: pause or cancel it first")
                if transfer_id in self._pending:
                    self._pending.remove(transfer_id)
        forgotten = forget_transfer(
            self.journal,
            self.clients,
            transfer_id,
            self.config,
            override=job.override if job else None,
            settings_for=self.settings_for,
        )
        if job is not None:
            self._emit_state(job, TransferState.CANCELLED, forgotten.message())
            self._settle(job, TransferState.CANCELLED, error=TransferCancelled())
            with self._lock:
                self._jobs.pop(transfer_id, None)
                self._changed.notify_all()
        return forgotten

    def pause_all(self) -> None:
        for transfer_id in self.ids():
            self.pause(transfer_id)

    def resume_all(self) -> None:
        for transfer_id in self.ids():
            if self.state(transfer_id) is TransferState.PAUSED:
                self.resume(transfer_id)

    # -- looking ---------------------------------------------------------------------

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._jobs)

    def state(self, transfer_id: str) -> TransferState:
        with self._lock:
            return self._jobs[transfer_id].state

    def snapshot(self, transfer_id: str) -> TransferEvent | None:
        with self._lock:
            return self._jobs[transfer_id].last

    def future(self, transfer_id: str) -> Future[TransferResult]:
        """Resolves when the transfer is done, failed or cancelled (not when paused)."""
        with self._lock:
            return self._jobs[transfer_id].future

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing runs or waits to run (all done, failed, cancelled or paused)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._running and not self._pending, timeout=timeout
            )

    def shutdown(self, *, pause: bool = True) -> None:
        """Stop: pause what runs (it stays resumable) and wait for the workers."""
        with self._lock:
            self._closed = True
            self._pending.clear()
            running = list(self._running)
        if pause:
            for transfer_id in running:
                self._jobs[transfer_id].control.pause()
        self._pool.shutdown(wait=True)
