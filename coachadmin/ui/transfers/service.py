"""The GUI's side of the transfer engine: one TransferQueue, its events as Qt signals.

The engine (journal, clients, queue) is made on the first worker that needs it,
so boto3 never loads on the GUI thread (the engine's modules are named through
:class:`~coachadmin.ui.worker_imports.WorkerModule`). Progress events come from the engine's
threads into an :class:`EventRelay` keyed by transfer id: between two flushes
only each transfer's newest event survives, so a 5 GiB upload's thousands of
byte counts cost the window a few model updates a second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from coachadmin.errors import UserFacingError
from coachadmin.settings import load_settings
from coachadmin.transfers.config import DEFAULT_MAX_FILES, TransferConfig
from coachadmin.transfers.events import TransferEvent, TransferKind, TransferState
from coachadmin.transfers.journal import Journal
from coachadmin.ui.bridge import Bridge, EventRelay
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.s3.settings import S3Settings
    from coachadmin.services import transfer_connections
    from coachadmin.services.media_readiness import Readiness
    from coachadmin.transfers import clients, unfinished
    from coachadmin.transfers import download as download_module
    from coachadmin.transfers import queue as queue_module
    from coachadmin.transfers import upload as upload_module
    from coachadmin.transfers.manage import Forgotten
    from coachadmin.transfers.queue import TransferQueue
else:
    transfer_connections = WorkerModule("coachadmin.services.transfer_connections")
    clients = WorkerModule("coachadmin.transfers.clients")
    download_module = WorkerModule("coachadmin.transfers.download")
    upload_module = WorkerModule("coachadmin.transfers.upload")
    queue_module = WorkerModule("coachadmin.transfers.queue")
    unfinished = WorkerModule("coachadmin.transfers.unfinished")

#: The running demo's S3 settings, or None (what a transfer made on the demo resumes with).
DemoSettings = Callable[[], "S3Settings | None"]

log = logging.getLogger("coachadmin.ui.transfers")

RELAY_INTERVAL_MS = 100


def resume_at_start() -> bool:
    """The ``resume_uploads_at_start`` setting; True when settings cannot be read."""
    try:
        return bool(getattr(load_settings(), "resume_uploads_at_start", True))
    except (OSError, ValueError, UserFacingError):
        return True


class TransferService(QObject):
    #: Newest events, at most one per transfer, every ~100 ms (list[TransferEvent]).
    events = Signal(list)
    #: An upload finished: its last event (TransferEvent).
    upload_finished = Signal(object)
    #: Transfers taken off the list (list[Forgotten]).
    forgotten = Signal(list)
    #: Something the user should read (str): the window shows it in its message area.
    notice = Signal(str)

    def __init__(
        self,
        bridge: Bridge,
        parent: QObject | None = None,
        *,
        config: TransferConfig | None = None,
        journal_path: Path | None = None,
        max_files: int | None = None,
        demo: DemoSettings | None = None,
    ) -> None:
        """``demo``: the settings of the demo this window runs (transfers made on the demo
        resume with them); by default, a demo found running on this computer."""
        super().__init__(parent)
        self.bridge = bridge
        self.demo_settings = demo
        self._config = config
        self._journal_path = journal_path
        self._max_files = max_files
        self._queue: TransferQueue | None = None
        self._lock = threading.Lock()
        self._states: dict[str, TransferState] = {}
        #: What each uploaded video is (and what may keep it from playing), by transfer id.
        self.media_summaries: dict[str, str] = {}
        #: Faststart copies being uploaded in their original's place, by transfer id.
        self._copies: dict[str, Path] = {}
        self._closed = False
        #: Adds run on the bridge's workers one after another, in the order asked (GUI
        #: thread): a drop's files are listed and started in the drop's order.
        self._turns = threading.Condition()
        self._next_turn = 0
        self._serving = 0
        self.relay = EventRelay(self, interval_ms=RELAY_INTERVAL_MS, key=lambda e: e.transfer_id)
        self.relay.batch.connect(self._on_batch)

    # -- the engine (made on a worker) ---------------------------------------------
    def queue(self) -> TransferQueue:
        """The engine's queue; the first call (on a worker) opens the journal."""
        with self._lock:
            if self._queue is None:
                if self._closed:
                    raise RuntimeError("the transfer service is shut down")
                config = self._config or TransferConfig()
                self._queue = queue_module.TransferQueue(
                    Journal(self._journal_path),
                    clients.TransferClients(config),
                    config,
                    max_files=self._max_files or DEFAULT_MAX_FILES,
                    settings_for=transfer_connections.TransferConnections(
                        self.demo_settings or transfer_connections.running_demo_settings
                    ),
                )
                self._queue.subscribe(self.relay.post)
                aside = self._queue.journal.set_aside
                if aside is not None:
                    self.notice.emit(
                        f"The transfer journal was damaged; it was moved to {aside} and a new "
                        "one started. Unfinished uploads are still on the server: the "
                        "command `coachadmin orphans s3://BUCKET` lists them."
                    )
            return self._queue

    @property
    def started(self) -> bool:
        return self._queue is not None

    def _run(
        self, func: Callable[[], Any], on_error: Callable[[UserFacingError], None] | None = None
    ) -> Future[Any]:
        return self.bridge.run(func, on_error=on_error, owner=self)

    def _in_turn(self, func: Callable[[], str]) -> Callable[[], str]:
        """``func`` to run after every add asked before it (call on the GUI thread).

        The bridge's pool takes tasks first in, first out, so the add whose turn it is
        has always been taken by a worker: the others wait for it, never the reverse.
        """
        turn = self._next_turn
        self._next_turn += 1

        def run() -> str:
            with self._turns:
                self._turns.wait_for(lambda: self._serving == turn)
            try:
                return func()
            finally:
                with self._turns:
                    self._serving += 1
                    self._turns.notify_all()

        return run

    # -- adding ---------------------------------------------------------------------
    def upload(
        self,
        path: Path,
        key: str,
        connection: Connection,
        *,
        overwrite: bool = False,
        on_error: Callable[[UserFacingError], None] | None = None,
        media: Readiness | None = None,
    ) -> Future[Any]:
        """Queue an upload to ``connection``'s bucket (checked and journaled on a worker).

        ``media``: the probe of a video (its Content-Type and metadata go with it); when
        it names a faststart copy, the copy is sent and removed once the upload ends.
        """

        def add() -> str:
            request = upload_module.UploadRequest(
                path=path,
                bucket=connection.bucket,
                key=key,
                overwrite=overwrite,
                connection=connection.transfer_owner,
            )
            if media is not None:
                request = media.apply(request)
            earlier = self._unfinished(request.path, key, connection)
            if earlier is not None:
                return earlier
            transfer_id = self.queue().add_upload(request, connection.s3)
            if media is not None:
                self.media_summaries[transfer_id] = media.summary
            if media is not None and media.temporary:
                self.remove_when_done(transfer_id, media.path)
            return transfer_id

        return self._run(self._in_turn(add), on_error)

    def _unfinished(self, path: Path, key: str, connection: Connection) -> str | None:
        """The unfinished upload of ``path`` to ``key`` (paused, failed, or left by an
        earlier run), queued again: the same file dropped on the same folder goes on with
        it, as the same command run again does (worker thread)."""
        queue = self.queue()
        client = queue.clients(connection.s3)
        endpoint = clients.journaled_endpoint(connection.s3, client)
        waiting = unfinished.unfinished_uploads(queue.journal, connection.bucket, endpoint, key)
        found = unfinished.upload_of(waiting, path, key)
        if found is None:
            return None
        if found.id in queue.ids():
            queue.resume(found.id)  # paused or failed here; one that runs goes on running
        else:
            queue.add_existing(found.id)
        log.info("upload of %s to %s: going on with %s", path, key, found.id)
        return found.id

    def remove_when_done(self, transfer_id: str, copy: Path) -> None:
        """Remove ``copy`` (a faststart copy sent in its original's place) once the upload
        ``transfer_id`` is done or cancelled (at once if it already is)."""
        self._copies[transfer_id] = copy
        state = self._states.get(transfer_id)
        if state in (TransferState.DONE, TransferState.CANCELLED):
            self._copies.pop(transfer_id, None)
            copy.unlink(missing_ok=True)

    def download(self, key: str, dest: Path, connection: Connection) -> Future[Any]:
        def add() -> str:
            request = download_module.DownloadRequest(
                bucket=connection.bucket,
                key=key,
                dest=dest,
                connection=connection.transfer_owner,
                exact=True,  # the browser planned each file's path (work.plan_download)
            )
            return self.queue().add_download(request, connection.s3)

        return self._run(self._in_turn(add))

    def restore(self, *, run: bool | None = None) -> Future[Any]:
        """Bring back unfinished transfers of an earlier run: running, or paused for the
        user (the ``resume_uploads_at_start`` setting decides when ``run`` is None)."""

        def restore() -> list[str]:
            go = resume_at_start() if run is None else run
            ids = self.queue().restore(paused=not go)
            if ids:
                log.info(
                    "restored %d unfinished transfers (%s)", len(ids), "running" if go else "paused"
                )
            return ids

        return self._run(restore)

    # -- control (GUI thread; the queue's calls only take its lock) ------------------
    def _each(self, ids: list[str], action: str) -> None:
        if self._queue is None:
            return
        for transfer_id in ids:
            try:
                getattr(self._queue, action)(transfer_id)
            except KeyError:
                log.debug("%s: no transfer %s", action, transfer_id)

    def pause(self, ids: list[str]) -> None:
        self._each(ids, "pause")

    def resume(self, ids: list[str]) -> None:
        self._each(ids, "resume")

    def cancel(self, ids: list[str]) -> None:
        self._each(ids, "cancel")

    def forget(self, ids: list[str]) -> Future[Any]:
        """Take transfers off the list for good (their uploads aborted where possible)."""
        queue = self._queue
        if queue is None:
            return self._run(list)

        def forget() -> list[Forgotten]:
            return [queue.forget(transfer_id) for transfer_id in ids]

        return self.bridge.run(
            forget, on_result=self._forgotten, on_error=self._notice_error, owner=self
        )

    def _forgotten(self, gone: list[Forgotten]) -> None:
        self.forgotten.emit(gone)
        for item in gone:
            if item.orphan:
                self.notice.emit(f"Transfer {item.transfer_id}: {item.message()}")

    def _notice_error(self, error: UserFacingError) -> None:
        self.notice.emit(str(error))

    def use_connection(self, ids: list[str], name: str) -> Future[Any]:
        """Give transfers the saved connection ``name`` and resume them with it."""
        queue = self._queue
        if queue is None:
            return self._run(list)

        def reassign_all() -> list[str]:
            transfer_connections.reassign(queue.journal, ids, name)
            return ids

        return self.bridge.run(
            reassign_all, on_result=self.resume, on_error=self._notice_error, owner=self
        )

    def ids(self) -> list[str]:
        return self._queue.ids() if self._queue is not None else []

    def state(self, transfer_id: str) -> TransferState | None:
        return self._states.get(transfer_id)

    def unfinished(self) -> list[str]:
        """Transfers queued or moving (not paused, not final): what quitting would stop."""
        return [
            i for i, s in self._states.items() if not s.is_final and s is not TransferState.PAUSED
        ]

    # -- events -----------------------------------------------------------------------
    def _on_batch(self, batch: list[TransferEvent]) -> None:
        if self._closed:  # late events of a shut-down queue: nobody should act on them
            return
        for event in batch:
            before = self._states.get(event.transfer_id)
            self._states[event.transfer_id] = event.state
            if event.state in (TransferState.DONE, TransferState.CANCELLED):
                copy = self._copies.pop(event.transfer_id, None)
                if copy is not None:  # the faststart copy sent in the original's place
                    copy.unlink(missing_ok=True)
            if (
                event.kind is TransferKind.UPLOAD
                and event.state is TransferState.DONE
                and before is not TransferState.DONE
            ):
                self.upload_finished.emit(event)
        self.events.emit(batch)

    def shutdown(self, *, pause: bool = True) -> None:
        """Pause what runs (it stays resumable in the journal) and stop the workers."""
        with self._lock:
            self._closed = True
            queue, self._queue = self._queue, None
        if queue is not None:
            queue.shutdown(pause=pause)
            queue.journal.close()
