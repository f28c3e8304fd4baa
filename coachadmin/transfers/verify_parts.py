"""Before a multipart upload is completed: the server holds exactly the parts we sent.

Each part was verified by the server on receipt (its Content-MD5 or CRC32). Not every
server gives the finished object an ETag of ``md5(concat(part MD5s))-N`` (SSE-KMS,
SSE-C, several S3-compatible stores), and a server may show no checksum: so before
completing, ListParts (every page) must show each journaled part with its ETag and
size, and its CRC32 where the upload has them. Then the object is made of verified
parts, and its size is checked after.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from coachadmin.transfers import integrity
from coachadmin.transfers.errors import IntegrityError, S3RequestFailed
from coachadmin.transfers.journal import Journal, PartRecord, UploadRecord
from coachadmin.transfers.parts import LIST_PARTS_UNSUPPORTED, list_all_parts
from coachadmin.transfers.runner import Restart

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

GONE = "the multipart upload is no longer on the server; starting over"


def confirm_parts(
    journal: Journal,
    client: S3Client,
    record: UploadRecord,
    parts: dict[int, PartRecord],
    retry_args: dict[str, Any],
) -> bool:
    """Raise unless the server holds every part as journaled (a differing part is forgotten,
    so that a resume sends it again). False when the server has no ListParts: then only
    the finished object's ETag or checksum, and its size, can be checked."""
    assert record.upload_id is not None
    try:
        server = list_all_parts(client, record.bucket, record.key, record.upload_id, retry_args)
    except S3RequestFailed as error:
        if error.code not in LIST_PARTS_UNSUPPORTED:
            raise
        log.info("%s: the server has no ListParts (%s)", record.id, error.code)
        return False
    if server is None:
        raise Restart(GONE)
    crc32 = record.checksum_algorithm == integrity.CRC32
    wrong = []
    for number, part in sorted(parts.items()):
        held = server.get(number)
        if (
            held is None
            or held.etag != part.etag
            or held.size != part.size
            or (crc32 and held.crc32 is not None and held.crc32 != part.checksum)
        ):
            wrong.append(number)
    if wrong:
        journal.forget_parts(record.id, wrong)
        raise IntegrityError(
            f"part {wrong[0]} of s3://{record.bucket}/{record.key} on the server does not "
            f"match the file ({len(wrong)} part(s) differ); run `coachadmin resume "
            f"{record.id}` to send them again"
        )
    log.info("%s: the server holds all %d parts as sent", record.id, len(parts))
    return True
