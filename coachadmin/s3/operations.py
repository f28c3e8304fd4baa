"""What the browser does to a bucket: list, create folders, move, delete, summarise.

No Qt here: the GUI runs these on worker threads through its bridge, and each
raises a :class:`~coachadmin.s3.failures.BrowseError` with a sentence for a
person. S3 has no rename: a move is a server-side copy, then a delete of the
source; a folder moves (or is deleted) object by object under its prefix.
Deletes go in batches of 1,000 keys, S3's limit for DeleteObjects. Parallel
requests (copy parts, delete batches, existence checks) go through
:func:`coachadmin.bounded.run_each`: a bounded number at once, lazily taken,
stopped by the first failure or a cancel.
"""

from __future__ import annotations

import logging
import posixpath
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from coachadmin.bounded import Flag, Stopped, run_each
from coachadmin.errors import UsageError
from coachadmin.s3.copying import COPY_LIMIT, DEFAULT_COPY_PART, Progress, copy_object
from coachadmin.s3.failures import (
    BrowseError,
    FolderAccessDenied,
    ObjectAccessDenied,
    ObjectGone,
    OperationCancelled,
    is_denied,
    plain_errors,
)
from coachadmin.s3.listing import ObjectInfo, Page, iter_objects, list_page
from coachadmin.s3.objects import ObjectInfo as StoredObject
from coachadmin.s3.objects import head_object
from coachadmin.s3.uri import validate_new_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

log = logging.getLogger("coachadmin.s3")

DELETE_BATCH = 1000  # S3's most keys per DeleteObjects
#: DeleteObjects batches at once. One: every key of a batch counts against S3's rate
#: of DELETE requests (3,500 a second per prefix), and parallel batches of a large
#: folder would meet SlowDown.
DELETE_IN_FLIGHT = 1
FIRST_PAGE = 100  # a small first page shows a big folder's first rows sooner
HEAD_WORKERS = 8


class DestinationTaken(BrowseError):
    def __init__(self, key: str) -> None:
        super().__init__(f"'{key}' already exists. Choose another name, or delete that one first.")
        self.key = key


def parent_prefix(key: str) -> str:
    """``a/b/c.txt`` → ``a/b/``; ``a/b/`` → ``a/``; top level → ``""``."""
    parent = posixpath.dirname(key.rstrip("/"))
    return f"{parent}/" if parent else ""


def check_name(name: str) -> str:
    """A folder or file name typed by a person: no slashes, not empty, not . or .."""
    cleaned = name.strip()
    if not cleaned or cleaned in (".", "..") or "/" in cleaned:
        raise UsageError(
            f"'{name}' cannot be a name: use a name without '/' (and not '.' or '..')."
        )
    return cleaned


@plain_errors("Listing the folder")
def list_folder(
    client: S3Client, bucket: str, prefix: str, token: str | None = None, page_size: int = 1000
) -> Page:
    """One page of a folder; a refused folder raises :class:`FolderAccessDenied`."""
    try:
        return list_page(client, bucket, prefix, token=token, page_size=page_size)
    except ClientError as error:
        if is_denied(error):
            raise FolderAccessDenied(bucket, prefix) from error
        raise


@plain_errors("Searching the bucket")
def search_page(
    client: S3Client, bucket: str, prefix: str, token: str | None = None, page_size: int = 1000
) -> Page:
    """One page of every object whose key starts with ``prefix`` (any depth)."""
    try:
        return list_page(client, bucket, prefix, token=token, delimiter=None, page_size=page_size)
    except ClientError as error:
        if is_denied(error):
            raise FolderAccessDenied(bucket, prefix) from error
        raise


