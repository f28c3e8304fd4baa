"""Links waiting for an upload: "Upload and link…" survives a quit, a kill, a resume days later.

The link is recorded here, durably, before the first byte is sent (SQLite under
:func:`coachadmin.paths.data_dir`, keyed by bucket and key). Whoever finishes the
upload (the GUI's queue, ``coachadmin upload-link``, or ``coachadmin resume``)
then calls :func:`apply_pending_links`, which links a lesson only once its
upload is verified: the journal says done, and the object in the bucket has the
file's size and the ETag the engine verified.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coachadmin import paths
from coachadmin.backend.client import BackendClient
from coachadmin.backend.errors import (
    BackendError,
    BackendUnreachable,
    NotSignedIn,
    ServerError,
)
from coachadmin.backend.models import Lesson
from coachadmin.durable_db import DurableStore
from coachadmin.errors import UserFacingError
from coachadmin.transfers import integrity
from coachadmin.transfers.events import TransferState
from coachadmin.transfers.journal import Journal

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.backend")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_links (
    bucket TEXT NOT NULL, key TEXT NOT NULL, lesson_id TEXT NOT NULL, api_url TEXT NOT NULL,
    size INTEGER NOT NULL, transfer_id TEXT, created_at REAL NOT NULL, error TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
)
"""


def pending_links_path() -> Path:
    return paths.data_dir() / "pending-links.sqlite3"


@dataclass(frozen=True)
class PendingLink:
    bucket: str
    key: str
    lesson_id: str
    api_url: str
    size: int
    transfer_id: str | None = None
    created_at: float = 0.0
    error: str = ""


class PendingLinks(DurableStore):
    """The durable list of links to make once their uploads are verified (thread-safe)."""

    #: Version 1 is the table files made before the store was versioned already hold.
    MIGRATIONS = ((_SCHEMA,),)
    WHAT = "the list of pending lesson links"

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or pending_links_path())

    def add(self, link: PendingLink) -> PendingLink:
        created = link.created_at or time.time()
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO pending_links (bucket, key, lesson_id, api_url, size, "
                "transfer_id, created_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    link.bucket,
                    link.key,
                    link.lesson_id,
                    link.api_url,
                    link.size,
                    link.transfer_id,
                    created,
                    link.error,
                ),
            )
        log.info("pending link: s3://%s/%s -> lesson %s", link.bucket, link.key, link.lesson_id)
        return self.get(link.bucket, link.key) or link

    def set_transfer(self, bucket: str, key: str, transfer_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE pending_links SET transfer_id=? WHERE bucket=? AND key=?",
                (transfer_id, bucket, key),
            )

    def note_error(self, bucket: str, key: str, error: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE pending_links SET error=? WHERE bucket=? AND key=?", (error, bucket, key)
            )

    def remove(self, bucket: str, key: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM pending_links WHERE bucket=? AND key=?", (bucket, key))

    def get(self, bucket: str, key: str) -> PendingLink | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM pending_links WHERE bucket=? AND key=?", (bucket, key)
            ).fetchone()
        return _from_row(row) if row is not None else None

    def all(self) -> list[PendingLink]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM pending_links ORDER BY created_at").fetchall()
        return [_from_row(row) for row in rows]

    def for_lesson(self, lesson_id: str) -> list[PendingLink]:
        return [link for link in self.all() if link.lesson_id == lesson_id]


def _from_row(row: sqlite3.Row) -> PendingLink:
    return PendingLink(**dict(row))


class Outcome(enum.Enum):
    LINKED = "linked"  # done: the lesson now links the key
    UPLOADING = "uploading"  # the upload is not finished: try again when it is
    WAITING = "waiting"  # the upload is verified but the backend cannot be asked yet
    DROPPED = "dropped"  # will never be linked: cancelled, mismatched, refused


@dataclass(frozen=True)
class Applied:
    link: PendingLink
    outcome: Outcome
    message: str = ""
    lesson: Lesson | None = None


S3ClientFor = Callable[[PendingLink], "S3Client"]
BackendFor = Callable[[str], BackendClient]


def apply_pending_links(
    store: PendingLinks,
    *,
    s3_for: S3ClientFor,
    backend_for: BackendFor,
    journal: Journal | None = None,
) -> list[Applied]:
    """Link every pending link whose upload is verified; keep the rest, drop the hopeless."""
    results = []
    for link in store.all():
        try:
            result = _apply_one(link, s3_for, backend_for, journal)
        except (NotSignedIn, BackendUnreachable, ServerError) as error:
            result = Applied(link, Outcome.WAITING, str(error))  # worth trying again later
        except BackendError as error:  # forbidden, lesson gone, refused: never going to work
            result = Applied(link, Outcome.DROPPED, str(error))
        except UserFacingError as error:  # S3 cannot be asked now (connection unavailable...)
            result = Applied(link, Outcome.WAITING, str(error))
        if result.outcome in (Outcome.WAITING, Outcome.UPLOADING):
            if result.message != link.error:
                store.note_error(link.bucket, link.key, result.message)
        else:
            store.remove(link.bucket, link.key)
        if result.outcome is not Outcome.UPLOADING:
            log.info(
                "pending link s3://%s/%s -> %s: %s %s",
                link.bucket,
                link.key,
                link.lesson_id,
                result.outcome.value,
                result.message,
            )
        results.append(result)
    return results


def _apply_one(
    link: PendingLink, s3_for: S3ClientFor, backend_for: BackendFor, journal: Journal | None
) -> Applied:
    where = f"s3://{link.bucket}/{link.key}"
    size, etag = link.size, ""
    if link.transfer_id and journal is not None:
        try:
            record = journal.get_upload(link.transfer_id)
        except KeyError:
            record = None
        if record is not None:
            if record.state == TransferState.CANCELLED:
                return Applied(link, Outcome.DROPPED, f"the upload to {where} was cancelled")
            if record.state != TransferState.DONE:
                return Applied(link, Outcome.UPLOADING, f"the upload to {where} is not finished")
            size, etag = record.size, integrity.clean_etag(record.etag)
    from coachadmin.s3.objects import head_object  # noqa: PLC0415 - the GUI starts without botocore

    info = head_object(s3_for(link), link.bucket, link.key)
    if info is None:
        return Applied(link, Outcome.UPLOADING, f"{where} is not in the bucket yet")
    if info.size != size:
        return Applied(
            link,
            Outcome.DROPPED,
            f"{where} has {info.size} bytes, the uploaded file had {size}: not linked",
        )
    found = integrity.clean_etag(info.etag)
    if etag and integrity.is_md5_etag(found) and found != etag:
        return Applied(
            link, Outcome.DROPPED, f"{where} is not the file that was uploaded: not linked"
        )
    lesson = backend_for(link.api_url).link(link.lesson_id, link.key)
    return Applied(link, Outcome.LINKED, f"linked {link.key} to “{lesson.title}”", lesson)
