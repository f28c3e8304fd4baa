"""Downloading one object: one stream, ranged GETs while they pay, resumable, verified.

The object is fetched in ranges into ``<dest>.coachadmin-part`` (preallocated to the
object's size): one GET streams the ranges in order, and ranged GETs take ranges from
the other end while each added one makes the download faster
(:mod:`coachadmin.transfers.streams`). Written ranges are fsynced together (every 64 MiB
or 2 s, on a thread of their own), then journaled: the journal holds only durable
ranges. Every GET carries ``If-Match`` with the ETag the download began with, so a
changed object is never stitched together from two versions. The file is checked
against the object's checksum, or its ETag where that is an MD5
(:mod:`coachadmin.transfers.verify_download`): the stream's bytes are hashed as it
writes them, and when all ranges are in only the rest (the ranged GETs', or what an
earlier run left on disk) is read back; only then is the file renamed to its destination.
"""

from __future__ import annotations

import errno
import logging
import posixpath
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from coachadmin.display import printable
from coachadmin.s3.objects import ObjectInfo
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers import integrity
from coachadmin.transfers.clients import journaled_endpoint
from coachadmin.transfers.config import (
    TransferConfig,
    download_range_size,
    part_count,
    part_span,
)
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    DiskFull,
    IntegrityError,
    LocalWriteFailed,
    NoSuchBucket,
    NoSuchObject,
    ObjectChangedDuringDownload,
    TransferCancelled,
    TransferError,
    TransferPaused,
    http_status,
)
from coachadmin.transfers.events import TransferKind, TransferState
from coachadmin.transfers.journal import DownloadRecord, Journal
from coachadmin.transfers.local_paths import (
    DestinationRefused,
    NameTooLong,
    check_destination,
    check_folder,
    check_partial,
    local_path_for,
    open_partial,
    partial_path_for,
)
from coachadmin.transfers.result import TransferResult
from coachadmin.transfers.retry import head_with_retries, retried, with_retries
from coachadmin.transfers.runner import Restart, TransferRunner
from coachadmin.transfers.streams import WINDOW, DurableRanges, Growth, RangePlan, Workers
from coachadmin.transfers.verify_download import (
    NO_CHECKSUM,
    HashBehind,
    InlineHash,
    likely_part_sizes,
    plan_check,
    verify_download,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

#: No space left, or over the user's quota (also Windows' ERROR_DISK_FULL, mapped to ENOSPC).
_DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
OBJECT_CHANGED = "the object changed on the server since the download began; starting over"
#: An earlier run's ranges on disk, then a file that is not the object: they may be what is
#: wrong (the partial file changed meanwhile, the disk), so all of it is fetched again.
EARLIER_RANGES_BAD = (
    "the downloaded file did not match the object, with ranges from an earlier run in it; "
    "downloading all of it again"
)


@dataclass(frozen=True)
class DownloadRequest:
    bucket: str
    key: str
    dest: Path
    overwrite: bool = False
    #: The connection the download belongs to (journaled).
    connection: str | None = None
    #: ``dest`` names a folder (the command line's PATH ended in a separator): the file
    #: goes into it under the key's name, and a folder that is not there is refused.
    folder: bool = False
    #: ``dest`` is the file itself, whatever is there: a folder there is refused, never
    #: saved into (the window plans every file's path of a folder download).
    exact: bool = False


def destination_for(dest: Path, key: str, *, folder: bool = False, exact: bool = False) -> Path:
    """``dest`` itself, or ``dest/<key's name>`` when ``dest`` is a folder or ``folder``
    says it names one (the name made safe: see :mod:`coachadmin.transfers.local_paths`);
    ``exact``: ``dest`` itself, whatever is there. The folder the file goes into must be
    there (:func:`check_folder`)."""
    dest = dest.expanduser().absolute()
    if not exact and (folder or _is_folder(dest)):
        check_folder(dest)
        name = posixpath.basename(key)
        if name in ("", ".", ".."):
            raise DestinationRefused(
                f"the key '{printable(key)}' ends in no file name that can be saved; give "
                "a file path as the destination (a folder and the name to save it as)"
            )
        return local_path_for(dest, name)
    check_folder(dest.parent)
    return dest


def _is_folder(path: Path) -> bool:
    """Whether ``path`` is a folder (a link to one is); False where it cannot be told (the
    checks that follow say why)."""
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def check_local(dest: Path, *, overwrite: bool, named_by_key: bool = False) -> None:
    """Refuse, before anything is fetched, a destination the file cannot be written to
    (:mod:`coachadmin.transfers.local_paths`); ``named_by_key``: its name is the key's."""
    try:
        check_destination(dest, overwrite=overwrite)
        check_partial(dest)
    except NameTooLong:
        if not named_by_key:
            raise
        raise NameTooLong(
            f"the object's name is too long to be a file name in {dest.parent}; give a "
            "file name as the destination (the folder, then a shorter name)"
        ) from None


def missing_object(
    client: S3Client,
    bucket: str,
    key: str,
    config: TransferConfig,
    control: TransferControl | None = None,
) -> TransferError:
    """What a HeadObject's 404 stands for: a missing key, or a missing bucket.

    A HEAD's answer has no body to say which; a GET of byte 0 (the permission a download
    needs anyway) answers with a body that names it (NoSuchBucket or NoSuchKey).
    """

    def ask() -> None:
        client.get_object(Bucket=bucket, Key=key, Range="bytes=0-0")["Body"].close()

    try:
        retried(ask, what="GetObject", config=config, bucket=bucket, key=key, control=control)
    except NoSuchBucket as error:
        return error
    except (TransferPaused, TransferCancelled):
        raise
    except (TransferError, ClientError):
        pass  # no clearer: the HEAD's answer stands
    return NoSuchObject(bucket, key)


def prepare_download(
    journal: Journal,
    client: S3Client,
    settings: S3Settings,
    request: DownloadRequest,
    config: TransferConfig,
) -> DownloadRecord:
    """Check the destination and the object, then journal the download (state ``queued``)."""
    given = request.dest.expanduser().absolute()
    dest = destination_for(request.dest, request.key, folder=request.folder, exact=request.exact)
    check_local(dest, overwrite=request.overwrite, named_by_key=dest != given)
    try:
        info = head_with_retries(client, request.bucket, request.key, config, checksum=True)
    except TransferError as error:  # nothing is journaled yet: nothing to resume
        raise error.amended(
            resumable=False, again="download it again", nothing="nothing was downloaded"
        ) from None
    if info is None:
        raise missing_object(client, request.bucket, request.key, config)
    record = DownloadRecord(
        id=journal.new_id(),
        bucket=request.bucket,
        key=request.key,
        dest=str(dest),
        temp_path=str(partial_path_for(dest)),
        size=info.size,
        etag=integrity.clean_etag(info.etag),
        range_size=download_range_size(info.size, config.part_size),
        state=TransferState.QUEUED,
        endpoint_url=journaled_endpoint(settings, client),
        region=client.meta.region_name,
        profile=settings.profile,
        connection=request.connection,
        overwrite=request.overwrite,
    )
    record = journal.create_download(record)
    RECENT_HEADS.keep(record.id, info)
    return record


class RecentHeads:
    """The HeadObject answer each download was prepared with, for a run that follows at once.

    A run asks for the object again before its first GET: it may come long after the
    download was queued, or in another process after a crash. When it comes moments
    after, in the same process, the answer it would get is the one just had, and asking
    costs a round trip. The run's GETs carry ``If-Match`` with the journaled ETag, so an
    object replaced in between still fails its first GET (412) and the download starts
    over with a new HeadObject.
    """

    def __init__(self, max_age: float = 30.0) -> None:
        self._max_age = max_age
        self._answers: dict[str, tuple[float, ObjectInfo]] = {}
        self._lock = threading.Lock()

    def keep(self, transfer_id: str, info: ObjectInfo) -> None:
        now = time.monotonic()
        with self._lock:
            for old in [k for k, (at, _) in self._answers.items() if now - at > self._max_age]:
                del self._answers[old]
            self._answers[transfer_id] = (now, info)

    def take(self, transfer_id: str) -> ObjectInfo | None:
        """The answer kept for ``transfer_id`` if it is recent (once: a second attempt asks)."""
        with self._lock:
            kept = self._answers.pop(transfer_id, None)
        if kept is None or time.monotonic() - kept[0] > self._max_age:
            return None
        return kept[1]


#: This process's recent answers (prepare_download keeps, DownloadRunner takes).
RECENT_HEADS = RecentHeads()


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

    def _journaled_bytes(self, record: DownloadRecord) -> int:
        return self.journal.downloaded_bytes(record.id)

    def _journaled_result(self, record: DownloadRecord) -> TransferResult:
        return self._result(record, "journal")

    def _on_cancel(self, record: DownloadRecord) -> None:
        Path(record.temp_path).unlink(missing_ok=True)

    def _gave_up(self, record: DownloadRecord) -> TransferError:
        return ObjectChangedDuringDownload(record.bucket, record.key)

    def _start_over(self, record: DownloadRecord, reason: str) -> DownloadRecord:
        info = self._head(record)
        if info is None:
            raise self._missing(record)
        Path(record.temp_path).unlink(missing_ok=True)
        self.journal.restart_download(
            record.id, size=info.size, etag=integrity.clean_etag(info.etag)
        )
        record = self.journal.get_download(record.id)
        self._begun_again(record, reason)
        return record

    def _attempt(self, record: DownloadRecord) -> TransferResult:
        dest, temp = Path(record.dest), Path(record.temp_path)
        check_destination(dest, overwrite=record.overwrite)
        info = RECENT_HEADS.take(record.id) or self._head(record, checksum=True)
        if info is None:
            raise self._missing(record)
        if integrity.clean_etag(info.etag) != record.etag or info.size != record.size:
            raise Restart(OBJECT_CHANGED)
        done = self.journal.ranges(record.id)
        with self._writing(record):
            on_disk = _size_of(temp)
        if on_disk != record.size:
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
        try:
            verified = self._fetch_verified(record, info, missing, whole=len(missing) == count)
        except IntegrityError:
            if done:
                raise Restart(EARLIER_RANGES_BAD) from None
            # None of it can be trusted: running the download again fetches all of it.
            with self._writing(record):
                temp.unlink(missing_ok=True)
            self.journal.restart_download(record.id)
            raise
        if verified == "size":
            self.tracker.notify(NO_CHECKSUM)
        check_destination(dest, overwrite=record.overwrite)  # as it is now, just before
        with self._writing(record):
            temp.replace(dest)
        return self._result(record, verified)

    def _fetch_verified(
        self, record: DownloadRecord, info: ObjectInfo, missing: list[int], *, whole: bool
    ) -> str:
        """Fetch the ``missing`` ranges, hashing the stream's bytes as written (over the
        likely parts: the server is asked for the real ones only if those do not match),
        then check the file: ``checksum``, ``etag`` or ``size`` (:mod:`.verify_download`)."""
        sizes: dict[int, list[int]] = {}

        def part_sizes(parts: int) -> list[int]:
            if parts not in sizes:
                sizes[parts] = self._part_sizes(record, parts)
            return sizes[parts]

        check = plan_check(info)
        inline = None
        if check.ways and missing:  # hashed as the stream writes, where it can
            way = check.ways[0]
            guess = likely_part_sizes(record.size, way.parts)
            inline = InlineHash(way, way.slices(record.size, lambda _: guess))
        behind = HashBehind(inline) if inline is not None else None
        try:
            self._fetch(record, missing, behind, whole=whole)
        finally:
            if behind is not None:
                behind.close()
        assert self.tracker is not None
        self.tracker.set_state(TransferState.VERIFYING)
        return verify_download(
            Path(record.temp_path),
            f"s3://{record.bucket}/{record.key}",
            info,
            part_sizes,
            check=check,
            inline=inline,
        )

    def _fetch(
        self,
        record: DownloadRecord,
        missing: list[int],
        hashing: HashBehind | None,
        *,
        whole: bool,
    ) -> None:
        """One stream (what it writes fed to ``hashing``), and ranged GETs while they
        add throughput (:mod:`.streams`)."""
        if not missing:
            return
        plan = RangePlan(missing)
        durable = DurableRanges(self.journal, record.id, Path(record.temp_path))
        growth = Growth(
            record.range_size,
            max(1, self.config.download_streams),
            hash_rate=_hash_rate(hashing),
        )
        workers = Workers(plan, f"download-{record.id}", self.control)
        workers.start(
            lambda: self._stream(record, plan, durable, growth, hashing=hashing, whole=whole)
        )
        try:
            while workers.running(WINDOW / 6) and plan.left:
                if self.control.halted.is_set():
                    plan.drain()
                    continue
                for _ in range(growth.more(time.monotonic(), plan.left)):
                    workers.start(lambda: self._ranged(record, plan, durable, growth))
        finally:
            workers.join()
            durable.flush()
        workers.raise_outcome(self.control)
        self.control.check()

    def _stream(
        self,
        record: DownloadRecord,
        plan: RangePlan,
        durable: DurableRanges,
        growth: Growth,
        *,
        hashing: HashBehind | None,
        whole: bool,
    ) -> None:
        """The ranges in order, each run of missing ones with one GET (a plain GET for the
        whole object); stops where a ranged GET has been."""
        count = part_count(record.size, record.range_size)
        while run := plan.first_run():
            if plan.claim_front(run[0]):
                plain = whole and run[0] == 1 and run[-1] == count
                self._stream_run(record, run, plan, durable, growth, hashing=hashing, plain=plain)
            whole = False

    def _stream_run(
        self,
        record: DownloadRecord,
        run: list[int],
        plan: RangePlan,
        durable: DurableRanges,
        growth: Growth,
        *,
        hashing: HashBehind | None,
        plain: bool,
    ) -> None:
        """One GET for ``run`` (its first range claimed); a retry goes on from the range
        it was in."""
        last_start, last_length = part_span(record.size, record.range_size, run[-1])
        end = last_start + last_length - 1
        at = [run[0]]

        def attempt() -> None:
            start, _ = part_span(record.size, record.range_size, at[0])
            whole = plain and at[0] == run[0]
            asked = time.monotonic()
            body = self._get(record, None if whole else f"bytes={start}-{end}")
            try:
                head = body.read(1)
                now = time.monotonic()
                growth.stream_first_byte(max(now - asked, 1e-9), now=now)
                while True:
                    self._read_range(record, body, at[0], growth, head=head, hashing=hashing)
                    head = b""
                    durable.add(at[0], part_span(record.size, record.range_size, at[0])[1])
                    self.control.check()
                    following = at[0] + 1
                    if following > run[-1] or not plan.claim_front(following):
                        return
                    at[0] = following
            finally:
                body.close()

        self._retrying(attempt, record, f"GetObject from range {run[0]}")

    def _ranged(
        self, record: DownloadRecord, plan: RangePlan, durable: DurableRanges, growth: Growth
    ) -> None:
        """Ranges from the end, one GET each, while any are left (and the growth keeps it)."""
        # True until this ranged GET's first byte is reported (once, even if its range is
        # retried after it): that byte lets the next window begin.
        newest = [True]
        while not growth.retire() and (number := plan.claim_back()) is not None:
            self.control.check()
            fetch = partial(self._one_range, record, number, growth, newest=newest)
            self._retrying(fetch, record, f"GetObject range {number}")
            durable.add(number, part_span(record.size, record.range_size, number)[1])

    def _one_range(
        self, record: DownloadRecord, number: int, growth: Growth, *, newest: list[bool]
    ) -> None:
        """One ranged GET; its time to first byte tells ``growth`` what ranges cost here."""
        start, length = part_span(record.size, record.range_size, number)
        asked = time.monotonic()
        body = self._get(record, f"bytes={start}-{start + length - 1}")
        try:
            first = body.read(1)
            now = time.monotonic()
            growth.first_byte(now - asked, now=now, newest=newest[0])
            newest[0] = False
            self._read_range(record, body, number, growth, head=first)
        finally:
            body.close()

    def _get(self, record: DownloadRecord, byte_range: str | None) -> Any:
        args: dict[str, Any] = {
            "Bucket": record.bucket,
            "Key": record.key,
            "IfMatch": f'"{record.etag}"',
        }
        if byte_range is not None:
            args["Range"] = byte_range
        try:
            body = self.client.get_object(**args)["Body"]
        except ClientError as error:
            if http_status(error) == 412:
                raise Restart(OBJECT_CHANGED) from None
            raise
        return body

    def _read_range(
        self,
        record: DownloadRecord,
        body: Any,
        number: int,
        growth: Growth,
        *,
        head: bytes = b"",
        hashing: HashBehind | None = None,
    ) -> None:
        """Range ``number``'s bytes from ``body`` to their place in the partial file (and
        to ``hashing``, as written)."""
        start, length = part_span(record.size, record.range_size, number)
        counted = 0
        assert self.tracker is not None
        try:
            with open_partial(Path(record.temp_path), create=False) as handle:
                handle.seek(start)
                chunk = head
                while True:
                    if chunk:
                        self.control.check_cancelled()
                        with self._writing(record):
                            handle.write(chunk)
                        hashed = hashing is not None and hashing.feed(start + counted, chunk)
                        counted += len(chunk)
                        self.tracker.add(len(chunk))
                        growth.received(len(chunk), hashed=hashed)
                    if counted >= length:
                        break
                    chunk = body.read(
                        min(growth.chunk(self.config.io_chunk_size), length - counted)
                    )
                    if not chunk:
                        break
            if counted != length:
                raise IntegrityError(f"the server sent {counted} bytes for a range of {length}")
        except BaseException:
            self.tracker.add(-counted)
            raise
        self._count_moved(counted)

    def _retrying(self, attempt: Callable[[], None], record: DownloadRecord, what: str) -> None:
        with_retries(
            attempt,
            what=what,
            control=self.control,
            max_attempts=self.config.max_attempts,
            base=self.config.backoff_base,
            cap=self.config.backoff_cap,
            patience=self.config.outage_patience,
            bucket=record.bucket,
            key=record.key,
        )

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
                left = record.size - self.journal.downloaded_bytes(record.id)
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

    def _missing(self, record: DownloadRecord) -> TransferError:
        return missing_object(self.client, record.bucket, record.key, self.config, self.control)

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


def _hash_rate(hashing: HashBehind | None) -> Callable[[], float] | None:
    """How fast ``hashing`` takes bytes, as it is measured (:class:`.streams.Growth` weighs
    the ranged GETs' bytes it must read back at the end)."""
    if hashing is None:
        return None
    return lambda: hashing.rate


def _size_of(path: Path) -> int | None:
    """The size of the file at ``path``, None when there is none."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _free_space(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
