"""The browser's commands' work on the bucket: plain functions run on worker threads.

No Qt here, and botocore at the top: the commands name these through
:class:`~coachadmin.ui.worker_imports.WorkerModule`, so this module loads on the
first worker that runs one. Each takes ``(client, bucket, ...)`` as
:meth:`~coachadmin.ui.browser.access.BucketAccess.run` calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from coachadmin.display import printable
from coachadmin.errors import UserFacingError
from coachadmin.s3 import operations
from coachadmin.s3.failures import translate
from coachadmin.s3.listing import ObjectInfo, iter_objects
from coachadmin.s3.presign import PresignedUrl, presign_get
from coachadmin.s3.versions import versioning_status
from coachadmin.transfers.local_paths import UnsafeKey, clash_key, local_path_for, unclashing

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


@dataclass(frozen=True)
class DownloadPlan:
    """What to download where, what was refused (why, one sentence each), and which keys
    are saved under another name because an earlier key's file takes theirs on disk."""

    jobs: list[tuple[str, Path]]
    refused: list[str]
    renamed: list[tuple[str, Path]]


def plan_download(
    client: S3Client, bucket: str, selected: list[ObjectInfo], folder: Path
) -> DownloadPlan:
    """Each selected object, and every object under each selected folder, as a file of
    its own in ``folder``; keys that would leave it or name no file are refused."""
    plan = DownloadPlan([], [], [])
    wanted: list[tuple[str, Path]] = []

    def add(key: str, relative: str) -> None:
        try:
            wanted.append((key, local_path_for(folder, relative)))
        except UnsafeKey as error:
            plan.refused.append(str(error))

    for info in selected:
        if info.key.endswith("/"):
            base = info.key[: len(info.key.rstrip("/")) - len(info.name)]
            for item in iter_objects(client, bucket, info.key):
                if not item.key.endswith("/"):
                    add(item.key, item.key[len(base) :])
        elif info.name in (".", ".."):
            plan.refused.append(
                f"'{printable(info.key)}' ends in no name a file can have: download it with "
                "a name of your choosing from the command line (coachadmin download "
                f"s3://{bucket}/KEY FILE), or rename it in the bucket."
            )
        else:
            add(info.key, info.name)
    # The folders the files go into are taken first: an object named like one of them
    # (``x`` beside ``x/...``) gets a name of its own rather than the folder's.
    taken = {
        clash_key(folder / parent)
        for _key, target in wanted
        for parent in target.relative_to(folder).parents
        if parent != Path()
    }
    for key, target in wanted:
        chosen = unclashing(target, taken)
        if chosen != target:
            plan.renamed.append((key, chosen))
        chosen.parent.mkdir(parents=True, exist_ok=True)
        plan.jobs.append((key, chosen))
    return plan


def presign(client: S3Client, bucket: str, key: str, expiry: timedelta) -> PresignedUrl:
    """A download link for ``key`` that names the file as the key's last part."""
    try:
        return presign_get(client, bucket, key, expiry, download_name=key.rsplit("/", 1)[-1])
    except UserFacingError:
        raise
    except Exception as error:  # signing is local: any failure gets a sentence
        raise translate(error) from error
