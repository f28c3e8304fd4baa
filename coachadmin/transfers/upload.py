"""Uploading one file: a single PUT below the threshold, a resumable multipart upload above.

A new upload and a resumed one run the same algorithm (docs/transfers.md):
check the file against its journaled fingerprint, reconcile the journal with
the server (ListParts), send only the missing parts, complete, verify. The
part phase lives in :mod:`coachadmin.transfers.parts`.
"""

from __future__ import annotations

import enum
import itertools
import logging
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.s3.keys import content_type_for
from coachadmin.s3.quick_put import put_object
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers import integrity
from coachadmin.transfers.clients import journaled_endpoint
from coachadmin.transfers.completion import ALREADY_THERE, Finisher
from coachadmin.transfers.config import (
    MAX_PUT_SIZE,
    TransferConfig,
    part_count,
    part_size_for,
)
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    AccessDenied,
    FileChangedDuringUpload,
    KeyExists,
    S3RequestFailed,
    SourceFileError,
    SourceGone,
    TransferError,
)
from coachadmin.transfers.events import EventSink, TransferKind, TransferState
from coachadmin.transfers.journal import Journal, PartRecord, UploadRecord
from coachadmin.transfers.orphans import orphan_note
from coachadmin.transfers.parts import (
    CHANGED_DURING,
    LIST_PARTS_UNSUPPORTED,
    PartSender,
    abort_upload,
    body_hashes,
    list_all_parts,
    recorded_fingerprint,
    send_from_file,
)
from coachadmin.transfers.result import TransferResult
from coachadmin.transfers.retry import head_with_retries, with_retries
from coachadmin.transfers.runner import Restart, TransferRunner
from coachadmin.transfers.source import Fingerprint, check_source
from coachadmin.transfers.verify_parts import confirm_parts

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from coachadmin.bounded import Slots

log = logging.getLogger("coachadmin.transfers")

CHANGED_SINCE_START = "the file changed since the upload began; starting over"
#: First and longest wait between two looks for the object of a lost completion (seconds).
COMPLETION_POLL = 0.25
COMPLETION_POLL_CAP = 5.0
#: Error codes of a server that will not take ``ChecksumAlgorithm`` on CreateMultipartUpload.
_CHECKSUM_REFUSED = ("NotImplemented", "InvalidArgument", "InvalidRequest")


class KeyCheck(enum.Enum):
    """When an upload that must not overwrite looks for an object at its key."""

    #: While it is prepared, before it is journaled: the GUI asks the user then.
    NOW = "now"
    #: In the same round trip as CreateMultipartUpload (abort the new upload if the
    #: key is taken): a new upload's first part leaves a round trip earlier.
    WITH_CREATE = "with-create"
    #: The caller has just checked (the command line checks every key of a batch first).
    DONE = "done"


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
    #: The connection the upload belongs to (journaled; see ``Journal``'s schema v3).
    connection: str | None = None


def prepare_upload(
    journal: Journal,
    client: S3Client,
    settings: S3Settings,
    request: UploadRequest,
    config: TransferConfig,
    *,
    key_check: KeyCheck = KeyCheck.NOW,
) -> UploadRecord:
    """Check the file and the key, then journal the upload (state ``queued``).

    Refuses an existing key unless ``overwrite``: with a HeadObject here, or in the
    runner for :attr:`KeyCheck.WITH_CREATE`; the final PUT or completion is also
    conditional where the server honours it.
    """
    record = upload_record(journal.new_id(), client, settings, request, config, key_check=key_check)
    return journal.create_upload(record)


