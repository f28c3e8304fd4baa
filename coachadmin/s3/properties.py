"""An object's properties as the Properties dialog shows them.

HeadObject gives size, ETag, Content-Type, user metadata, last modified and
storage class; the version id is there when the bucket keeps versions, which
GetBucketVersioning says (a refusal to tell is not an error: it is shown as
unknown); then the object's versions are listed too, so an earlier one can be
restored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from coachadmin.errors import UserFacingError
from coachadmin.s3.failures import ObjectGone, plain_errors
from coachadmin.s3.versions import ObjectVersion, list_versions, versioning_status

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.s3")


@dataclass(frozen=True)
class ObjectProperties:
    bucket: str
    key: str
    size: int
    etag: str
    content_type: str
    last_modified: datetime | None
    storage_class: str
    metadata: dict[str, str] = field(default_factory=dict)
    cache_control: str = ""
    #: "Enabled", "Suspended", "" (never enabled) or None (not allowed to ask).
    versioning: str | None = ""
    version_id: str | None = None
    #: Newest first, delete markers included; empty when the bucket keeps no versions.
    versions: tuple[ObjectVersion, ...] = ()

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _versions(client: S3Client, bucket: str, key: str) -> tuple[ObjectVersion, ...]:
    """The versions, or none when the user may not list them (the rest still shows)."""
    try:
        return tuple(list_versions(client, bucket, key))
    except UserFacingError as error:
        log.info("versions of %s: %s", key, error)
        return ()


@plain_errors("Reading the object's properties")
def object_properties(client: S3Client, bucket: str, key: str) -> ObjectProperties:
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code", "")) in ("404", "NoSuchKey"):
            raise ObjectGone(bucket, key) from error
        raise
    versioning = versioning_status(client, bucket)
    version = head.get("VersionId")
    keeps_versions = versioning in ("Enabled", "Suspended")
    return ObjectProperties(
        bucket=bucket,
        key=key,
        size=int(head.get("ContentLength", 0)),
        etag=str(head.get("ETag", "")).strip('"'),
        content_type=str(head.get("ContentType", "")),
        last_modified=head.get("LastModified"),
        storage_class=str(head.get("StorageClass", "STANDARD")),
        metadata=dict(head.get("Metadata", {})),
        cache_control=str(head.get("CacheControl", "")),
        versioning=versioning,
        version_id=str(version) if version and version != "null" else None,
        versions=_versions(client, bucket, key) if keeps_versions else (),
    )
