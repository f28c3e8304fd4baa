"""The transfer journal: what makes an upload survive kill -9, a reboot or a lost network.

One SQLite file at :func:`coachadmin.paths.journal_path` (``COACHADMIN_HOME``
moves it), in WAL mode with ``synchronous=FULL``: each completed part is on
disk before the next part's result is believed. Changes a crash may lose without
harm (a small file's states: a new run finds its object and its condition again)
are written *soon* instead (:meth:`Journal.update_soon`): many rows in one
transaction without an fsync of its own, before any other write and at close.
One connection guarded by a lock serves every thread of a process; several processes (the GUI and a
script) may share the file, SQLite's locking keeps them consistent. The schema
is versioned with ``PRAGMA user_version``; see docs/transfers.md.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from coachadmin import paths
from coachadmin.durable_db import DurableStore
from coachadmin.transfers.events import TransferState

log = logging.getLogger("coachadmin.transfers")

_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to type
_ID_LENGTH = 6
#: Rows whose soon-written changes are committed together, at most; and how long such a
#: change waits for company (seconds).
SOON_BATCH = 64
SOON_DELAY = 0.5
#: Finished transfers (done, cancelled) are forgotten this long after they finished: long
#: enough for `coachadmin status ID` and a late pending link, short enough that a journal
#: of someone uploading thousands of files a day stays small.
FINISHED_KEPT_SECONDS = 30 * 24 * 3600

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    part_size INTEGER NOT NULL,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    endpoint_url TEXT,
    region TEXT,
    profile TEXT,
    upload_id TEXT,
    content_type TEXT,
    cache_control TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    overwrite INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    owner_pid INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_state ON uploads(state);
CREATE INDEX IF NOT EXISTS uploads_upload_id ON uploads(upload_id);
CREATE TABLE IF NOT EXISTS parts (
    transfer_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    etag TEXT NOT NULL,
    md5 TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, number)
);
CREATE TABLE IF NOT EXISTS downloads (
    id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    endpoint_url TEXT,
    region TEXT,
    profile TEXT,
    dest TEXT NOT NULL,
    temp_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    range_size INTEGER NOT NULL,
    overwrite INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    owner_pid INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ranges (
    transfer_id TEXT NOT NULL REFERENCES downloads(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, number)
);
"""

#: Version 2: each upload says which checksum its parts carry (``md5`` or ``crc32``), and
#: a part's checksum column is named for what it holds. Version 1 rows were all MD5.
_SCHEMA_V2 = (
    "ALTER TABLE uploads ADD COLUMN checksum_algorithm TEXT NOT NULL DEFAULT 'md5'",
    "ALTER TABLE parts RENAME COLUMN md5 TO checksum",
)

#: Version 3: each transfer names the connection it belongs to (a saved connection's
#: name, ``coachadmin.connection.DEMO_CONNECTION``, or NULL for settings given on the
#: command line or found in the environment), so a
#: resume, a retry or a cancel reaches S3 with that connection's credentials.
_SCHEMA_V3 = (
    "ALTER TABLE uploads ADD COLUMN connection TEXT",
    "ALTER TABLE downloads ADD COLUMN connection TEXT",
)

#: Version 4: the file's status-change time and inode, so that a file replaced by one of
#: the same size and modification time (``cp -p``) between two runs is noticed.
_SCHEMA_V4 = (
    "ALTER TABLE uploads ADD COLUMN ctime_ns INTEGER",
    "ALTER TABLE uploads ADD COLUMN inode INTEGER",
)

#: States of a journal row; ``done`` and ``cancelled`` are finished, the rest resumable.
UNFINISHED_STATES = ("queued", "uploading", "downloading", "paused", "verifying", "failed")
_PLACEHOLDERS = ",".join("?" * len(UNFINISHED_STATES))


@dataclass(frozen=True)
class PartRecord:
    number: int
    etag: str
    #: In the upload's ``checksum_algorithm``: hex MD5 or base64 CRC32.
    checksum: str
    size: int


@dataclass(frozen=True)
class UploadRecord:
    id: str
    path: str
    size: int
    mtime_ns: int
    part_size: int
    bucket: str
    key: str
    state: str
    #: The file's status-change time and inode when it was fingerprinted (None before v4).
    ctime_ns: int | None = None
    inode: int | None = None
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    #: The connection the upload belongs to (see ``_SCHEMA_V3``).
    connection: str | None = None
    upload_id: str | None = None
    content_type: str | None = None
    cache_control: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    overwrite: bool = False
    error: str = ""
    etag: str = ""
    #: What the parts carry (see :mod:`coachadmin.transfers.integrity`); chosen when the
    #: multipart upload is created.
    checksum_algorithm: str = "md5"
    owner_pid: int | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True)
