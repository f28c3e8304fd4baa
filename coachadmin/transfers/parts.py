"""The part phase of a multipart upload: bounded, parallel, journaled part by part.

A submitter thread takes a slot (at most ``parts in flight`` parts exist in
memory; :mod:`coachadmin.bounded`), then a worker reads its part by offset, sends it with
its checksum (CRC32 or Content-MD5, see :mod:`coachadmin.transfers.integrity`)
and retries, and hands its record to the upload's :class:`PartLog`, which
journals it durably (all of them before :meth:`PartSender.send` returns).
A full executor blocks the submitter: backpressure, as in s3transfer.

A new upload's first parts are read and hashed while its CreateMultipartUpload is
still on the network, so that they leave the moment the UploadId arrives: on a
link with a long round trip the hashing would otherwise follow it.

The parts in flight start at the config's ``concurrency`` and grow while more of them
make the upload faster, up to ``max_concurrency`` (:mod:`.part_growth` decides as each
part finishes; the run's own slots are resized at once, and the parts hashed ahead
follow). A queue's shared slots still bound the parts of all its files together.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from coachadmin.bounded import Slots
from coachadmin.s3.signing import signs_payload
from coachadmin.transfers import integrity
from coachadmin.transfers.config import (
    TransferConfig,
    most_parts_in_flight,
    part_span,
    parts_in_flight,
)
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import IntegrityError, S3RequestFailed
from coachadmin.transfers.events import ProgressTracker
from coachadmin.transfers.executor import run_bounded
from coachadmin.transfers.hash_ahead import HashAhead, parts_ahead
from coachadmin.transfers.journal import Journal, PartRecord, UploadRecord
from coachadmin.transfers.part_growth import PartGrowth
from coachadmin.transfers.part_log import PartLog
from coachadmin.transfers.retry import with_retries
from coachadmin.transfers.runner import Restart
from coachadmin.transfers.source import (
    Fingerprint,
    PartBody,
    SourceChanged,
    ensure_unchanged,
    range_checksums,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")


def recorded_fingerprint(record: UploadRecord) -> Fingerprint:
    """The file as the journal saw it when its upload began (or began again)."""
    return Fingerprint(record.size, record.mtime_ns, record.ctime_ns, record.inode)


CHANGED_DURING = "the file changed during the upload; starting over"
T = TypeVar("T")


def body_hashes(
    client: S3Client,
    path: Path,
    *,
    offset: int,
    length: int,
    fingerprint: Fingerprint,
    checksum_algorithm: str,
) -> dict[str, str]:
    """A body's checksum, and its SHA-256 where SigV4 signs it, in one pass over the file.

    A file that changed meanwhile means starting over (:class:`Restart`).
    """
    wanted = [checksum_algorithm] + ([integrity.SHA256] if signs_payload(client) else [])
    try:
        return range_checksums(path, offset, length, fingerprint, wanted)
    except SourceChanged:
        raise Restart(CHANGED_DURING) from None


def send_from_file(
    path: Path,
    send: Callable[[PartBody], T],
    *,
    offset: int,
    length: int,
    fingerprint: Fingerprint,
    hashes: Mapping[str, str],
    tracker: ProgressTracker | None,
    control: TransferControl,
    count: Callable[[int], None],
    retry: bool,
) -> T:
    """One attempt at sending ``length`` bytes of the file at ``offset`` with ``send(body)``.

    Only a ``retry`` waits for the server's "100 Continue" before the body (see
    :func:`~coachadmin.transfers.source.install_body_hooks`).

    The file must still be the fingerprinted one afterwards, or the transfer starts
    over: the server checked the bytes against their checksum, this checks they were
    the file's bytes of this version. A failed attempt takes back its progress;
    ``count`` gets the bytes that crossed the network either way.
    """
    try:
        body = PartBody(
            path,
            offset,
            length,
            tracker,
            control,
            sha256=hashes.get(integrity.SHA256),
            expect_continue=retry,
        )
    except OSError:
        raise Restart(CHANGED_DURING) from None
    try:
        result = send(body)
        ensure_unchanged(path, fingerprint)
    except SourceChanged:
        body.rollback()
        raise Restart(CHANGED_DURING) from None
    except BaseException:
        body.rollback()
        raise
    finally:
        body.close()
        count(body.sent)
    return result


#: What a server without ListParts answers it (the journal's parts stand in for it).
LIST_PARTS_UNSUPPORTED = ("MethodNotAllowed", "NotImplemented")


@dataclass(frozen=True)
class ServerPart:
    number: int
    etag: str
    size: int
    #: The part's CRC32 as the server computed it, when the upload has that algorithm.
    crc32: str | None = None


def list_all_parts(
    client: S3Client, bucket: str, key: str, upload_id: str, retry_args: dict[str, Any]
) -> dict[int, ServerPart] | None:
    """Every part the server holds for the upload (ListParts, all pages); None if it is gone."""
    parts: dict[int, ServerPart] = {}
    marker = 0
    while True:
        try:
            page = with_retries(
                lambda marker=marker: client.list_parts(  # type: ignore[misc]
                    Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker
                ),
                what="ListParts",
                **retry_args,
            )
        except S3RequestFailed as error:
            if error.code == "NoSuchUpload":
                return None
            raise
        for item in page.get("Parts", []):
            number = int(item["PartNumber"])
            parts[number] = ServerPart(
                number,
                integrity.clean_etag(str(item["ETag"])),
                int(item["Size"]),
                item.get("ChecksumCRC32"),
            )
        if not page.get("IsTruncated"):
            return parts
        marker = int(page.get("NextPartNumberMarker", 0))


def abort_upload(
    client: S3Client, bucket: str, key: str, upload_id: str, retry_args: dict[str, Any]
) -> None:
    """Abort the multipart upload and make sure no part is left that costs money.

    A part still in flight when the abort lands may be stored after it (S3's
    documentation says so), so abort again until ListParts finds nothing.
    """
    for _ in range(3):
        try:
            with_retries(
                lambda: client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id),
                what="AbortMultipartUpload",
                **retry_args,
            )
        except S3RequestFailed as error:
            if error.code != "NoSuchUpload":
                raise
            return
        try:
            if not list_all_parts(client, bucket, key, upload_id, retry_args):
                return
        except S3RequestFailed as error:
            if error.code not in LIST_PARTS_UNSUPPORTED:
                raise
            return  # no way to look: the abort's answer stands
    log.warning("parts of upload %s on s3://%s/%s survived 3 aborts", upload_id, bucket, key)


@dataclass
class InFlight:
    """The parts in flight of one :meth:`PartSender.send`: its own slots, resized as its
    :class:`PartGrowth` decides, and how far ahead its parts are hashed."""

    slots: Slots
    growth: PartGrowth
    hashing: HashAhead
    part_size: int
    name: str

    @contextmanager
    def part(self, size: int) -> Iterator[None]:
        """A part of ``size`` bytes on the wire, from its request to the server's answer."""
        began = time.monotonic()
        self.growth.started(began)
        done: int | None = None
        try:
            yield
            done = size
        finally:
            parts = self.growth.finished(began, time.monotonic(), done)
            if parts is not None:
                self.slots.resize(parts)
                self.hashing.reach(parts_ahead(parts, self.part_size))
                log.info("%s: %d parts in flight (tried %s)", self.name, parts, self.growth.tried)


