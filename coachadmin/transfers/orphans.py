"""Multipart uploads on the server that no journal entry looks after.

Their parts cost money until aborted: a crash between CreateMultipartUpload
and the journal write, another tool's abandoned upload, an upload whose
journal was deleted. :func:`find_orphans` lists them; :func:`abort_orphan`
removes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import TRY_AGAIN_LATER
from coachadmin.transfers.journal import Journal
from coachadmin.transfers.parts import abort_upload
from coachadmin.transfers.retry import with_retries

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Orphan:
    bucket: str
    key: str
    upload_id: str
    initiated: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "uploadId": self.upload_id,
            "initiated": self.initiated.isoformat() if self.initiated else None,
        }


def _retry_args(config: TransferConfig, bucket: str) -> dict[str, Any]:
    return {
        "control": TransferControl(),
        "max_attempts": config.max_attempts,
        "base": config.backoff_base,
        "cap": config.backoff_cap,
        "bucket": bucket,
        "advice": TRY_AGAIN_LATER,  # an orphan is no transfer of the journal to resume
    }


def orphan_note(bucket: str, reason: str) -> str:
    """What to say of a multipart upload left on the server because its abort failed."""
    return (
        f"its unfinished upload stays on the server ({reason}): clean it up later with "
        f"`coachadmin orphans s3://{bucket} --abort`"
    )


def list_multipart_uploads(
    client: S3Client, bucket: str, config: TransferConfig | None = None
) -> list[Orphan]:
    """Every multipart upload in progress in the bucket (all pages)."""
    config = config or TransferConfig()
    found: list[Orphan] = []
    markers: dict[str, str] = {}
    while True:
        page = with_retries(
            lambda markers=markers: client.list_multipart_uploads(  # type: ignore[misc]
                Bucket=bucket, EncodingType="url", **markers
            ),
            what="ListMultipartUploads",
            **_retry_args(config, bucket),
        )
        # Keys come URL-encoded when the server says so: a key with a character XML 1.0
        # cannot hold would otherwise make the whole answer unreadable, page after page.
        # botocore decodes them for ListObjects only.
        decode = unquote_plus if page.get("EncodingType") == "url" else str
        for upload in page.get("Uploads", []):
            key = decode(upload["Key"])
            found.append(Orphan(bucket, key, upload["UploadId"], upload.get("Initiated")))
        if not page.get("IsTruncated"):
            return found
        markers = {
            "KeyMarker": decode(page.get("NextKeyMarker", "")),
            "UploadIdMarker": page.get("NextUploadIdMarker", ""),
        }


def find_orphans(
    client: S3Client, bucket: str, journal: Journal, config: TransferConfig | None = None
) -> list[Orphan]:
    """The bucket's multipart uploads whose UploadId no unfinished journal entry holds."""
    known = journal.known_upload_ids()
    return [u for u in list_multipart_uploads(client, bucket, config) if u.upload_id not in known]


def abort_orphan(client: S3Client, orphan: Orphan, config: TransferConfig | None = None) -> None:
    config = config or TransferConfig()
    abort_upload(
        client,
        orphan.bucket,
        orphan.key,
        orphan.upload_id,
        _retry_args(config, orphan.bucket) | {"key": orphan.key},
    )
