"""Journaling a multipart upload's finished parts without holding up the next ones.

A part's worker hands its record to the upload's log and takes the next part at
once; the log's own thread commits what has arrived, many parts per fsync. An
fsync can take a fifth of a second on a busy disk (measured: 220 ms while the
server's writes were being flushed), and the first parts of an upload share the
link fairly and so finish together: had each worker waited for its commit, all
of them, and the link, would have stood still meanwhile.

Nothing is lost by not waiting. The upload completes only after :meth:`PartLog.close`
has every record on disk; a part whose record the process did not live to
commit is still on the server, and resuming adopts it after checking the file's
bytes against it (:meth:`coachadmin.transfers.parts.PartSender.adopt`).
"""

from __future__ import annotations

import queue
import threading

from coachadmin.transfers.journal import Journal, PartRecord


class PartLog:
    """One upload's part records on their way to the journal. :meth:`close` it to flush."""

    def __init__(self, journal: Journal, transfer_id: str) -> None:
        self.journal = journal
        self.transfer_id = transfer_id
        self._queue: queue.SimpleQueue[PartRecord | None] = queue.SimpleQueue()
        self._error: Exception | None = None
        self._thread = threading.Thread(
            target=self._write, name=f"part-log-{transfer_id}", daemon=True
        )
        self._thread.start()

    def add(self, part: PartRecord) -> None:
        """Queue a finished part's record; it is committed soon, with its neighbours."""
        self._queue.put(part)

    def close(self) -> None:
        """Return once every record added is on disk; raise the journal's failure, if any."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def _write(self) -> None:
        done = False
        while not done:
            batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            done = None in batch
            parts = [part for part in batch if part is not None]
            if parts and self._error is None:
                try:
                    self.journal.record_parts(self.transfer_id, parts)
                except Exception as error:  # noqa: BLE001 - raised by close(), on the sender's thread
                    self._error = error
