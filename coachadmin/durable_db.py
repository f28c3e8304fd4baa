"""SQLite files that must survive a crash: the transfer journal and the pending links.

One policy for both: WAL with ``synchronous=FULL`` (a committed row is on disk),
autocommit mode so transactions are explicit, a busy timeout for the second
process or thread, and ``BEGIN IMMEDIATE`` so a writer takes the lock before it
reads (no deadlock between two readers that both want to write).

Both are versioned the same way: ``PRAGMA user_version`` and a list of migrations,
one per version, applied in order in one transaction that re-reads the version (two
processes may open an old file at once). A file that is not a database any more
(truncated, overwritten, a folder in its place) is moved aside, said so in the log
and in :attr:`DurableStore.set_aside`, and a new one is started: the app and the
command line stay usable, and what the old file knew is not lost from disk.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Self

from coachadmin.errors import UserFacingError

log = logging.getLogger("coachadmin.storage")

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


class StoreUnavailable(UserFacingError):
    """The file cannot be opened nor replaced (a read-only folder, no permission)."""


def _damaged(error: sqlite3.DatabaseError) -> bool:
    """The file is not (any more) a database we can use, as opposed to busy for a moment."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return False
    return isinstance(error, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "unable to open" in text
    )


class DurableStore:
    """The owner of one durable file: its connection, the lock its threads share, transactions.

    Thread-safe; use as a context manager or call :meth:`close`.
    """

    #: The statements of each schema version in order: ``MIGRATIONS[0]`` makes version 1.
    MIGRATIONS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: What the file is, for messages ("the transfer journal").
    WHAT: ClassVar[str] = "a database"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        #: Where a damaged file was moved to when this store started a new one.
        self.set_aside: Path | None = None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as error:
            if not _damaged(error):
                raise
            self.set_aside = self._move_aside(error)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = open_durable(self.path)
        try:
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self, error: sqlite3.DatabaseError) -> Path:
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        except OSError as moved:
            raise StoreUnavailable(
                f"{self.WHAT.capitalize()} at {self.path} cannot be opened ({error}) nor "
                f"moved aside ({moved.strerror}). Check that its folder can be written to."
            ) from error
        log.warning("%s at %s was damaged (%s): moved to %s", self.WHAT, self.path, error, aside)
        return aside

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring the file to the newest version; a newer file than we know is left alone."""
        newest = len(self.MIGRATIONS)
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version >= newest:
            if version > newest:
                log.warning("%s schema %d is newer than ours (%d)", self.WHAT, version, newest)
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for statements in self.MIGRATIONS[version:]:
                for statement in statements:
                    db.execute(statement)
            if version < newest:
                db.execute(f"PRAGMA user_version={newest}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

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
