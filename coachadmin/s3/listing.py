"""Listing a bucket by folder, one page at a time.

S3 has no folders: a "folder" is a common prefix under the ``/`` delimiter, and a
zero-byte object whose key ends in ``/`` is a folder marker that some tools (ours
included) create so an empty folder can exist. Pages come from continuation
tokens, so a folder of 100,000 objects is never held in one response.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PAGE_SIZE = 1000  # S3's maximum for ListObjectsV2


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime | None
    etag: str
    storage_class: str

    @property
    def name(self) -> str:
        return self.key.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Page:
    prefix: str
    folders: tuple[str, ...]  # full prefixes, each ending in "/"
    objects: tuple[ObjectInfo, ...]
    next_token: str | None

    @property
    def is_last(self) -> bool:
        return self.next_token is None


def _object(item: Any) -> ObjectInfo:
    return ObjectInfo(
        key=item["Key"],
        size=int(item.get("Size", 0)),
        last_modified=item.get("LastModified"),
        etag=str(item.get("ETag", "")).strip('"'),
        # S3 omits StorageClass for some servers and classes; STANDARD is the default.
        storage_class=item.get("StorageClass") or "STANDARD",
    )


def list_page(
    client: S3Client,
    bucket: str,
    prefix: str = "",
    *,
    token: str | None = None,
    delimiter: str | None = "/",
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of a folder (``delimiter="/"``) or of everything under a prefix (``None``).

    The folder's own marker object (key == prefix) is left out: it is the folder itself.
    """
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
    if delimiter:
        kwargs["Delimiter"] = delimiter
    if token:
        kwargs["ContinuationToken"] = token
    response = client.list_objects_v2(**kwargs)
    folders = tuple(p["Prefix"] for p in response.get("CommonPrefixes", ()) if "Prefix" in p)
    objects = tuple(_object(item) for item in response.get("Contents", ()) if item["Key"] != prefix)
    # IsTruncated is the authority; some servers send a token on the last page too.
    next_token = response.get("NextContinuationToken") if response.get("IsTruncated") else None
    return Page(prefix=prefix, folders=folders, objects=objects, next_token=next_token)


def iter_pages(
    client: S3Client, bucket: str, prefix: str = "", *, delimiter: str | None = "/"
) -> Iterator[Page]:
    token: str | None = None
    while True:
        page = list_page(client, bucket, prefix, token=token, delimiter=delimiter)
        yield page
        if page.next_token is None:
            return
        token = page.next_token


def iter_objects(client: S3Client, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
    """Every object under ``prefix``, at any depth."""
    for page in iter_pages(client, bucket, prefix, delimiter=None):
        yield from page.objects