class DownloadRecord:
    id: str
    bucket: str
    key: str
    dest: str
    temp_path: str
    size: int
    etag: str
    range_size: int
    state: str
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    connection: str | None = None
    overwrite: bool = False
    error: str = ""
    owner_pid: int | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


class TransferBusy(Exception):
    """Another live process is working on this transfer."""

    def __init__(self, transfer_id: str, pid: int) -> None:
        super().__init__(f"transfer {transfer_id} is in progress in process {pid}")
        self.pid = pid


def listed_state(record: UploadRecord | DownloadRecord) -> str:
    """The state to show for an unfinished transfer: as journaled while a live process runs
    it; with none, an active one was interrupted (a kill, a crash, a reboot) and a queued
    one waits like a paused one, both until a resume."""
    if record.owner_pid is not None and _pid_alive(record.owner_pid):
        return str(record.state)
    state = TransferState(record.state)
    if state.is_active:
        return "interrupted"
    return str(TransferState.PAUSED if state is TransferState.QUEUED else state)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class Journal(DurableStore):
    """Thread-safe access to the journal file. Use as a context manager or call :meth:`close`."""

    MIGRATIONS = (
        tuple(s for s in _SCHEMA_V1.split(";") if s.strip()),
        _SCHEMA_V2,
        _SCHEMA_V3,
        _SCHEMA_V4,
    )
    WHAT = "the transfer journal"

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or paths.journal_path())
        # Parts waiting for the next group commit (see record_part).
        self._queue_lock = threading.Lock()
        self._queued: list[tuple[str, PartRecord]] = []
        self._queued_seq = 0
        self._committed_seq = 0
        # Changes written soon (see update_soon): (table, id) -> columns, in order.
        self._soon_lock = threading.Lock()
        self._soon: dict[tuple[str, str], dict[str, Any]] = {}
        self._soon_timer: threading.Timer | None = None
        self._closed = False
        self._db.execute("PRAGMA foreign_keys=ON")
        self.forget_finished(before=time.time() - FINISHED_KEPT_SECONDS)

    def forget_finished(self, *, before: float) -> int:
        """Delete the transfers that finished (done or cancelled) before ``before`` (a Unix
        time), their parts and ranges with them; returns how many."""
        finished = ("done", "cancelled", before)
        # Table names are ours, never user input.
        exists = "SELECT 1 FROM {} WHERE state IN (?, ?) AND updated_at < ? LIMIT 1"
        delete = "DELETE FROM {} WHERE state IN (?, ?) AND updated_at < ?"
        tables = ("uploads", "downloads")
        with self._lock:
            found = any(self._db.execute(exists.format(t), finished).fetchone() for t in tables)
        if not found:  # the common case: no write, no fsync at every start
            return 0
        with self._tx() as db:
            return sum(db.execute(delete.format(t), finished).rowcount for t in tables)

    # -- ids ---------------------------------------------------------------------------

    def new_id(self) -> str:
        with self._lock:
            while True:
                candidate = "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
                taken = self._db.execute(
                    "SELECT 1 FROM uploads WHERE id=? UNION SELECT 1 FROM downloads WHERE id=?",
                    (candidate, candidate),
                ).fetchone()
                if not taken:
                    return candidate

    def kind_of(self, transfer_id: str) -> str | None:
        """``"upload"``, ``"download"`` or None for an unknown id."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM uploads WHERE id=?", (transfer_id,)).fetchone():
                return "upload"
            if self._db.execute("SELECT 1 FROM downloads WHERE id=?", (transfer_id,)).fetchone():
                return "download"
            return None

    def get_record(self, transfer_id: str) -> UploadRecord | DownloadRecord:
        """The upload or the download with this id (KeyError for an unknown id)."""
        if self.kind_of(transfer_id) == "download":
            return self.get_download(transfer_id)
        return self.get_upload(transfer_id)

    def update_record(self, transfer_id: str, **changes: Any) -> None:
        table = "downloads" if self.kind_of(transfer_id) == "download" else "uploads"
        self._update(table, transfer_id, changes)

    # -- uploads -----------------------------------------------------------------------

    def create_upload(self, record: UploadRecord) -> UploadRecord:
        self._create("uploads", record)
        return self.get_upload(record.id)

    def create_uploads(self, records: Sequence[UploadRecord], *, claimed: bool = False) -> None:
        """Journal many uploads in one transaction (one fsync); ``claimed``: owned by this
        process from the start (it runs them: :meth:`claim` then writes nothing)."""
        now = time.time()
        owner = {"owner_pid": os.getpid()} if claimed else {}
        rows = [_to_row(r) | owner | {"created_at": now, "updated_at": now} for r in records]
        if not rows:
            return
        columns = ", ".join(rows[0])
        marks = ", ".join("?" * len(rows[0]))
        with self._tx() as db:
            db.executemany(
                f"INSERT INTO uploads ({columns}) VALUES ({marks})",  # noqa: S608 - names are ours
                [tuple(row.values()) for row in rows],
            )

    def get_upload(self, transfer_id: str) -> UploadRecord:
        return _upload_from_row(self._row("uploads", transfer_id))

    def list_uploads(
        self,
        *,
        unfinished: bool = True,
        bucket: str | None = None,
        key: str | None = None,
        state: str | None = None,
    ) -> list[UploadRecord]:
        """Uploads, oldest first; ``bucket``, ``key`` and ``state`` narrow them (in SQL)."""
        rows = self._rows("uploads", unfinished=unfinished, bucket=bucket, key=key, state=state)
        return [_upload_from_row(row) for row in rows]

    def update_upload(self, transfer_id: str, **changes: Any) -> None:
        self._update("uploads", transfer_id, changes)

    def record_part(self, transfer_id: str, part: PartRecord) -> None:
        """Durably record one completed part: committed (fsynced) before this returns."""
        self.record_parts(transfer_id, [part])

    def record_parts(self, transfer_id: str, parts: Sequence[PartRecord]) -> None:
        """Durably record completed parts: committed (fsynced) before this returns.

        Group commit: parts finishing together share one transaction and one fsync.
        Each caller queues its parts, then takes the lock; the first to get it commits
        everything queued, and the others find theirs already on disk.
        """
        with self._queue_lock:
            self._queued.extend((transfer_id, part) for part in parts)
            self._queued_seq += len(parts)
            mine = self._queued_seq
        with self._lock:
            if self._committed_seq >= mine:
                return
            with self._queue_lock:
                batch, self._queued = self._queued, []
                last = self._queued_seq
            now = time.time()
            try:
                with self._tx() as db:
                    db.executemany(
                        "INSERT OR REPLACE INTO parts(transfer_id, number, etag, checksum, size) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [(t, p.number, p.etag, p.checksum, p.size) for t, p in batch],
                    )
                    db.executemany(
                        "UPDATE uploads SET updated_at=? WHERE id=?",
                        [(now, t) for t in {t for t, _p in batch}],
                    )
            except BaseException:
                with self._queue_lock:  # not written: the next caller tries again
                    self._queued[:0] = batch
                raise
            self._committed_seq = last

    def parts(self, transfer_id: str) -> dict[int, PartRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT number, etag, checksum, size FROM parts WHERE transfer_id=? "
                "ORDER BY number",
                (transfer_id,),
            ).fetchall()
        return {row["number"]: PartRecord(**dict(row)) for row in rows}

    def uploaded_bytes(self, transfer_id: str) -> int:
        """The bytes of the upload's journaled parts: how far it had gone."""
        return sum(part.size for part in self.parts(transfer_id).values())

    def forget_parts(self, transfer_id: str, numbers: list[int] | None = None) -> None:
        with self._tx() as db:
            if numbers is None:
                db.execute("DELETE FROM parts WHERE transfer_id=?", (transfer_id,))
            else:
                db.executemany(
                    "DELETE FROM parts WHERE transfer_id=? AND number=?",
                    [(transfer_id, n) for n in numbers],
                )

    def restart_upload(self, transfer_id: str, **changes: Any) -> None:
        """Forget every part and apply ``changes`` (new size, mtime, part size...) atomically."""
        self._forget_parts_and_update(transfer_id, changes)

    def finish_upload(self, transfer_id: str, etag: str) -> None:
        """Mark the upload done and forget its parts: one transaction, one fsync."""
        self._forget_parts_and_update(transfer_id, {"state": "done", "etag": etag, "error": ""})

    def _forget_parts_and_update(self, transfer_id: str, changes: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM parts WHERE transfer_id=?", (transfer_id,))
            self._update_in(db, "uploads", transfer_id, changes)

    def known_upload_ids(self) -> set[str]:
        """UploadIds the journal still looks after (unfinished uploads)."""
        with self._lock:
            sql = f"SELECT upload_id FROM uploads WHERE state IN ({_PLACEHOLDERS})"  # noqa: S608
            sql += " AND upload_id IS NOT NULL"
            rows = self._db.execute(sql, UNFINISHED_STATES).fetchall()
        return {row[0] for row in rows}

    # -- downloads ---------------------------------------------------------------------

    def create_download(self, record: DownloadRecord) -> DownloadRecord:
        self._create("downloads", record)
        return self.get_download(record.id)

    def get_download(self, transfer_id: str) -> DownloadRecord:
        return _download_from_row(self._row("downloads", transfer_id))

    def list_downloads(
        self, *, unfinished: bool = True, bucket: str | None = None, key: str | None = None
    ) -> list[DownloadRecord]:
        """Downloads, oldest first; ``bucket`` and ``key`` narrow them (in SQL)."""
        rows = self._rows("downloads", unfinished=unfinished, bucket=bucket, key=key)
        return [_download_from_row(row) for row in rows]

    def update_download(self, transfer_id: str, **changes: Any) -> None:
        self._update("downloads", transfer_id, changes)

    def record_ranges(self, transfer_id: str, ranges: Sequence[tuple[int, int]]) -> None:
        """Journal durable ranges, ``(number, size)`` each, in one transaction."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO ranges(transfer_id, number, size) VALUES (?, ?, ?)",
                [(transfer_id, number, size) for number, size in ranges],
            )

    def ranges(self, transfer_id: str) -> dict[int, int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT number, size FROM ranges WHERE transfer_id=?", (transfer_id,)
            ).fetchall()
        return {row[0]: row[1] for row in rows}

    def downloaded_bytes(self, transfer_id: str) -> int:
        """The bytes of the download's journaled ranges: how far it had gone."""
        return sum(self.ranges(transfer_id).values())

    def restart_download(self, transfer_id: str, **changes: Any) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM ranges WHERE transfer_id=?", (transfer_id,))
            self._update_in(db, "downloads", transfer_id, changes)

    # -- ownership: one live process per transfer ---------------------------------------

    def claim(self, table: str, transfer_id: str) -> None:
        """Mark this process as the one working on the transfer; refuse if another live one is."""
        assert table in ("uploads", "downloads")
        with self._lock:
            mine = self._db.execute(
                f"SELECT 1 FROM {table} WHERE id=? AND owner_pid=?",  # noqa: S608
                (transfer_id, os.getpid()),
            ).fetchone()
        if mine:  # claimed when it was journaled (create_uploads): nothing to write
            return
        with self._tx() as db:
            row = db.execute(f"SELECT owner_pid FROM {table} WHERE id=?", (transfer_id,)).fetchone()  # noqa: S608
            if row is None:
                raise KeyError(transfer_id)
            pid = row[0]
            if pid and pid != os.getpid() and _pid_alive(pid):
                raise TransferBusy(transfer_id, pid)
            db.execute(f"UPDATE {table} SET owner_pid=? WHERE id=?", (os.getpid(), transfer_id))  # noqa: S608

    def release(self, table: str, transfer_id: str, *, soon: bool = False) -> None:
        assert table in ("uploads", "downloads")
        if soon:
            self.update_soon(table, transfer_id, owner_pid=None)
        else:
            self._update(table, transfer_id, {"owner_pid": None})

    # -- changes written soon ----------------------------------------------------------

    def update_soon(self, table: str, transfer_id: str, **changes: Any) -> None:
        """Change a row in a transaction shared with others: at the next write, after
        :data:`SOON_BATCH` rows or :data:`SOON_DELAY` seconds, or at :meth:`close`.

        Only for changes a crash may lose: the row keeps its last committed state, which
        the next run must handle anyway (a small file's PUT, made again, meets its own
        object and ``If-None-Match``). Reads of the row see the change at once.
        """
        assert table in ("uploads", "downloads")
        with self._soon_lock:
            self._soon.setdefault((table, transfer_id), {}).update(changes)
            full = len(self._soon) >= SOON_BATCH
            if not full and self._soon_timer is None:
                self._soon_timer = threading.Timer(SOON_DELAY, self.flush)
                self._soon_timer.daemon = True
                self._soon_timer.start()
        if full:
            self.flush()

    def flush(self) -> None:
        """Commit the changes written soon, now."""
        with self._lock:
            if self._closed:
                return
            with self._soon_lock:
                if not self._soon:
                    return
            # What may be lost in a crash needs no fsync of its own: committed to the WAL, it
            # survives the process (kill -9), and the next synchronous commit syncs it.
            self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._tx():
                    pass
            finally:
                self._db.execute("PRAGMA synchronous=FULL")

    def close(self) -> None:
        with self._lock:
            self.flush()
            with self._soon_lock:
                if self._soon_timer is not None:
                    self._soon_timer.cancel()
            self._closed = True
            super().close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A transaction that writes the changes waiting to be written soon first."""
        with super()._tx() as db:
            with self._soon_lock:
                soon, self._soon = self._soon, {}
                if self._soon_timer is not None:
                    self._soon_timer.cancel()
                    self._soon_timer = None
            try:
                for (table, transfer_id), changes in soon.items():
                    self._update_in(db, table, transfer_id, changes)
                yield db
            except BaseException:
                with self._soon_lock:  # rolled back: written with the next transaction
                    for where, changes in soon.items():
                        self._soon[where] = changes | self._soon.get(where, {})
                raise

    def _flush_for(self, table: str, transfer_id: str | None) -> None:
        """Before a read: commit the soon-written changes it would otherwise miss."""
        with self._soon_lock:
            if transfer_id is None:
                pending = any(t == table for t, _i in self._soon)
            else:
                pending = (table, transfer_id) in self._soon
        if pending:
            self.flush()

    # -- helpers -----------------------------------------------------------------------

    # -- rows (table names are ours, never user input) ------------------------------------

    def _create(self, table: str, record: UploadRecord | DownloadRecord) -> None:
        now = time.time()
        self._insert(table, _to_row(record) | {"created_at": now, "updated_at": now})

    def _row(self, table: str, transfer_id: str) -> sqlite3.Row:
        self._flush_for(table, transfer_id)
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(
                f"SELECT * FROM {table} WHERE id=?",  # noqa: S608
                (transfer_id,),
            ).fetchone()
        if row is None:
            raise KeyError(transfer_id)
        return row

    def _rows(
        self,
        table: str,
        *,
        unfinished: bool,
        bucket: str | None = None,
        key: str | None = None,
        state: str | None = None,
    ) -> list[sqlite3.Row]:
        clauses: list[str] = [f"state IN ({_PLACEHOLDERS})"] if unfinished else []
        values: list[str] = list(UNFINISHED_STATES) if unfinished else []
        for column, value in (("bucket", bucket), ("key", key), ("state", state)):
            if value is not None:
                clauses.append(f'"{column}" = ?')
                values.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        self._flush_for(table, None)
        with self._lock:
            return self._db.execute(
                f"SELECT * FROM {table}{where} ORDER BY created_at",  # noqa: S608 - our columns
                values,
            ).fetchall()

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        with self._tx() as db:
            db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))  # noqa: S608

    def _update(self, table: str, transfer_id: str, changes: dict[str, Any]) -> None:
        with self._tx() as db:
            self._update_in(db, table, transfer_id, changes)

    @staticmethod
    def _update_in(
        db: sqlite3.Connection, table: str, transfer_id: str, changes: dict[str, Any]
    ) -> None:
        values = {k: _to_sql(v) for k, v in changes.items()} | {"updated_at": time.time()}
        assignments = ", ".join(f"{name}=?" for name in values)
        db.execute(
            f"UPDATE {table} SET {assignments} WHERE id=?",  # noqa: S608 - names are ours
            (*values.values(), transfer_id),
        )


#: The journal's schema version (``PRAGMA user_version``).
SCHEMA_VERSION = len(Journal.MIGRATIONS)


def _to_sql(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return int(value)
    return value


def _to_row(record: UploadRecord | DownloadRecord) -> dict[str, Any]:
    return {
        f.name: _to_sql(getattr(record, f.name))
        for f in fields(record)
        if f.name not in ("created_at", "updated_at")
    }


def _upload_from_row(row: sqlite3.Row) -> UploadRecord:
    data = dict(row)
    data["metadata"] = json.loads(data["metadata"] or "{}")
    data["overwrite"] = bool(data["overwrite"])
    return UploadRecord(**data)


def _download_from_row(row: sqlite3.Row) -> DownloadRecord:
    data = dict(row)
    data["overwrite"] = bool(data["overwrite"])
    return DownloadRecord(**data)
