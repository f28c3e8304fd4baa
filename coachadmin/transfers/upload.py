"""Uploading one file: a single PUT below the threshold, a resumable multipart upload above.

A new upload and a resumed one run the same algorithm (docs/transfers.md):
check the file against its journaled fingerprint, reconcile the journal with
the server (ListParts), send only the missing parts, complete, verify. The
part phase lives in :mod:`coachadmin.transfers.parts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.errors import UserFacingError
from coachadmin.s3.client import S3Settings
from coachadmin.s3.keys import content_type_for
from coachadmin.s3.objects import ObjectInfo, head_object
from coachadmin.transfers import integrity
from coachadmin.transfers.clients import journaled_endpoint
from coachadmin.transfers.config import (
    MAX_PUT_SIZE,
    TransferConfig,
    part_count,
    part_size_for,
)
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    FileChangedDuringUpload,
    IntegrityError,
    KeyExists,
    NoSuchTransfer,
    S3RequestFailed,
    TransferCancelled,
    TransferError,
    TransferPaused,
)
from coachadmin.transfers.events import EventSink, ProgressTracker, TransferKind, TransferState
from coachadmin.transfers.journal import Journal, PartRecord, TransferBusy, UploadRecord
from coachadmin.transfers.parts import (
    CHANGED_DURING,
    PartSender,
    Restart,
    abort_upload,
    hashes_to_compute,
    list_all_parts,
)
from coachadmin.transfers.result import TransferResult
from coachadmin.transfers.retry import with_retries
from coachadmin.transfers.source import (
    PartBody,
    SourceChanged,
    check_source,
    ensure_unchanged,
    range_checksums,
)

if TYPE_CHECKING:
    import threading

    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

#: How often a file that keeps changing is started over before we give up.
MAX_RESTARTS = 3
CHANGED_SINCE_START = "the file changed since the upload began; starting over"
_OPAQUE_SSE = ("aws:kms", "aws:kms:dsse")
#: Error codes of a server that will not take ``ChecksumAlgorithm`` on CreateMultipartUpload.
_CHECKSUM_REFUSED = ("NotImplemented", "InvalidArgument", "InvalidRequest")


@dataclass(frozen=True)
class UploadRequest:
    """What to upload where, and how the object should look."""

    path: Path
    bucket: str
    key: str
    overwrite: bool = False
    content_type: str | None = None
    cache_control: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


def prepare_upload(
    journal: Journal,
    client: S3Client,
    settings: S3Settings,
    request: UploadRequest,
    config: TransferConfig,
) -> UploadRecord:
    """Check the file and the key, then journal the upload (state ``queued``).

    Refuses an existing key unless ``overwrite`` (HeadObject here; the final
    PUT or completion is also conditional where the server honours it).
    """
    path = request.path.expanduser().absolute()
    fingerprint = check_source(path)
    if not request.overwrite:
        existing = _head(client, request.bucket, request.key, config)
        if existing is not None:
            raise KeyExists(request.bucket, request.key)
    record = UploadRecord(
        id=journal.new_id(),
        path=str(path),
        size=fingerprint.size,
        mtime_ns=fingerprint.mtime_ns,
        part_size=part_size_for(fingerprint.size, config.part_size),
        bucket=request.bucket,
        key=request.key,
        state=TransferState.QUEUED,
        endpoint_url=journaled_endpoint(settings, client),
        region=client.meta.region_name,
        profile=settings.profile,
        content_type=request.content_type or content_type_for(path.name),
        cache_control=request.cache_control,
        metadata=dict(request.metadata),
        overwrite=request.overwrite,
    )
    return journal.create_upload(record)


def _head(
    client: S3Client, bucket: str, key: str, config: TransferConfig, *, checksum: bool = False
) -> ObjectInfo | None:
    return with_retries(
        lambda: head_object(client, bucket, key, checksum=checksum),
        what="HeadObject",
        control=TransferControl(),
        max_attempts=config.max_attempts,
        base=config.backoff_base,
        cap=config.backoff_cap,
        bucket=bucket,
        key=key,
    )


class UploadRunner:
    """Runs (or resumes) one journaled upload to its end: done, paused, cancelled or failed."""

    def __init__(
        self,
        journal: Journal,
        client: S3Client,
        transfer_id: str,
        config: TransferConfig | None = None,
        *,
        sink: EventSink | None = None,
        control: TransferControl | None = None,
        slots: threading.Semaphore | None = None,
        overwrite: bool | None = None,
    ) -> None:
        self.journal = journal
        self.client = client
        self.transfer_id = transfer_id
        self.config = config or TransferConfig()
        self.control = control or TransferControl(transfer_id)
        self.control.transfer_id = transfer_id
        self._slots = slots
        self._sink: EventSink = sink or (lambda _event: None)
        self._overwrite_override = overwrite
        self._conditional_ok = True
        self.restarted = False
        self.tracker: ProgressTracker | None = None
        self._sender: PartSender | None = None
        self._bytes_sent = 0
        self._where = ("", "")

    # -- the whole run ----------------------------------------------------------------

    def run(self) -> TransferResult:
        try:
            self.journal.claim("uploads", self.transfer_id)
        except KeyError:
            raise NoSuchTransfer(self.transfer_id) from None
        except TransferBusy as busy:
            raise TransferError(
                f"upload {self.transfer_id} is running in another process (pid {busy.pid}); "
                "wait for it or stop that process first"
            ) from None
        try:
            return self._run()
        finally:
            self.journal.release("uploads", self.transfer_id)

    def _run(self) -> TransferResult:
        record = self.journal.get_upload(self.transfer_id)
        self._where = (record.bucket, record.key)
        if record.state == TransferState.DONE:
            return self._result(record, record.etag, parts=0, verified="journal")
        if record.state == TransferState.CANCELLED:
            raise NoSuchTransfer(self.transfer_id)
        if self._overwrite_override is not None and self._overwrite_override != record.overwrite:
            self.journal.update_upload(record.id, overwrite=self._overwrite_override)
            record = replace(record, overwrite=self._overwrite_override)
        tracker = self.tracker = ProgressTracker(
            self._sink,
            transfer_id=record.id,
            kind=TransferKind.UPLOAD,
            total=record.size,
            bucket=record.bucket,
            key=record.key,
            path=record.path,
            max_per_second=self.config.max_events_per_second,
        )
        try:
            self.journal.update_upload(record.id, state=TransferState.UPLOADING, error="")
            tracker.set_state(TransferState.UPLOADING)
            result = self._attempts(record)
        except TransferPaused as paused:
            self.journal.update_upload(record.id, state=TransferState.PAUSED)
            tracker.set_state(TransferState.PAUSED, str(paused))
            raise
        except TransferCancelled:
            self._cancel_on_server()
            self.journal.update_upload(record.id, state=TransferState.CANCELLED)
            tracker.set_state(TransferState.CANCELLED, "cancelled")
            raise
        except UserFacingError as error:
            self._fail(str(error))
            raise
        except Exception as error:
            self._fail(f"unexpected error: {type(error).__name__}: {error}")
            raise
        self.journal.update_upload(record.id, state=TransferState.DONE, etag=result.etag, error="")
        self.journal.forget_parts(record.id)
        tracker.set_state(TransferState.DONE)
        log.info("uploaded %s to s3://%s/%s", record.path, record.bucket, record.key)
        return result

    def _fail(self, message: str) -> None:
        self.journal.update_upload(self.transfer_id, state=TransferState.FAILED, error=message)
        if self.tracker is not None:
            self.tracker.set_state(TransferState.FAILED, message)

    def _attempts(self, record: UploadRecord) -> TransferResult:
        restarts = 0
        while True:
            try:
                return self._attempt(record)
            except Restart as restart:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise FileChangedDuringUpload(record.path) from None
                record = self._start_over(record, restart.reason)

    def _attempt(self, record: UploadRecord) -> TransferResult:
        fingerprint = check_source(Path(record.path))
        if (fingerprint.size, fingerprint.mtime_ns) != (record.size, record.mtime_ns):
            fresh = record.upload_id is None and not self.journal.parts(record.id)
            if not fresh:
                raise Restart(CHANGED_SINCE_START)
            record = self._start_over(record, "")
        multipart = record.size >= min(MAX_PUT_SIZE, self.config.multipart_threshold)
        if record.upload_id is not None or multipart:
            return self._multipart(record)
        return self._single_put(record)

    def _start_over(self, record: UploadRecord, reason: str) -> UploadRecord:
        """Abort the old multipart upload and begin again from the file as it is now."""
        record = self.journal.get_upload(record.id)  # the UploadId may be newer than ``record``
        if record.upload_id is not None:
            abort_upload(
                self.client, record.bucket, record.key, record.upload_id, self._retry_args()
            )
        fingerprint = check_source(Path(record.path))
        self.journal.restart_upload(
            record.id,
            size=fingerprint.size,
            mtime_ns=fingerprint.mtime_ns,
            part_size=part_size_for(fingerprint.size, self.config.part_size),
            upload_id=None,
            etag="",
        )
        record = self.journal.get_upload(record.id)
        assert self.tracker is not None
        self.tracker.reset(record.size)
        if reason:
            self.restarted = True
            log.warning("%s: %s", record.path, reason)
            self.tracker.notify(reason)
        return record

    # -- single PUT ------------------------------------------------------------------

    def _single_put(self, record: UploadRecord) -> TransferResult:
        path = Path(record.path)
        fingerprint = check_source(path)
        wanted = hashes_to_compute(self.client, integrity.MD5)
        try:
            hashes = range_checksums(path, 0, record.size, fingerprint, wanted)
        except SourceChanged:
            raise Restart(CHANGED_DURING) from None
        md5 = hashes[integrity.MD5]
        self.control.check()
        sent = 0

        def put(conditional: bool) -> dict[str, Any]:
            nonlocal sent
            body = PartBody(
                path,
                0,
                record.size,
                self.tracker,
                self.control,
                sha256=hashes.get(integrity.SHA256),
            )
            kwargs: dict[str, Any] = self._object_args(record) | {
                "Body": body,
                "ContentLength": record.size,
                "ContentMD5": integrity.content_md5(md5),
            }
            if conditional:
                kwargs["IfNoneMatch"] = "*"
            try:
                response = dict(self.client.put_object(**kwargs))
                ensure_unchanged(path, fingerprint)
            except SourceChanged:
                body.rollback()
                raise Restart(CHANGED_DURING) from None
            except BaseException:
                body.rollback()
                raise
            finally:
                body.close()
                sent += body.sent
            return response

        response = self._final_request(record, put, "PutObject", integrity.MD5, md5)
        self._bytes_sent = sent
        assert self.tracker is not None
        self.tracker.set_state(TransferState.VERIFYING)
        etag, verified = self._verify(record, response, integrity.MD5, md5)
        return self._result(record, etag, parts=1, verified=verified)

    # -- multipart -------------------------------------------------------------------

    def _multipart(self, record: UploadRecord) -> TransferResult:
        total_parts = part_count(record.size, record.part_size)
        if record.upload_id is None:
            record = self._create(record)
            kept: dict[int, PartRecord] = {}
        else:
            try:
                kept = self._reconcile(record, total_parts)
            except _Completed as done:
                return self._result(record, done.etag, parts=total_parts, verified=done.verified)
        assert self.tracker is not None
        self.tracker.reset(record.size, sum(part.size for part in kept.values()))
        missing = [n for n in range(1, total_parts + 1) if n not in kept]
        self._sender = PartSender(
            self.journal,
            self.client,
            record,
            config=self.config,
            control=self.control,
            tracker=self.tracker,
            retry_args=self._retry_args(),
            slots=self._slots,
        )
        self._sender.send(missing)
        parts = self.journal.parts(record.id)
        if sorted(parts) != list(range(1, total_parts + 1)):
            raise TransferError("some parts are missing after the upload; run `coachadmin resume`")
        if check_source(Path(record.path)) != self._sender.fingerprint:
            raise Restart(CHANGED_DURING)
        self.tracker.set_state(TransferState.VERIFYING)
        algorithm = record.checksum_algorithm
        expected = integrity.expected_multipart(
            algorithm, (parts[n].checksum for n in sorted(parts))
        )
        upload_id = record.upload_id
        assert upload_id is not None
        listed = []
        for n in sorted(parts):
            item = {"PartNumber": n, "ETag": f'"{parts[n].etag}"'}
            if algorithm == integrity.CRC32:
                item["ChecksumCRC32"] = parts[n].checksum
            listed.append(item)

        def complete(conditional: bool) -> dict[str, Any]:
            kwargs: dict[str, Any] = {
                "Bucket": record.bucket,
                "Key": record.key,
                "UploadId": upload_id,
                "MultipartUpload": {"Parts": listed},
            }
            if conditional:
                kwargs["IfNoneMatch"] = "*"
            return dict(self.client.complete_multipart_upload(**kwargs))

        response = self._final_request(
            record, complete, "CompleteMultipartUpload", algorithm, expected
        )
        etag, verified = self._verify(record, response, algorithm, expected)
        return self._result(record, etag, parts=total_parts, verified=verified)

    def _create(self, record: UploadRecord) -> UploadRecord:
        """CreateMultipartUpload, asking for CRC32 part checksums; MD5 where refused or ignored.

        The UploadId and the algorithm the server confirmed are journaled together.
        """

        def create(checksum: bool) -> dict[str, Any]:
            args = self._object_args(record)
            if checksum:
                args["ChecksumAlgorithm"] = "CRC32"
            return with_retries(
                lambda: dict(self.client.create_multipart_upload(**args)),
                what="CreateMultipartUpload",
                **self._retry_args(),
            )

        try:
            created = create(checksum=True)
        except S3RequestFailed as error:
            if error.code not in _CHECKSUM_REFUSED:
                raise
            log.info("the server refuses CRC32 checksums (%s); parts carry MD5", error.code)
            created = create(checksum=False)
        confirmed = str(created.get("ChecksumAlgorithm") or "").upper() == "CRC32"
        algorithm = integrity.CRC32 if confirmed else integrity.MD5
        self.journal.update_upload(
            record.id, upload_id=created["UploadId"], checksum_algorithm=algorithm
        )
        return replace(record, upload_id=created["UploadId"], checksum_algorithm=algorithm)

    def _reconcile(self, record: UploadRecord, total_parts: int) -> dict[int, PartRecord]:
        """Keep the journal's parts that the server has with the same ETag; adopt the rest."""
        assert record.upload_id is not None
        journaled = self.journal.parts(record.id)
        server = list_all_parts(
            self.client, record.bucket, record.key, record.upload_id, self._retry_args()
        )
        if server is None:
            if len(journaled) == total_parts:
                # A completion whose reply was lost: the object is there, and it is ours.
                algorithm = record.checksum_algorithm
                expected = integrity.expected_multipart(
                    algorithm, (journaled[n].checksum for n in sorted(journaled))
                )
                info = self._head_for(record, algorithm)
                if info is not None and info.size == record.size:
                    verified = _shows(info, algorithm, expected)
                    if verified:
                        raise _Completed(integrity.clean_etag(info.etag), verified)
            raise Restart("the multipart upload is no longer on the server; starting over")
        kept: dict[int, PartRecord] = {}
        stale = []
        for number, part in journaled.items():
            on_server = server.get(number)
            if (
                number <= total_parts
                and on_server is not None
                and on_server.etag == part.etag
                and on_server.size == part.size
            ):
                kept[number] = part
            else:
                stale.append(number)
        if stale:
            self.journal.forget_parts(record.id, stale)
        adopted = PartSender.adopt(
            self.journal, record, {n: p for n, p in server.items() if n not in kept}, total_parts
        )
        kept.update(adopted)
        log.info(
            "resuming %s: %d of %d parts on the server (%d adopted), %d to send",
            record.id,
            len(kept),
            total_parts,
            len(adopted),
            total_parts - len(kept),
        )
        return kept

    # -- completion and verification -------------------------------------------------

    def _final_request(
        self,
        record: UploadRecord,
        call: Callable[[bool], dict[str, Any]],
        what: str,
        algorithm: str,
        expected: str,
    ) -> dict[str, Any]:
        """PutObject/Complete with If-None-Match unless overwriting; a lost reply is recognised."""
        retried = False

        def note_retry(_error: object) -> None:
            nonlocal retried
            retried = True

        while True:
            conditional = self._conditional_ok and not record.overwrite
            try:
                return with_retries(
                    lambda conditional=conditional: call(conditional),  # type: ignore[misc]
                    what=what,
                    on_retry=note_retry,
                    **self._retry_args(),
                )
            except KeyExists:
                if retried:  # our own first attempt may have succeeded and lost its reply
                    info = self._head_for(record, algorithm)
                    if info is not None and _shows(info, algorithm, expected):
                        return {"ETag": info.etag, "ChecksumCRC32": info.crc32}
                raise
            except S3RequestFailed as error:
                if conditional and error.code == "NotImplemented":
                    log.info("the server ignores If-None-Match; relying on the HeadObject check")
                    self._conditional_ok = False
                    continue
                raise

    def _verify(
        self, record: UploadRecord, response: Mapping[str, Any], algorithm: str, expected: str
    ) -> tuple[str, str]:
        """Check the finished object against the file: (its ETag, how it was verified)."""
        info = self._head_for(record, algorithm)
        where = f"s3://{record.bucket}/{record.key}"
        if info is None:
            raise IntegrityError(f"{where} is missing right after the upload; upload it again")
        if info.size != record.size:
            raise IntegrityError(
                f"{where} has {info.size} bytes but the file has {record.size}; "
                "upload it again with --overwrite"
            )
        etag = integrity.clean_etag(str(response.get("ETag") or info.etag))
        if algorithm == integrity.CRC32:
            shown = response.get("ChecksumCRC32") or info.crc32
            if not shown:
                log.info("%s: the server shows no checksum; parts were verified on receipt", where)
                return etag, "size+part-checksums"
            if not integrity.same_composite(str(shown), expected):
                raise IntegrityError(
                    f"{where} has CRC32 {shown} but the file's parts give {expected}: the "
                    "object does not match the file; upload it again with --overwrite"
                )
            return etag, "checksum"
        opaque = (
            response.get("ServerSideEncryption") in _OPAQUE_SSE
            or bool(response.get("SSECustomerAlgorithm"))
            or not integrity.is_md5_etag(etag)
        )
        if opaque:
            log.info("%s: ETag is not an MD5; verified by size and per-part checksums", where)
            return etag, "size+part-checksums"
        if etag != expected:
            raise IntegrityError(
                f"{where} has ETag {etag} but the file's checksum gives {expected}: the object "
                "does not match the file; upload it again with --overwrite"
            )
        return etag, "etag"

    def _head_for(self, record: UploadRecord, algorithm: str) -> ObjectInfo | None:
        checksum = algorithm == integrity.CRC32
        return _head(self.client, record.bucket, record.key, self.config, checksum=checksum)

    # -- helpers ---------------------------------------------------------------------

    def _cancel_on_server(self) -> None:
        record = self.journal.get_upload(self.transfer_id)
        if record.upload_id is not None:
            abort_upload(
                self.client, record.bucket, record.key, record.upload_id, self._retry_args(True)
            )

    def _object_args(self, record: UploadRecord) -> dict[str, Any]:
        args: dict[str, Any] = {"Bucket": record.bucket, "Key": record.key}
        if record.content_type:
            args["ContentType"] = record.content_type
        if record.cache_control:
            args["CacheControl"] = record.cache_control
        if record.metadata:
            args["Metadata"] = dict(record.metadata)
        return args

    def _retry_args(self, ignore_cancel: bool = False) -> dict[str, Any]:
        return {
            "control": TransferControl() if ignore_cancel else self.control,
            "max_attempts": self.config.max_attempts,
            "base": self.config.backoff_base,
            "cap": self.config.backoff_cap,
            "bucket": self._where[0],
            "key": self._where[1],
        }

    def _result(
        self, record: UploadRecord, etag: str, *, parts: int, verified: str
    ) -> TransferResult:
        sent = self._sender.bytes_sent if self._sender is not None else self._bytes_sent
        return TransferResult(
            transfer_id=record.id,
            kind=TransferKind.UPLOAD,
            bucket=record.bucket,
            key=record.key,
            path=record.path,
            size=record.size,
            etag=etag,
            parts=parts,
            bytes_sent=sent,
            restarted=self.restarted,
            verified=verified,
        )


def _shows(info: ObjectInfo, algorithm: str, expected: str) -> str:
    """How ``info`` shows it is the object we uploaded ("" when it does not)."""
    if algorithm == integrity.CRC32:
        return "checksum" if info.crc32 and integrity.same_composite(info.crc32, expected) else ""
    return "etag" if integrity.clean_etag(info.etag) == expected else ""


class _Completed(Exception):
    """A signal: the upload had completed before (its reply was lost)."""

    def __init__(self, etag: str, verified: str) -> None:
        super().__init__(etag)
        self.etag = etag
        self.verified = verified