def upload_record(
    transfer_id: str,
    client: S3Client,
    settings: S3Settings,
    request: UploadRequest,
    config: TransferConfig,
    *,
    key_check: KeyCheck,
) -> UploadRecord:
    """The journal row of a new upload, the file and (:attr:`KeyCheck.NOW`) key checked."""
    path = request.path.expanduser().absolute()
    fingerprint = check_source(path)
    if not request.overwrite and key_check is KeyCheck.NOW:
        ensure_key_free(client, request.bucket, request.key, config)
    return UploadRecord(
        id=transfer_id,
        path=str(path),
        size=fingerprint.size,
        mtime_ns=fingerprint.mtime_ns,
        ctime_ns=fingerprint.changed_ns,
        inode=fingerprint.inode,
        part_size=part_size_for(fingerprint.size, config.part_size),
        bucket=request.bucket,
        key=request.key,
        state=TransferState.QUEUED,
        endpoint_url=journaled_endpoint(settings, client),
        region=client.meta.region_name,
        profile=settings.profile,
        connection=request.connection,
        content_type=request.content_type or content_type_for(path.name),
        cache_control=request.cache_control,
        metadata=dict(request.metadata),
        overwrite=request.overwrite,
    )


def ensure_key_free(client: S3Client, bucket: str, key: str, config: TransferConfig) -> None:
    """Raise :class:`KeyExists` if an object is at the key (HeadObject, retried)."""
    if head_with_retries(client, bucket, key, config) is not None:
        raise KeyExists(bucket, key)


