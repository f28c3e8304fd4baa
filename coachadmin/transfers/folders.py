"""Which files an upload of files and folders sends, under which keys, and which keys exist.

The keys follow the GUI's folder drop (:mod:`coachadmin.transfers.folder_walk`, shared
with it): a folder keeps its own name and the paths under it, so ``course/`` with
``course/intro/a.mp4`` uploaded to ``videos/`` makes ``videos/course/intro/a.mp4``; a
file given by itself keeps its name. Symbolic links to folders are not followed.

Filters are ``aws s3``'s: every file is included, then each ``--exclude`` or
``--include`` glob in the order given may change that, the last one that matches
deciding. A glob matches the file's path under the destination prefix
(``course/intro/a.mp4``), ``*`` crossing ``/`` (``*.jpg`` matches in every folder).
"""

from __future__ import annotations

import enum
import fnmatch
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from coachadmin.errors import UsageError
from coachadmin.s3.keys import key_for_upload
from coachadmin.s3.listing import iter_objects
from coachadmin.s3.uri import S3Uri, validate_new_key
from coachadmin.transfers.errors import SourceFileError
from coachadmin.transfers.folder_walk import folder_files

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class Rule(enum.Enum):
    INCLUDE = "include"
    EXCLUDE = "exclude"


@dataclass(frozen=True)
class Filter:
    rule: Rule
    glob: str

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.glob)


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    key: str


def plan_files(
    paths: Sequence[Path], destination: S3Uri, filters: Sequence[Filter] = ()
) -> list[PlannedFile]:
    """Every file to send and its key; folders walked in name order, filters applied."""
    folders = [p for p in paths if p.is_dir()]
    if folders and not destination.is_prefix:
        raise UsageError(
            f"{destination} is a single key but {folders[0]} is a folder; "
            "end the destination with / to upload it under that prefix"
        )
    several = len(paths) > 1 or bool(folders)
    planned: list[PlannedFile] = []
    refused: list[str] = []  # every name no key can hold, said together

    def plan(path: Path, key: Callable[[], str]) -> None:
        try:
            planned.append(PlannedFile(path, key()))
        except UsageError as error:
            refused.append(str(error))

    for path in paths:
        if path.is_dir():
            for file, key in folder_files(path, destination.key, _refuse):
                plan(file, partial(validate_new_key, key))
        else:
            plan(path, partial(key_for_upload, path, destination, several=several))
    if refused:
        raise _refusals(refused)
    kept = [p for p in planned if _included(p.key[len(destination.key) :], filters)]
    if not kept:
        raise UsageError("no files to upload (the folders are empty, or the filters left none)")
    first: dict[str, Path] = {}
    for planned_file in kept:
        other = first.setdefault(planned_file.key, planned_file.path)
        if other.resolve() != planned_file.path.resolve():
            raise UsageError(
                f"{other} and {planned_file.path} would both go to "
                f"s3://{destination.bucket}/{planned_file.key}; upload them separately"
            )
    return [PlannedFile(path, key) for key, path in first.items()]  # a file named twice: once


#: The refusals a message names; the others are counted.
SAID_REFUSALS = 3


def _refusals(refused: Sequence[str]) -> UsageError:
    """One error for every file refused its key (nothing is sent): the first few named."""
    refused = list(dict.fromkeys(refused))  # one file too many for a single key: said once
    if len(refused) == 1:
        return UsageError(refused[0])
    said = "; ".join(refused[:SAID_REFUSALS])
    more = len(refused) - SAID_REFUSALS
    return UsageError(
        f"{len(refused)} files cannot be uploaded under their names, and nothing was sent: "
        f"{said}" + (f"; and {more} more" if more > 0 else "")
    )


def _included(name: str, filters: Iterable[Filter]) -> bool:
    included = True
    for item in filters:
        if item.matches(name):
            included = item.rule is Rule.INCLUDE
    return included


def _refuse(error: OSError) -> None:
    raise SourceFileError(f"{error.filename} cannot be read: {error.strerror or error}")


def existing_etags(client: S3Client, bucket: str, keys: Sequence[str]) -> dict[str, str]:
    """Which of ``keys`` name objects, with their ETags, from one listing of their longest
    common prefix (a page per 1,000 objects under it, not a request per key), in the order
    given."""
    prefix = os.path.commonprefix(list(keys))  # noqa: RUF071 - a key prefix, not a path
    wanted = set(keys)
    found = {
        info.key: info.etag for info in iter_objects(client, bucket, prefix) if info.key in wanted
    }
    return {key: found[key] for key in keys if key in found}
