"""Downloading one object: ranged parallel GETs into a temporary file, resumable, verified.

The object is fetched in ranges into ``<dest>.coachadmin-part`` (preallocated
to the object's size); each finished range is fsynced, then journaled. Every
GET carries ``If-Match`` with the ETag the download began with, so a changed
object is never stitched together from two versions. When all ranges are in,
the file is read back and checked against the object's checksum, or its ETag
where that is an MD5 (:mod:`coachadmin.transfers.verify_download`), and only then
renamed to its destination.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from coachadmin.display import printable
from coachadmin.s3.objects import ObjectInfo
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers import integrity
from coachadmin.transfers.clients import journaled_endpoint
from coachadmin.transfers.config import TransferConfig, part_count, part_span
from coachadmin.transfers.errors import (
    DestinationExists,
    DiskFull,
    IntegrityError,
    LocalWriteFailed,
    NoSuchObject,
    ObjectChangedDuringDownload,
    SourceFileError,
    TransferError,
    http_status,
)
from coachadmin.transfers.events import TransferKind, TransferState
from coachadmin.transfers.executor import run_bounded
from coachadmin.transfers.journal import DownloadRecord, Journal
from coachadmin.transfers.local_paths import local_path_for, open_partial
from coachadmin.transfers.result import TransferResult
from coachadmin.transfers.retry import head_with_retries, with_retries
from coachadmin.transfers.runner import Restart, TransferRunner
from coachadmin.transfers.verify_download import NO_CHECKSUM, verify_download

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

TEMP_SUFFIX = ".coachadmin-part"
#: No space left, or over the user's quota (also Windows' ERROR_DISK_FULL, mapped to ENOSPC).
_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
OBJECT_CHANGED = "the object changed on the server since the download began; starting over"


@dataclass(frozen=True)
class DownloadRequest:
    bucket: str
    key: str
    dest: Path
    overwrite: bool = False
    #: The connection the download belongs to (journaled).
    connection: str | None = None


def destination_for(dest: Path, key: str) -> Path:
    """``dest`` itself, or ``dest/<key's name>`` when ``dest`` is a folder (the name made
    safe: see :mod:`coachadmin.transfers.local_paths`)."""
    dest = dest.expanduser().absolute()
    if dest.is_dir():
        name = posixpath.basename(key)
        if not name:
            raise SourceFileError(f"the key '{printable(key)}' has no file name; give a file path")
        dest = local_path_for(dest, name)
    if not dest.parent.is_dir():
        raise SourceFileError(f"the folder {dest.parent} does not exist; create it first")
    return dest


def prepare_download(
    journal: Journal,
    client: S3Client,
    settings: S3Settings,
    request: DownloadRequest,
    config: TransferConfig,
) -> DownloadRecord:
    """Check the destination and the object, then journal the download (state ``queued``)."""
    dest = destination_for(request.dest, request.key)
    if dest.exists() and not request.overwrite:
        raise DestinationExists(str(dest))
    info = head_with_retries(client, request.bucket, request.key, config)
    if info is None:
        raise NoSuchObject(request.bucket, request.key)
    record = DownloadRecord(
        id=journal.new_id(),
        bucket=request.bucket,
        key=request.key,
        dest=str(dest),
        temp_path=str(dest.with_name(dest.name + TEMP_SUFFIX)),
        size=info.size,
        etag=integrity.clean_etag(info.etag),
        range_size=config.part_size,
        state=TransferState.QUEUED,
        endpoint_url=journaled_endpoint(settings, client),
        region=client.meta.region_name,
        profile=settings.profile,
        connection=request.connection,
        overwrite=request.overwrite,
    )
    return journal.create_download(record)


class DownloadRunner(TransferRunner[DownloadRecord]):
    """Runs (or resumes) one journaled download to its end."""

    table = "downloads"
    kind = TransferKind.DOWNLOAD
    moving = TransferState.DOWNLOADING

    # -- the run's hooks ---------------------------------------------------------------

    def _load(self) -> DownloadRecord:
        return self.journal.get_download(self.transfer_id)

    def _update(self, transfer_id: str, **changes: Any) -> None:
        self.journal.update_download(transfer_id, **changes)

    def _local_path(self, record: DownloadRecord) -> str:
        return record.dest

    def _journaled_result(self, record: DownloadRecord) -> TransferResult:
        return self._result(record, "journal")

    def _on_cancel(self, record: DownloadRecord) -> None:
        Path(record.temp_path).unlink(missing_ok=True)

    def _gave_up(self, record: DownloadRecord) -> TransferError:
        return ObjectChangedDuringDownload(record.bucket, record.key)

    def _start_over(self, record: DownloadRecord, reason: str) -> DownloadRecord:
        info = self._head(record)
        if info is None:
            raise NoSuchObject(record.bucket, record.key)
        Path(record.temp_path).unlink(missing_ok=True)
        self.journal.restart_download(
            record.id, size=info.size, etag=integrity.clean_etag(info.etag)
        )
        record = self.journal.get_download(record.id)
        self._begun_again(record, reason)
        return record

    def _attempt(self, record: DownloadRecord) -> TransferResult:
        dest, temp = Path(record.dest), Path(record.temp_path)
        if dest.exists() and not record.overwrite:
            raise DestinationExists(str(dest))
        info = self._head(record, checksum=True)
        if info is None:
            raise NoSuchObject(record.bucket, record.key)
        if integrity.clean_etag(info.etag) != record.etag or info.size != record.size:
            raise Restart(OBJECT_CHANGED)
        done = self.journal.ranges(record.id)
        if not temp.exists() or temp.stat().st_size != record.size:
            if done:
                self.journal.restart_download(record.id)
                done = {}
            self._check_room(record, record.size)
            with self._writing(record), open_partial(temp, create=True) as handle:
                handle.truncate(record.size)
        else:
            self._check_room(record, record.size - sum(done.values()))
        assert self.tracker is not None
        self.tracker.reset(record.size, sum(done.values()))
        count = part_count(record.size, record.range_size) if record.size else 0
        missing = [n for n in range(1, count + 1) if n not in done]
        run_bounded(
            missing,
            lambda number: self._fetch_range(record, number),
            in_flight=max(1, self.config.concurrency),
            control=self.control,
            name=f"download-{record.id}",
            shared_slots=self._slots,
            first=(Restart,),
        )
        self.tracker.set_state(TransferState.VERIFYING)
        verified = verify_download(
            temp,
            f"s3://{record.bucket}/{record.key}",
            info,
            lambda parts: self._part_sizes(record, parts),
        )
        if verified == "size":
            self.tracker.notify(NO_CHECKSUM)
        if dest.exists() and not record.overwrite:
            raise DestinationExists(str(dest))
        temp.replace(dest)
        return self._result(record, verified)

    def _fetch_range(self, record: DownloadRecord, number: int) -> None:
        self.control.check()
        start, length = part_span(record.size, record.range_size, number)
        end = start + length - 1
        received = 0

        def attempt() -> None:
            nonlocal received
            counted = 0
            try:
                response = self.client.get_object(
                    Bucket=record.bucket,
                    Key=record.key,
                    Range=f"bytes={start}-{end}",
                    IfMatch=f'"{record.etag}"',
                )
            except ClientError as error:
                if http_status(error) == 412:
                    raise Restart(OBJECT_CHANGED) from None
                raise
            body = response["Body"]
            try:
                with open_partial(Path(record.temp_path), create=False) as handle:
                    handle.seek(start)
                    while chunk := body.read(self.config.io_chunk_size):
                        self.control.check_cancelled()
                        with self._writing(record):
                            handle.write(chunk)
                        counted += len(chunk)
                        received += len(chunk)
                        assert self.tracker is not None
                        self.tracker.add(len(chunk))
                    with self._writing(record):
                        handle.flush()
                        os.fsync(handle.fileno())
                if counted != end - start + 1:
                    raise IntegrityError(
                        f"the server sent {counted} bytes for a range of {end - start + 1}"
                    )
            except BaseException:
                assert self.tracker is not None
                self.tracker.add(-counted)
                raise
            finally:
                body.close()

        with_retries(
            attempt,
            what=f"GetObject range {number}",
            control=self.control,
            max_attempts=self.config.max_attempts,
            base=self.config.backoff_base,
            cap=self.config.backoff_cap,
            bucket=record.bucket,
            key=record.key,
        )
        self._count_moved(received)
        self.journal.record_range(record.id, number, end - start + 1)

    def _check_room(self, record: DownloadRecord, needed: int) -> None:
        """Refuse to begin when the destination's disk cannot hold what is left to fetch."""
        free = _free_space(Path(record.temp_path).parent)
        if free is not None and free < needed:
            raise DiskFull(record.dest, record.id, needed=needed, free=free)

    @contextmanager
    def _writing(self, record: DownloadRecord) -> Iterator[None]:
        """A failed local write as one line: a full disk, or why the file cannot be written."""
        try:
            yield
        except OSError as error:
            if error.errno in _DISK_FULL:
                left = record.size - sum(self.journal.ranges(record.id).values())
                free = _free_space(Path(record.temp_path).parent)
                raise DiskFull(record.dest, record.id, needed=left, free=free) from error
            reason = error.strerror or type(error).__name__
            raise LocalWriteFailed(record.dest, record.id, reason) from error

    def _part_sizes(self, record: DownloadRecord, parts: int) -> list[int]:
        """The original part boundaries: uniform from part 1's size, else asked part by part."""
        whole = self._head(record)
        if whole is None or integrity.clean_etag(whole.etag) != record.etag:
            raise Restart(OBJECT_CHANGED)  # replaced since the last range: sizes would lie
        first = self._head(record, part_number=1)
        if first is None or first.size <= 0:
            raise IntegrityError(f"s3://{record.bucket}/{record.key}: part sizes unavailable")
        if part_count(record.size, first.size) == parts:
            return [min(first.size, record.size - i * first.size) for i in range(parts)]
        sizes = []
        for number in range(1, parts + 1):
            info = self._head(record, part_number=number)
            sizes.append(info.size if info else 0)
        return sizes

    def _head(
        self, record: DownloadRecord, *, part_number: int | None = None, checksum: bool = False
    ) -> ObjectInfo | None:
        return head_with_retries(
            self.client,
            record.bucket,
            record.key,
            self.config,
            control=self.control,
            part_number=part_number,
            checksum=checksum,
        )

    def _result(self, record: DownloadRecord, verified: str) -> TransferResult:
        return TransferResult(
            transfer_id=record.id,
            kind=TransferKind.DOWNLOAD,
            bucket=record.bucket,
            key=record.key,
            path=record.dest,
            size=record.size,
            etag=record.etag,
            parts=part_count(record.size, record.range_size),
            bytes_sent=self.bytes_moved,
            restarted=self.restarted,
            verified=verified,
        )


def _free_space(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
