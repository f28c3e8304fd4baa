"""Turning dropped (or chosen) files and folders into uploads.

A dropped folder uploads recursively and keeps its relative paths, by the rule
`coachadmin upload DIR` follows too (:mod:`coachadmin.transfers.folder_walk`): dropping
``course/`` with ``course/intro/a.mp4`` onto ``videos/`` makes the key
``videos/course/intro/a.mp4``. Files that cannot be read are reported, not silently
dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMimeData

from coachadmin.errors import UsageError
from coachadmin.s3.uri import validate_new_key
from coachadmin.transfers.folder_walk import folder_files


@dataclass(frozen=True)
class PlannedUpload:
    path: Path
    key: str
    size: int


@dataclass
class UploadPlan:
    uploads: list[PlannedUpload] = field(default_factory=list)
    #: Paths that could not be read, with why.
    problems: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(u.size for u in self.uploads)


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders in a drag's data (remote URLs are ignored)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def plan_uploads(paths: Iterable[Path], prefix: str) -> UploadPlan:
    """Every file to upload under ``prefix``, folders walked (runs on a worker thread)."""
    plan = UploadPlan()

    def report(error: OSError) -> None:
        plan.problems.append(f"{error.filename}: {error.strerror or error}")

    for path in paths:
        if path.is_dir():
            for file, key in folder_files(path, prefix, report):
                _add(plan, file, key)
        else:
            _add(plan, path, prefix + path.name)
    return plan


def _add(plan: UploadPlan, path: Path, key: str) -> None:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IsADirectoryError(f"{path} is not a regular file")
        validate_new_key(key)
    except OSError as error:
        plan.problems.append(f"{path}: {getattr(error, 'strerror', None) or error}")
        return
    except UsageError as error:
        plan.problems.append(str(error))
        return
    plan.uploads.append(PlannedUpload(path, key, size))
