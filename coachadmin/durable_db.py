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


@contextmanager
def immediate_transaction(
    db: sqlite3.Connection, lock: threading.RLock
) -> Iterator[sqlite3.Connection]:
    """Everything inside commits together or not at all."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
