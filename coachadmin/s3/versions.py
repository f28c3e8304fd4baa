"""An object's earlier versions in a versioned bucket, and bringing one back.

Restoring copies the chosen version onto the same key (CopyObject with the version's
id, multipart above 5 GiB), as AWS recommends: it becomes the newest version and every
other version stays, so a restore can itself be undone. Nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from coachadmin.bounded import Flag
from coachadmin.s3.copying import Progress, copy_object
from coachadmin.s3.failures import plain_errors

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class ObjectVersion:
    version_id: str
    size: int
    last_modified: datetime | None
    etag: str
    is_latest: bool
    #: A delete marker: the key looked deleted from this moment until a later version.
    is_delete_marker: bool = False


@plain_errors("Reading the object's versions")
def list_versions(client: S3Client, bucket: str, key: str) -> list[ObjectVersion]:
    """Every version and delete marker of ``key`` (not of keys it prefixes), newest first."""
    found: list[ObjectVersion] = []
    markers: dict[str, Any] = {}
    while True:
        page: Any = client.list_object_versions(Bucket=bucket, Prefix=key, **markers)
        for item in page.get("Versions", []):
            if item["Key"] == key:
                found.append(
                    ObjectVersion(
                        version_id=str(item["VersionId"]),
                        size=int(item.get("Size", 0)),
                        last_modified=item.get("LastModified"),
                        etag=str(item.get("ETag", "")).strip('"'),
                        is_latest=bool(item.get("IsLatest")),
                    )
                )
        for item in page.get("DeleteMarkers", []):
            if item["Key"] == key:
                found.append(
                    ObjectVersion(
                        version_id=str(item["VersionId"]),
                        size=0,
                        last_modified=item.get("LastModified"),
                        etag="",
                        is_latest=bool(item.get("IsLatest")),
                        is_delete_marker=True,
                    )
                )
        if not page.get("IsTruncated"):
            break
        markers = {
            "KeyMarker": page.get("NextKeyMarker", ""),
            "VersionIdMarker": page.get("NextVersionIdMarker", ""),
        }
    return sorted(found, key=_newest_first)


def _newest_first(version: ObjectVersion) -> tuple[bool, float]:
    when = version.last_modified.timestamp() if version.last_modified else 0.0
    return (not version.is_latest, -when)


@plain_errors("Restoring the earlier version")
def restore_version(
    client: S3Client,
    bucket: str,
    key: str,
    version: ObjectVersion,
    *,
    progress: Progress | None = None,
    cancel: Flag | None = None,
) -> None:
    """Make ``version`` the newest version of ``key`` again (a copy; nothing is deleted)."""
    if version.is_delete_marker:
        raise ValueError("a delete marker has no content to restore")
    copy_object(
        client,
        bucket,
        key,
        key,
        size=version.size,
        progress=progress,
        cancel=cancel,
        source_version=version.version_id,
    )


def versioning_status(client: S3Client, bucket: str) -> str | None:
    """ "Enabled", "Suspended", "" (never enabled), or None when not allowed to ask."""
    try:
        return str(client.get_bucket_versioning(Bucket=bucket).get("Status", ""))
    except ClientError:
        return None
