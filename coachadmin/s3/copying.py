"""Server-side copy of one object, with progress; multipart copy above 5 GiB.

S3's CopyObject takes objects up to 5 GiB; a larger one must be copied as a
multipart upload whose parts are ``UploadPartCopy`` byte ranges of the source.
Nothing passes through this computer either way. Parts are copied a few at a
time (:func:`coachadmin.bounded.run_each`): the first part that fails, or a
cancel, stops the parts not yet begun; once those in flight are done, the
multipart upload is aborted so no parts are left behind to cost money.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coachadmin.bounded import Flag, Stopped, run_each
from coachadmin.s3.failures import OperationCancelled

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

log = logging.getLogger("coachadmin.s3")

GiB = 1024**3
MiB = 1024**2
#: S3's limit for a single CopyObject.
COPY_LIMIT = 5 * GiB
DEFAULT_COPY_PART = 512 * MiB
MAX_PARTS = 10_000
COPY_WORKERS = 4

#: ``progress(bytes_done, bytes_total)``, called from worker threads.
Progress = Callable[[int, int], None]


def copy_part_size(size: int, preferred: int = DEFAULT_COPY_PART) -> int:
    """``preferred``, grown so that ``size`` fits in 10,000 parts (a whole MiB)."""
    needed = math.ceil(size / MAX_PARTS)
    return max(preferred, math.ceil(needed / MiB) * MiB)


def copy_object(
    client: S3Client,
    bucket: str,
    source: str,
    target: str,
    *,
    size: int,
    progress: Progress | None = None,
    cancel: Flag | None = None,
    threshold: int = COPY_LIMIT,
    part_size: int = DEFAULT_COPY_PART,
    source_version: str | None = None,
) -> None:
    """Copy ``source`` to ``target`` in ``bucket``, keeping Content-Type and metadata.

    ``source_version`` copies that version of ``source`` (a versioned bucket's earlier
    one). ``cancel`` set stops a multipart copy at once: no part begins after it.
    """
    origin: dict[str, Any] = {"Bucket": bucket, "Key": source}
    if source_version is not None:
        origin["VersionId"] = source_version
    if cancel is not None and cancel.is_set():
        raise OperationCancelled(f"Copying {source}")
    if size <= threshold:
        client.copy_object(
            Bucket=bucket,
            Key=target,
            CopySource=origin,  # type: ignore[arg-type]
            MetadataDirective="COPY",
        )
        if progress is not None:
            progress(size, size)
        return
    _multipart_copy(
        client,
        bucket,
        origin,
        target,
        size=size,
        progress=progress,
        cancel=cancel,
        preferred_part=part_size,
    )


def _multipart_copy(
    client: S3Client,
    bucket: str,
    origin: dict[str, Any],
    target: str,
    *,
    size: int,
    progress: Progress | None,
    cancel: Flag | None,
    preferred_part: int,
) -> None:
    source = str(origin["Key"])
    head = client.head_object(**origin)
    extra: dict[str, Any] = {"Metadata": head.get("Metadata", {})}
    for field in ("ContentType", "CacheControl", "ContentDisposition", "ContentEncoding"):
        if head.get(field):
            extra[field] = head[field]
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=target, **extra)["UploadId"]
    part = copy_part_size(size, preferred_part)
    count = math.ceil(size / part)
    done = 0
    parts: list[CompletedPartTypeDef] = []
    lock = threading.Lock()

    def copy_part(number: int) -> None:
        nonlocal done
        if cancel is not None and cancel.is_set():
            raise OperationCancelled(f"Copying {source}")
        start = (number - 1) * part
        end = min(size, start + part) - 1
        answer = client.upload_part_copy(
            Bucket=bucket,
            Key=target,
            UploadId=upload_id,
            PartNumber=number,
            CopySource=origin,  # type: ignore[arg-type]
            CopySourceRange=f"bytes={start}-{end}",
        )
        with lock:
            done += end - start + 1
            current = done
            parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
        if progress is not None:
            progress(current, size)

    try:
        try:
            run_each(
                range(1, count + 1), copy_part, in_flight=COPY_WORKERS, name="s3-copy", stop=cancel
            )
        except Stopped:
            raise OperationCancelled(f"Copying {source}") from None
        parts.sort(key=lambda part: part["PartNumber"])
        client.complete_multipart_upload(
            Bucket=bucket, Key=target, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    except BaseException:
        log.info("aborting the multipart copy of %s to %s", source, target)
        try:
            client.abort_multipart_upload(Bucket=bucket, Key=target, UploadId=upload_id)
        except Exception:  # the first failure is what the user must see
            log.warning("could not abort the multipart copy %s", upload_id, exc_info=True)
        raise
