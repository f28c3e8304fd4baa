"""Object metadata: does a key exist, how big is it, what is its ETag."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.s3")


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str
    content_type: str = ""
    #: For a multipart object, how many parts it was uploaded in (when asked for part 1).
    parts_count: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    #: The object's CRC32 (``...-N`` when composite), when asked for and the object has one.
    crc32: str | None = None


def head_object(
    client: S3Client,
    bucket: str,
    key: str,
    *,
    part_number: int | None = None,
    checksum: bool = False,
) -> ObjectInfo | None:
    """HeadObject, or None when the key does not exist. Other errors propagate.

    ``checksum`` asks for the object's stored checksums (ChecksumMode); only the
    upload's verification does, since for SSE-KMS objects it needs kms:Decrypt.
    """
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if part_number is not None:
        kwargs["PartNumber"] = part_number
    if checksum:
        kwargs["ChecksumMode"] = "ENABLED"
    try:
        response = client.head_object(**kwargs)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=int(response.get("ContentLength", 0)),
        etag=str(response.get("ETag", "")).strip('"'),
        content_type=str(response.get("ContentType", "")),
        parts_count=response.get("PartsCount"),
        metadata=dict(response.get("Metadata", {})),
        crc32=response.get("ChecksumCRC32"),
    )


def object_exists(client: S3Client, bucket: str, key: str) -> bool:
    return head_object(client, bucket, key) is not None
