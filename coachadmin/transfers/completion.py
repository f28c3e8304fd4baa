"""The end of an upload: the request that makes the object, and the check that it is ours.

The last request (PutObject, or CompleteMultipartUpload) carries ``If-None-Match: *``
unless the user chose to overwrite, so an object that appeared meanwhile is never
replaced; a server that does not implement the condition is remembered and the
HeadObject check before the upload stands in for it. A last request refused because
the object exists may meet our own object (an earlier attempt that succeeded and
lost its reply, in this run or one that was killed): it is recognised by its
checksum, not reported as "exists". Afterwards the object's size and ETag or
composite checksum must match what the file's parts gave. A 409
``ConditionalRequestConflict`` (another conditional write to the key overlapped this
one) means what AWS says: the upload starts over with a new multipart upload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.transfers import integrity
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.errors import (
    IntegrityError,
    KeyExists,
    S3RequestFailed,
    WritesKeptConflicting,
)
from coachadmin.transfers.journal import UploadRecord
from coachadmin.transfers.retry import head_with_retries, with_retries
from coachadmin.transfers.runner import Restart

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from coachadmin.s3.objects import ObjectInfo

log = logging.getLogger("coachadmin.transfers")

#: In :meth:`Finisher.final_request`'s answer: the object was there already (the file's).
ALREADY_THERE = "AlreadyThere"
#: Why an upload starts over after a 409 ConditionalRequestConflict.
CONFLICT = (
    "another write to the same key overlapped this one (409 ConditionalRequestConflict); "
    "starting a new upload"
)
#: Server-side encryption whose ETag is not the MD5 of the content.
_OPAQUE_SSE = ("aws:kms", "aws:kms:dsse")


def shows(info: ObjectInfo, algorithm: str, expected: str) -> str:
    """How ``info`` shows it is the object we uploaded ("" when it does not)."""
    if algorithm == integrity.CRC32:
        return "checksum" if info.crc32 and integrity.same_composite(info.crc32, expected) else ""
    return "etag" if integrity.clean_etag(info.etag) == expected else ""


class Finisher:
    """Makes and checks the object at the end of one runner's uploads."""

    def __init__(
        self,
        client: S3Client,
        config: TransferConfig,
        retry_args: Callable[[], dict[str, Any]],
    ) -> None:
        self.client = client
        self.config = config
        self._retry_args = retry_args
        #: False once the server has said it does not implement If-None-Match.
        self.conditional_ok = True

    def proves(self, record: UploadRecord, info: ObjectInfo, algorithm: str, expected: str) -> str:
        """How the object ``info`` shows it is the file of ``record`` ("" when it does not).

        Its composite checksum or ETag where the server shows the one the parts give; a
        server that shows no checksum for CRC32 parts is asked for its ETag, which is
        checked against the file's part MD5s (one read of the file).
        """
        if info.size != record.size:
            return ""
        verified = shows(info, algorithm, expected)
        if verified:
            return verified
        etag = integrity.clean_etag(info.etag)
        if not integrity.is_md5_etag(etag):
            return ""
        if "-" in etag:
            if algorithm == integrity.MD5:  # the part MD5s gave ``expected``: not this one
                return ""
            md5s = integrity.file_md5s(Path(record.path), record.part_size)
            return "etag" if integrity.multipart_etag(md5s) == etag else ""
        return "etag" if _whole_md5(record) == etag else ""

    def head(self, record: UploadRecord, algorithm: str) -> ObjectInfo | None:
        checksum = algorithm == integrity.CRC32
        return head_with_retries(
            self.client, record.bucket, record.key, self.config, checksum=checksum
        )

    def final_request(
        self,
        record: UploadRecord,
        call: Callable[[bool], dict[str, Any]],
        what: str,
        algorithm: str,
        expected: str,
    ) -> dict[str, Any]:
        """``call(conditional)`` with retries; a lost reply of our own success is recognised."""
        while True:
            conditional = self.conditional_ok and not record.overwrite
            try:
                return with_retries(
                    lambda conditional=conditional: call(conditional),  # type: ignore[misc]
                    what=what,
                    **self._retry_args(),
                )
            except KeyExists:
                # Our own earlier attempt may have succeeded and lost its reply (this run's,
                # or a run killed before the reply came): the object is the file's.
                info = self.head(record, algorithm)
                if info is not None and self.proves(record, info, algorithm, expected):
                    log.info("s3://%s/%s already holds this file", record.bucket, record.key)
                    return {"ETag": info.etag, "ChecksumCRC32": info.crc32, ALREADY_THERE: True}
                raise
            except S3RequestFailed as error:
                if error.code == "ConditionalRequestConflict":
                    # AWS: start a new multipart upload (a PUT: send it again).
                    raise Restart(CONFLICT, gave_up=WritesKeptConflicting(record.key)) from None
                if conditional and error.code == "NotImplemented":
                    log.info("the server ignores If-None-Match; relying on the HeadObject check")
                    self.conditional_ok = False
                    continue
                raise

    def verify(
        self,
        record: UploadRecord,
        response: Mapping[str, Any],
        algorithm: str,
        expected: str,
        *,
        parts_confirmed: bool = False,
    ) -> tuple[str, str]:
        """Check the finished object against the file: (its ETag, how it was verified).

        When the reply itself shows the object's ETag or composite checksum and it is
        the file's, that is the proof (it covers every byte, so the size too), and no
        HeadObject is needed; otherwise the object is asked for. ``parts_confirmed``: a
        multipart upload whose parts the server was seen to hold as sent
        (:mod:`coachadmin.transfers.verify_parts`); then an ETag that is not
        ``md5(concat(part MD5s))-N`` is no sign of damage: it is the server's own kind.
        """
        replied = integrity.clean_etag(str(response.get("ETag") or ""))
        checksum = str(response.get("ChecksumCRC32") or "")
        if replied and algorithm == integrity.CRC32:
            if checksum and integrity.same_composite(checksum, expected):
                return replied, "checksum"
        elif replied and replied == expected:
            return replied, "etag"
        info = self.head(record, algorithm)
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
        return etag, _md5_verdict(record, response, etag, expected, parts_confirmed)