@plain_errors("Creating the folder")
def create_folder(client: S3Client, bucket: str, parent: str, name: str) -> str:
    """Create ``parent/name/`` (a zero-byte marker, as the S3 console does); returns it."""
    prefix = validate_new_key(parent + check_name(name) + "/")
    if head_object(client, bucket, prefix) is not None:
        raise DestinationTaken(prefix)
    probe = list_page(client, bucket, prefix, delimiter=None, page_size=1)
    if probe.objects:
        raise DestinationTaken(prefix)
    try:
        client.put_object(Bucket=bucket, Key=prefix, Body=b"")
    except ClientError as error:
        if is_denied(error):
            raise ObjectAccessDenied(bucket, prefix, "s3:PutObject") from error
        raise
    return prefix


@dataclass(frozen=True)
class Summary:
    """What a prefix holds: for the delete confirmation and move progress."""

    prefix: str
    objects: int
    bytes: int


@plain_errors("Counting the folder's objects")
def summarise(client: S3Client, bucket: str, prefix: str) -> Summary:
    count = total = 0
    for info in iter_objects(client, bucket, prefix):
        count += 1
        total += info.size
    if head_object(client, bucket, prefix) is not None:
        count += 1  # the folder's own marker
    return Summary(prefix, count, total)


def _check(cancel: Flag | None, what: str) -> None:
    if cancel is not None and cancel.is_set():
        raise OperationCancelled(what)


@plain_errors("Moving")
def move_object(
    client: S3Client,
    bucket: str,
    source: str,
    target: str,
    *,
    progress: Progress | None = None,
    cancel: Flag | None = None,
    copy_threshold: int = COPY_LIMIT,
    copy_part: int = DEFAULT_COPY_PART,
) -> None:
    """Rename/move one object: copy (multipart above 5 GiB), then delete the source."""
    if source == target:
        return
    validate_new_key(target)
    info = head_object(client, bucket, source)
    if info is None:
        raise ObjectGone(bucket, source)
    if head_object(client, bucket, target) is not None:
        raise DestinationTaken(target)
    try:
        copy_object(
            client,
            bucket,
            source,
            target,
            size=info.size,
            progress=progress,
            cancel=cancel,
            threshold=copy_threshold,
            part_size=copy_part,
        )
        client.delete_object(Bucket=bucket, Key=source)
    except ClientError as error:
        if is_denied(error):
            raise ObjectAccessDenied(
                bucket, source, "s3:GetObject/PutObject/DeleteObject"
            ) from error
        raise


@plain_errors("Moving the folder")
def move_prefix(
    client: S3Client,
    bucket: str,
    source: str,
    target: str,
    *,
    progress: Progress | None = None,
    cancel: Flag | None = None,
    copy_threshold: int = COPY_LIMIT,
) -> int:
    """Move every object under ``source`` to ``target`` (both end in ``/``); returns how many.

    Copies everything first and deletes the sources only when all copies are in,
    so an interruption never loses an object (at worst some exist twice).
    """
    if not source.endswith("/") or not target.endswith("/"):
        raise UsageError("folder prefixes end in '/'")
    if target.startswith(source):
        raise UsageError("A folder cannot be moved into itself.")
    if list_page(client, bucket, target, delimiter=None, page_size=1).objects or head_object(
        client, bucket, target
    ):
        raise DestinationTaken(target)
    items: list[ObjectInfo] = list(iter_objects(client, bucket, source))
    marker = head_object(client, bucket, source)
    if marker is not None:
        items.append(ObjectInfo(source, marker.size, None, marker.etag, "STANDARD"))
    total = sum(i.size for i in items) or 1
    done = 0
    for info in items:
        _check(cancel, f"Moving {source}")
        offset = done

        def report(current: int, _size: int, offset: int = offset) -> None:
            if progress is not None:
                progress(offset + current, total)

        copy_object(
            client,
            bucket,
            info.key,
            target + info.key[len(source) :],
            size=info.size,
            progress=report,
            cancel=cancel,
            threshold=copy_threshold,
        )
        done += info.size
    delete_keys(client, bucket, [i.key for i in items])
    if progress is not None:
        progress(total, total)
    return len(items)


