"""The browser's commands' work on the bucket: plain functions run on worker threads.

No Qt here, and botocore at the top: the commands name these through
:class:`~coachadmin.ui.worker_imports.WorkerModule`, so this module loads on the
first worker that runs one. Each takes ``(client, bucket, ...)`` as
:meth:`~coachadmin.ui.browser.access.BucketAccess.run` calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from coachadmin.errors import UserFacingError
from coachadmin.s3 import operations
from coachadmin.s3.failures import translate
from coachadmin.s3.listing import ObjectInfo, iter_objects
from coachadmin.s3.presign import PresignedUrl, presign_get
from coachadmin.s3.versions import versioning_status
from coachadmin.transfers.local_paths import UnsafeKey, local_path_for

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from coachadmin.s3.operations import Summary


def before_delete(
    client: S3Client, bucket: str, folders: Sequence[str]
) -> tuple[list[Summary], bool]:
    """What the folders hold, and whether the bucket keeps versions (for the question)."""
    summaries = [operations.summarise(client, bucket, folder) for folder in folders]
    return summaries, versioning_status(client, bucket) in ("Enabled", "Suspended")


def delete(client: S3Client, bucket: str, keys: Sequence[str], folders: Sequence[str]) -> int:
    """Delete the objects and everything under the folders; how many objects went."""
    gone = operations.delete_keys(client, bucket, keys)
    for folder in folders:
        gone += operations.delete_prefix(client, bucket, folder)
    return gone


def free_keys(client: S3Client, bucket: str, keys: list[str], taken: set[str]) -> list[str]:
    """A free name for each of ``keys`` ("keep both"), none of them in ``taken`` or each other."""
    reserved = set(taken)
    return [operations.free_key(client, bucket, key, reserved) for key in keys]


def plan_download(
    client: S3Client, bucket: str, selected: list[ObjectInfo], folder: Path
) -> tuple[list[tuple[str, Path]], list[str]]:
    """What to download where; keys that would leave the folder are refused."""
    jobs: list[tuple[str, Path]] = []
    refused: list[str] = []
    for info in selected:
        if not info.key.endswith("/"):
            jobs.append((info.key, folder))
            continue
        base = info.key[: len(info.key.rstrip("/")) - len(info.name)]
        for item in iter_objects(client, bucket, info.key):
            if item.key.endswith("/"):
                continue
            try:
                target = local_path_for(folder, item.key[len(base) :])
            except UnsafeKey as error:
                refused.append(str(error))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            jobs.append((item.key, target))
    return jobs, refused


def presign(client: S3Client, bucket: str, key: str, expiry: timedelta) -> PresignedUrl:
    """A download link for ``key`` that names the file as the key's last part."""
    try:
        return presign_get(client, bucket, key, expiry, download_name=key.rsplit("/", 1)[-1])
    except UserFacingError:
        raise
    except Exception as error:  # signing is local: any failure gets a sentence
        raise translate(error) from error