class PartSender:
    """Sends the missing parts of one multipart upload."""

    def __init__(
        self,
        journal: Journal,
        client: S3Client,
        record: UploadRecord,
        *,
        config: TransferConfig,
        control: TransferControl,
        tracker: ProgressTracker,
        retry_args: dict[str, Any],
        slots: Slots | None = None,
        created: Future[UploadRecord] | None = None,
    ) -> None:
        """``created``, for a new upload, is its CreateMultipartUpload under way: the
        record with the UploadId and the checksum algorithm the server confirmed."""
        assert record.upload_id is not None or created is not None
        self.journal = journal
        self.client = client
        self.record = record
        self._created = created
        self.config = config
        self.control = control
        self.tracker = tracker
        self.retry_args = retry_args
        self.fingerprint = recorded_fingerprint(record)
        #: The parts in flight at the start, and the most they may grow to.
        self.in_flight = parts_in_flight(config)
        self.most_in_flight = most_parts_in_flight(config)
        self._shared_slots = slots
        self._lock = threading.Lock()
        self.bytes_sent = 0

    def send(self, numbers: list[int]) -> None:
        """Send these parts; returns when all are journaled, or raises the first failure."""
        ahead = parts_ahead(self.in_flight, self.record.part_size)
        name = f"upload-{self.record.id}"
        # Growth only where parts are left over for the slots added.
        limit = self.most_in_flight if len(numbers) > self.in_flight else self.in_flight
        growth = PartGrowth(self.in_flight, limit, total=len(numbers))
        with (
            closing(PartLog(self.journal, self.record.id)) as log,
            closing(HashAhead(numbers, self._hashes, ahead=ahead, name=f"hash-{name}")) as hashing,
        ):
            slots = Slots(self.in_flight, limit=limit)
            in_flight = InFlight(slots, growth, hashing, self.record.part_size, name)
            run_bounded(
                numbers,
                lambda number: self._send_part(number, log, in_flight),
                in_flight=slots,
                control=self.control,
                name=name,
                shared_slots=self._shared_slots,
                first=(Restart,),
            )

    def _hashes(self, number: int, algorithm: str | None = None) -> dict[str, str]:
        """The part's checksum and signing hash. A new upload's parts are hashed for
        CRC32 before the server has confirmed it (the rare refusal means MD5, rehashed)."""
        if algorithm is None:
            algorithm = (
                integrity.CRC32 if self._created is not None else self.record.checksum_algorithm
            )
        offset, length = part_span(self.record.size, self.record.part_size, number)
        return body_hashes(
            self.client,
            Path(self.record.path),
            offset=offset,
            length=length,
            fingerprint=self.fingerprint,
            checksum_algorithm=algorithm,
        )

    def _send_part(self, number: int, log: PartLog, in_flight: InFlight) -> None:
        self.control.check()
        path = Path(self.record.path)
        offset, length = part_span(self.record.size, self.record.part_size, number)
        hashes = in_flight.hashing.hashes(number)
        record = self._created.result() if self._created is not None else self.record
        algorithm = record.checksum_algorithm
        if algorithm not in hashes:
            hashes = self._hashes(number, algorithm)
        value = hashes[algorithm]

        def upload_part(body: PartBody) -> dict[str, Any]:
            return dict(
                self.client.upload_part(
                    Bucket=record.bucket,
                    Key=record.key,
                    UploadId=str(record.upload_id),
                    PartNumber=number,
                    Body=body,  # type: ignore[arg-type]
                    ContentLength=length,
                    **integrity.part_checksum_args(algorithm, value),
                )
            )

        attempts = itertools.count()

        def attempt() -> dict[str, Any]:
            return send_from_file(
                path,
                upload_part,
                offset=offset,
                length=length,
                fingerprint=self.fingerprint,
                hashes=hashes,
                tracker=self.tracker,
                control=self.control,
                count=self._count_sent,
                retry=next(attempts) > 0,
            )

        with in_flight.part(length):
            response = with_retries(attempt, what=f"UploadPart {number}", **self.retry_args)
        echoed = response.get("ChecksumCRC32")
        if algorithm == integrity.CRC32 and echoed is not None and echoed != value:
            raise IntegrityError(
                f"the server stored part {number} of {record.path} with CRC32 {echoed}, but "
                f"the file's bytes give {value}; run `coachadmin resume` to send it again"
            )
        etag = integrity.clean_etag(str(response.get("ETag", "")))
        log.add(PartRecord(number, etag, value, length))

    def _count_sent(self, count: int) -> None:
        with self._lock:
            self.bytes_sent += count

    @staticmethod
    def adopt(
        journal: Journal,
        record: UploadRecord,
        server_parts: dict[int, ServerPart],
        total_parts: int,
    ) -> dict[int, PartRecord]:
        """Journal parts the server has but the journal missed (the process died in between).

        A part is adopted only when the file's bytes there give the server's checksum
        for it (its CRC32 where ListParts shows one) or its ETag (an MD5), so that
        nothing is completed with bytes we did not verify.
        """
        adopted: dict[int, PartRecord] = {}
        fingerprint = recorded_fingerprint(record)
        algorithms = sorted({record.checksum_algorithm, integrity.MD5})
        for number, part in sorted(server_parts.items()):
            if number > total_parts:
                continue
            offset, length = part_span(record.size, record.part_size, number)
            if part.size != length:
                continue
            try:
                local = range_checksums(Path(record.path), offset, length, fingerprint, algorithms)
            except SourceChanged:
                raise Restart("the file changed since the upload began; starting over") from None
            if integrity.CRC32 in local and part.crc32 is not None:
                same = local[integrity.CRC32] == part.crc32
            else:
                same = local[integrity.MD5] == part.etag
            if same:
                checksum = local[record.checksum_algorithm]
                adopted[number] = PartRecord(number, part.etag, checksum, length)
                journal.record_part(record.id, adopted[number])
        return adopted