def _batches(keys: Iterable[str], size: int = DELETE_BATCH) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@plain_errors("Deleting")
def delete_keys(
    client: S3Client, bucket: str, keys: Iterable[str], cancel: Flag | None = None
) -> int:
    """Delete ``keys`` with DeleteObjects, 1,000 per call; returns how many went.

    ``keys`` is read lazily, a batch at a time. The first batch refused stops the
    rest, and so does ``cancel`` (:class:`OperationCancelled`).
    """
    deleted = 0
    lock = threading.Lock()

    def delete(batch: list[str]) -> None:
        nonlocal deleted
        _check(cancel, "Deleting")
        objects: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in batch]
        try:
            answer = client.delete_objects(
                Bucket=bucket, Delete={"Objects": objects, "Quiet": True}
            )
        except ClientError as error:
            if is_denied(error):
                raise ObjectAccessDenied(bucket, batch[0], "s3:DeleteObject") from error
            raise
        errors = answer.get("Errors", [])
        if errors:
            first = errors[0]
            if first.get("Code") == "AccessDenied":
                raise ObjectAccessDenied(bucket, first.get("Key", ""), "s3:DeleteObject")
            raise BrowseError(
                f"S3 did not delete {len(errors)} of {len(batch)} objects "
                f"({first.get('Key')}: {first.get('Message') or first.get('Code')}). "
                "Refresh the folder and try again."
            )
        with lock:
            deleted += len(batch)

    try:
        run_each(_batches(keys), delete, in_flight=DELETE_IN_FLIGHT, name="s3-delete", stop=cancel)
    except Stopped:
        raise OperationCancelled("Deleting") from None
    log.info("deleted %d objects from s3://%s", deleted, bucket)
    return deleted


@plain_errors("Deleting the folder")
def delete_prefix(client: S3Client, bucket: str, prefix: str, cancel: Flag | None = None) -> int:
    """Delete everything under ``prefix`` (and its marker), page by page; returns how many."""
    if not prefix.endswith("/"):
        raise UsageError("a folder prefix ends in '/'")

    def keys() -> Iterator[str]:
        yield prefix  # the marker; deleting a key that does not exist is not an error
        for info in iter_objects(client, bucket, prefix):
            yield info.key

    return delete_keys(client, bucket, keys(), cancel=cancel)


@plain_errors("Checking the name")
def free_key(
    client: S3Client, bucket: str, key: str, taken: set[str] | None = None, limit: int = 1000
) -> str:
    """``key`` if free, else ``name (1).ext``, ``name (2).ext``... (the "keep both" name).

    ``taken`` holds keys already promised to other files of the same upload; the
    chosen key is added to it.
    """
    reserved = taken if taken is not None else set()
    folder, name = posixpath.split(key)
    stem, dot, ext = name.partition(".") if not name.startswith(".") else (name, "", "")
    candidates = [key] + [
        posixpath.join(folder, f"{stem} ({number}){dot}{ext}") for number in range(1, limit + 1)
    ]
    for candidate in candidates:
        if candidate not in reserved and head_object(client, bucket, candidate) is None:
            reserved.add(candidate)
            return candidate
    raise BrowseError(f"Could not find a free name for {key}; rename the file and try again.")


@plain_errors("Checking what exists")
def existing_objects(client: S3Client, bucket: str, keys: Iterable[str]) -> dict[str, StoredObject]:
    """Those of ``keys`` that exist, with their size and date: HeadObject each, a few at a
    time (exact for any layout)."""
    found: dict[str, StoredObject] = {}
    lock = threading.Lock()

    def check(key: str) -> None:
        try:
            there = head_object(client, bucket, key)
        except ClientError as error:
            if is_denied(error):
                raise FolderAccessDenied(bucket, parent_prefix(key), "s3:GetObject") from error
            raise
        if there is not None:
            with lock:
                found[key] = there

    run_each(keys, check, in_flight=HEAD_WORKERS, name="s3-head")
    return found
