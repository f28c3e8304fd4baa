"""SQLite files that must survive a crash: the transfer journal and the pending links.

One policy for both: WAL with ``synchronous=FULL`` (a committed row is on disk),
autocommit mode so transactions are explicit, a busy timeout for the second
process or thread, and ``BEGIN IMMEDIATE`` so a writer takes the lock before it
reads (no deadlock between two readers that both want to write).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

BUSY_TIMEOUT_SECONDS = 30.0


def open_durable(path: Path) -> sqlite3.Connection:
    """A connection shared by the owner's threads (guard it with the owner's lock)."""
    db = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
    )
    db.row_factory = sqlite3.Row
    _enter_wal(db)
    db.execute("PRAGMA synchronous=FULL")
    return db


def _enter_wal(db: sqlite3.Connection) -> None:
    """Switch to WAL, waiting out another connection that is switching a new file too.

    The switch needs the file to itself, and SQLite reports "database is locked"
    at once, without its busy handler, when two connections race to make a new
    file WAL; so wait here, up to the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class DurableStore:
    """The owner of one durable file: its connection, the lock its threads share, transactions.

    Thread-safe; use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = open_durable(path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """Everything inside commits together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