def _whole_md5(record: UploadRecord) -> str:
    return integrity.file_md5s(Path(record.path), max(record.size, 1))[0]


def _other_etag(record: UploadRecord, etag: str, expected: str, where: str) -> str:
    """How a multipart object whose parts were confirmed, and whose ETag is not the one
    its part MD5s give, is verified: some servers give the whole object's MD5 (one read
    of the file checks it); others an ETag of their own, and then the size and the parts
    stand. An ETag of another part count is not this upload's object."""
    count = etag.partition("-")[2]
    if count and count != expected.partition("-")[2]:
        raise IntegrityError(
            f"{where} has ETag {etag}, of {count} parts, but the file was sent in "
            f"{expected.partition('-')[2]}: the object does not match the file; upload it "
            "again with --overwrite"
        )
    if not count and _whole_md5(record) == etag:
        return "etag"
    log.info("%s: ETag %s is the server's own; verified by size and confirmed parts", where, etag)
    return "size+part-checksums"


def _md5_verdict(
    record: UploadRecord,
    response: Mapping[str, Any],
    etag: str,
    expected: str,
    parts_confirmed: bool,
) -> str:
    """How an MD5 upload's object (with the right size) is verified, by its ETag."""
    where = f"s3://{record.bucket}/{record.key}"
    opaque = (
        response.get("ServerSideEncryption") in _OPAQUE_SSE
        or bool(response.get("SSECustomerAlgorithm"))
        or not integrity.is_md5_etag(etag)
    )
    if opaque:
        log.info("%s: ETag is not an MD5; verified by size and per-part checksums", where)
        return "size+part-checksums"
    if etag == expected:
        return "etag"
    if parts_confirmed:
        return _other_etag(record, etag, expected, where)
    if "-" in expected and "-" not in etag and _whole_md5(record) == etag:
        # A store without ListParts that gives a multipart object its whole MD5 (s3rver):
        # one read of the file proves every byte.
        return "etag"
    raise IntegrityError(
        f"{where} has ETag {etag} but the file's checksum gives {expected}: the object "
        "does not match the file; upload it again with --overwrite"
    )