class UploadRunner(TransferRunner[UploadRecord]):
    """Runs (or resumes) one journaled upload to its end: done, paused, cancelled or failed."""

    table = "uploads"
    kind = TransferKind.UPLOAD
    moving = TransferState.UPLOADING

    def __init__(
        self,
        journal: Journal,
        client: S3Client,
        transfer_id: str,
        config: TransferConfig | None = None,
        *,
        sink: EventSink | None = None,
        control: TransferControl | None = None,
        slots: Slots | None = None,
        overwrite: bool | None = None,
        check_key: bool = False,
    ) -> None:
        """``check_key``: the key was not checked when the upload was prepared
        (:attr:`KeyCheck.WITH_CREATE`); check it as the upload begins."""
        super().__init__(
            journal, client, transfer_id, config, sink=sink, control=control, slots=slots
        )
        self._overwrite_override = overwrite
        self._check_key = check_key
        #: The key check made here found the key taken or failed: nothing to resume.
        self._refused = False
        self._finisher = Finisher(client, self.config, self._retry_args)
        self._sender: PartSender | None = None
        self._where = ("", "")
        #: The file went up in one PutObject (no parts to forget).
        self._one_put = False

    # -- the run's hooks ---------------------------------------------------------------

    def _load(self) -> UploadRecord:
        record = self.journal.get_upload(self.transfer_id)
        self._where = (record.bucket, record.key)
        return record

    def _update(self, transfer_id: str, **changes: Any) -> None:
        self.journal.update_upload(transfer_id, **changes)

    def _local_path(self, record: UploadRecord) -> str:
        return record.path

    def _journaled_result(self, record: UploadRecord) -> TransferResult:
        return self._result(record, record.etag, parts=0, verified="journal")

    def _adjusted(self, record: UploadRecord) -> UploadRecord:
        if self._overwrite_override is not None and self._overwrite_override != record.overwrite:
            self.journal.update_upload(record.id, overwrite=self._overwrite_override)
            record = replace(record, overwrite=self._overwrite_override)
        return record

    def _light(self, record: UploadRecord) -> bool:
        # One PUT: lost states make a run PUT again, which meets its own object (412).
        return record.upload_id is None and record.size < self._multipart_from()

    def _multipart_from(self) -> int:
        return min(MAX_PUT_SIZE, self.config.multipart_threshold)

    def _on_done(self, result: TransferResult) -> None:
        if self._soon and self._one_put:
            self.journal.update_soon(
                "uploads", result.transfer_id, state=TransferState.DONE, etag=result.etag, error=""
            )
        else:
            self.journal.finish_upload(result.transfer_id, result.etag)
        log.info("uploaded %s to s3://%s/%s", result.path, result.bucket, result.key)

    def _gave_up(self, record: UploadRecord) -> TransferError:
        return FileChangedDuringUpload(record.path)

    def _journaled_failure(self) -> TransferState:
        # Refused before it began, as if refused while prepared: not left to resume.
        return TransferState.CANCELLED if self._refused else TransferState.FAILED

    def _attempt(self, record: UploadRecord) -> TransferResult:
        try:
            fingerprint = check_source(Path(record.path))
        except SourceFileError:
            if self._fresh(record):
                raise
            raise SourceGone(record.path) from None  # under way: a file to put back
        if not recorded_fingerprint(record).matches(fingerprint):
            if not self._fresh(record):
                raise Restart(CHANGED_SINCE_START)
            record = self._start_over(record, "")
        multipart = record.size >= self._multipart_from()
        if record.upload_id is not None or multipart:
            return self._multipart(record)
        if self._key_unchecked(record):
            self._ensure_key_free(record)
        return self._single_put(record)

    def _start_over(self, record: UploadRecord, reason: str) -> UploadRecord:
        """Abort the old multipart upload and begin again from the file as it is now."""
        record = self.journal.get_upload(record.id)  # the UploadId may be newer than ``record``
        fingerprint = self._source_now(record)  # a file gone keeps its parts: it may be back
        if record.upload_id is not None:
            abort_upload(
                self.client, record.bucket, record.key, record.upload_id, self._retry_args()
            )
        self.journal.restart_upload(
            record.id,
            size=fingerprint.size,
            mtime_ns=fingerprint.mtime_ns,
            ctime_ns=fingerprint.changed_ns,
            inode=fingerprint.inode,
            part_size=part_size_for(fingerprint.size, self.config.part_size),
            upload_id=None,
            etag="",
        )
        record = self.journal.get_upload(record.id)
        self._begun_again(record, reason)
        return record

    def _fresh(self, record: UploadRecord) -> bool:
        """Nothing of the upload is on the server yet: no UploadId, no part journaled."""
        return record.upload_id is None and not self.journal.parts(record.id)

    def _source_now(self, record: UploadRecord) -> Fingerprint:
        """The file's fingerprint now, in the middle of its upload: :class:`SourceGone` when
        it can no longer be read."""
        try:
            return check_source(Path(record.path))
        except SourceFileError:
            raise SourceGone(record.path) from None

    # -- single PUT ------------------------------------------------------------------

    def _single_put(self, record: UploadRecord) -> TransferResult:
        self._one_put = True
        path = Path(record.path)
        fingerprint = check_source(path)
        hashes = body_hashes(
            self.client,
            path,
            offset=0,
            length=record.size,
            fingerprint=fingerprint,
            checksum_algorithm=integrity.MD5,
        )
        md5 = hashes[integrity.MD5]
        self.control.check()
        attempts = itertools.count()

        def put(conditional: bool) -> dict[str, Any]:
            kwargs: dict[str, Any] = self._object_args(record) | {
                "ContentLength": record.size,
                "ContentMD5": integrity.content_md5(md5),
            }
            if conditional:
                kwargs["IfNoneMatch"] = "*"
            retry = next(attempts) > 0
            return send_from_file(
                path,
                lambda body: put_object(self.client, body, kwargs, quick=not retry),
                offset=0,
                length=record.size,
                fingerprint=fingerprint,
                hashes=hashes,
                tracker=self.tracker,
                control=self.control,
                count=self._count_moved,
                retry=retry,
            )

        response = self._finisher.final_request(record, put, "PutObject", integrity.MD5, md5)
        assert self.tracker is not None
        self.tracker.set_state(TransferState.VERIFYING)
        etag, verified = self._finisher.verify(record, response, integrity.MD5, md5)
        return self._result(record, etag, parts=1, verified=verified)

    # -- multipart -------------------------------------------------------------------

    def _multipart(self, record: UploadRecord) -> TransferResult:
        self._one_put = False
        total_parts = part_count(record.size, record.part_size)
        kept: dict[int, PartRecord] = {}
        if record.upload_id is not None:
            try:
                kept = self._resumed_parts(record, total_parts)
            except _Completed as done:
                return self._result(record, done.etag, parts=total_parts, verified=done.verified)
        assert self.tracker is not None
        self.tracker.reset(record.size, sum(part.size for part in kept.values()))
        missing = [n for n in range(1, total_parts + 1) if n not in kept]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"create-{record.id}") as pool:
            # A new upload's parts are hashed while CreateMultipartUpload is under way,
            # and its key checked at the same time when that is still to do.
            created = None
            if record.upload_id is None:
                free = (
                    pool.submit(self._ensure_key_free, record)
                    if self._key_unchecked(record)
                    else None
                )
                created = pool.submit(self._create, record, free)
            self._sender = PartSender(
                self.journal,
                self.client,
                record,
                config=self.config,
                control=self.control,
                tracker=self.tracker,
                retry_args=self._retry_args(),
                slots=self._slots,
                created=created,
            )
            try:
                self._sender.send(missing)
            finally:
                if created is not None:
                    record = created.result()  # its own failure first: the parts' follows it
        parts = self.journal.parts(record.id)
        if sorted(parts) != list(range(1, total_parts + 1)):
            raise TransferError("some parts are missing after the upload; run `coachadmin resume`")
        if not self._sender.fingerprint.matches(self._source_now(record)):
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

        confirmed = confirm_parts(self.journal, self.client, record, parts, self._retry_args())
        response = self._finisher.final_request(
            record, complete, "CompleteMultipartUpload", algorithm, expected
        )
        if response.get(ALREADY_THERE):  # this upload's parts are not needed: no orphan
            try:
                abort_upload(
                    self.client, record.bucket, record.key, upload_id, self._retry_args(True)
                )
            except TransferError as error:  # the object is there all the same
                log.warning("%s: its spare multipart upload stays: %s", record.id, error)
        etag, verified = self._finisher.verify(
            record, response, algorithm, expected, parts_confirmed=confirmed
        )
        return self._result(record, etag, parts=total_parts, verified=verified)

    def _create(self, record: UploadRecord, free: Future[None] | None = None) -> UploadRecord:
        """CreateMultipartUpload, asking for CRC32 part checksums; MD5 where refused or ignored.

        The UploadId and the algorithm the server confirmed are journaled together.
        ``free`` is the key check made alongside: if it fails, the new upload is aborted.
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
        if free is not None:
            try:
                free.result()
            except BaseException as refused:
                self.journal.update_upload(record.id, upload_id=None)
                note = self._abort_refused(record, created["UploadId"])
                if note and isinstance(refused, TransferError):
                    raise refused.amended(note) from None
                raise
        return replace(record, upload_id=created["UploadId"], checksum_algorithm=algorithm)

    def _abort_refused(self, record: UploadRecord, upload_id: str) -> str:
        """Abort the multipart upload begun alongside a key check that refused the upload;
        if that fails too, what to say about it (the refusal stays the message)."""
        try:
            abort_upload(self.client, record.bucket, record.key, upload_id, self._retry_args(True))
        except TransferError as failed:
            log.warning("%s: its new multipart upload stays: %s", record.id, failed)
            reason = (
                "access denied: the credentials may not s3:AbortMultipartUpload"
                if isinstance(failed, AccessDenied)
                else str(failed)
            )
            return (
                f". The multipart upload begun alongside the check could not be aborted "
                f"({reason}); `coachadmin orphans s3://{record.bucket} --abort` removes it"
            )
        return ""

    def _key_unchecked(self, record: UploadRecord) -> bool:
        return self._check_key and not record.overwrite

    def _ensure_key_free(self, record: UploadRecord) -> None:
        """The check :func:`prepare_upload` leaves to the runner for ``KeyCheck.WITH_CREATE``.

        Its failure, like a taken key, ends the upload as a failed prepare would have:
        with nothing to resume (a resume would not check the key again).
        """
        try:
            ensure_key_free(self.client, record.bucket, record.key, self.config)
        except TransferError as error:
            self._refused = True
            raise error.amended(resumable=False) from None
        except BaseException:
            self._refused = True
            raise
        self._check_key = False  # once: a restart need not ask again

    def _resumed_parts(self, record: UploadRecord, total_parts: int) -> dict[int, PartRecord]:
        """The parts a resumed upload keeps; :class:`KeyExists` if, while it waited, another
        object took its key and parts remain to send (they would go up only to be refused
        at completion: a paused video could send gigabytes for nothing), or the upload has
        to start over (its multipart upload is gone).

        The key is looked at alongside ListParts, in the same round trip. A pause or cancel
        never waits for that look: its thread is left to end on its own.
        """
        if record.overwrite:
            return self._reconcile(record, total_parts)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"key-{record.id}")
        try:
            taken = pool.submit(self._key_taken, record)
            try:
                kept = self._reconcile(record, total_parts)
            except Restart:
                if taken.result():
                    raise KeyExists(record.bucket, record.key) from None
                raise
            if len(kept) < total_parts and taken.result():
                raise KeyExists(record.bucket, record.key)
            return kept
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _key_taken(self, record: UploadRecord) -> bool:
        """Whether an object is at the key; False when that cannot be told (the
        completion's ``If-None-Match`` still refuses to replace it)."""
        try:
            info = head_with_retries(
                self.client, record.bucket, record.key, self.config, control=self.control
            )
        except TransferError as error:  # a pause or cancel too: the part phase says it
            log.info("%s: could not look at its key before resuming: %s", record.id, error)
            return False
        return info is not None

    def _reconcile(self, record: UploadRecord, total_parts: int) -> dict[int, PartRecord]:
        """Keep the journal's parts that the server has with the same ETag; adopt the rest."""
        assert record.upload_id is not None
        journaled = self.journal.parts(record.id)
        try:
            server = list_all_parts(
                self.client, record.bucket, record.key, record.upload_id, self._retry_args()
            )
        except S3RequestFailed as error:
            if error.code not in LIST_PARTS_UNSUPPORTED:
                raise
            # The journal's record of the parts the server acknowledged stands in; the
            # finished object's ETag or checksum and size are checked at completion.
            log.info("resuming %s without ListParts (%s)", record.id, error.code)
            return {n: p for n, p in journaled.items() if n <= total_parts}
        if server is None:
            if len(journaled) == total_parts:
                # Every part was sent, so the completion may have been too, its reply lost.
                self._find_completed(record, journaled)
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

    def _find_completed(self, record: UploadRecord, parts: dict[int, PartRecord]) -> None:
        """Raise :class:`_Completed` if the object at the key is this upload, completed before.

        The server may still be assembling it (the multipart upload is gone, the object
        not there yet): the object is asked for until ``config.completion_wait`` has
        passed. An object that is there and is not the file's is someone else's: it is
        never replaced unless the upload may overwrite.
        """
        algorithm = record.checksum_algorithm
        expected = integrity.expected_multipart(
            algorithm, (parts[n].checksum for n in sorted(parts))
        )
        deadline = time.monotonic() + self.config.completion_wait
        delay = COMPLETION_POLL
        while True:
            info = self._finisher.head(record, algorithm)
            if info is not None:
                verified = self._finisher.proves(record, info, algorithm, expected)
                if verified:
                    log.info("%s: its completion had succeeded; nothing to send", record.id)
                    raise _Completed(integrity.clean_etag(info.etag), verified)
                if not record.overwrite:
                    raise KeyExists(record.bucket, record.key)
                return
            if time.monotonic() >= deadline:
                return
            self.control.sleep(delay)
            self.control.check()
            delay = min(delay * 2, COMPLETION_POLL_CAP)

    # -- helpers ---------------------------------------------------------------------

    def _journaled_bytes(self, record: UploadRecord) -> int:
        return self.journal.uploaded_bytes(record.id)

    def _left_behind(self, record: UploadRecord, reason: str) -> str:
        return orphan_note(record.bucket, reason)

    def _on_cancel(self, record: UploadRecord) -> None:
        """Abort the multipart upload on the server, so that no orphaned parts cost money."""
        record = self.journal.get_upload(record.id)  # the UploadId may be newer than ``record``
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
            "patience": self.config.outage_patience,
            "bucket": self._where[0],
            "key": self._where[1],
        }

    def _result(
        self, record: UploadRecord, etag: str, *, parts: int, verified: str
    ) -> TransferResult:
        sent = self._sender.bytes_sent if self._sender is not None else self.bytes_moved
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


class _Completed(Exception):
    """A signal: the upload had completed before (its reply was lost)."""

    def __init__(self, etag: str, verified: str) -> None:
        super().__init__(etag)
        self.etag = etag
        self.verified = verified
