"""Object metadata: does a key exist, how big is it, what is its ETag."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.s3")

#: What botocore calls a HEAD's error, whose answer has no body to name it.
_BODILESS = ("400", "403", "BadRequest", "Forbidden")
#: The checksums S3 may store with an object (HeadObject's ``Checksum<NAME>``).
CHECKSUM_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")


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
    #: The object's stored checksums when asked for (``ChecksumMode``): algorithm (``CRC32``,
    #: ``CRC32C``, ``CRC64NVME``, ``SHA1``, ``SHA256``) to base64 value, ``...-N`` when composite.
    checksums: dict[str, str] = field(default_factory=dict)
    #: ``FULL_OBJECT`` or ``COMPOSITE`` where the server says.
    checksum_type: str | None = None
    #: The ``x-amz-server-side-encryption`` header (``AES256``, ``aws:kms``, ...), "" if none.
    encryption: str = ""
    #: Encrypted with a key of the customer's (SSE-C).
    customer_key: bool = False
    last_modified: datetime | None = None

    @property
    def crc32(self) -> str | None:
        """The object's CRC32 (``...-N`` when composite), when asked for and present."""
        return self.checksums.get("CRC32")

    @property
    def etag_is_md5(self) -> bool:
        """Whether the ETag is an MD5 of the content (or of its parts' MD5s): only without
        encryption or with SSE-S3 (AES256); under SSE-KMS and SSE-C it is not."""
        return not self.customer_key and self.encryption in ("", "AES256")


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
        if code in _BODILESS:
            raise _reason_for(client, bucket, key, error) from error
        raise
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=int(response.get("ContentLength", 0)),
        etag=str(response.get("ETag", "")).strip('"'),
        content_type=str(response.get("ContentType", "")),
        parts_count=response.get("PartsCount"),
        metadata=dict(response.get("Metadata", {})),
        checksums={
            name: str(response[f"Checksum{name}"])  # type: ignore[literal-required]
            for name in CHECKSUM_ALGORITHMS
            if response.get(f"Checksum{name}")
        },
        checksum_type=response.get("ChecksumType"),
        encryption=str(response.get("ServerSideEncryption", "")),
        customer_key=bool(response.get("SSECustomerAlgorithm")),
        last_modified=response.get("LastModified"),
    )


def _reason_for(client: S3Client, bucket: str, key: str, error: ClientError) -> ClientError:
    """The error a HEAD's refusal stands for, from one request whose answer has a body.

    A HEAD answer has no body, so botocore knows only its status: 403 for a wrong
    secret, an unknown key, an expired token, a skewed clock or a missing permission
    alike, 400 for a wrong region or a missing SSE-C key. A GET of byte 0 needs the
    same permission (s3:GetObject) and its error names the cause. Its own error is
    returned; the HEAD's stands when the GET succeeds or its answer is no clearer (no
    body, an empty object's InvalidRange, a key the GET does not find).
    """
    try:
        client.get_object(Bucket=bucket, Key=key, Range="bytes=0-0")["Body"].close()
    except ClientError as detailed:
        code = str(detailed.response.get("Error", {}).get("Code", ""))
        if code and code not in (*_BODILESS, "InvalidRange", "NoSuchKey", "404"):
            log.info("HeadObject s3://%s/%s refused: %s", bucket, key, code)
            return detailed
    return error


def object_exists(client: S3Client, bucket: str, key: str) -> bool:
    return head_object(client, bucket, key) is not None
