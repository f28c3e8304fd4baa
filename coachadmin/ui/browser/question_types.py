"""What the browser's questions are about and what they answer (no Qt).

:class:`~coachadmin.ui.browser.questions.Questions` asks them with the dialogs of
:mod:`coachadmin.ui.browser.dialogs`; the commands and the uploads build and read them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


class ConflictChoice(enum.Enum):
    REPLACE = "replace"
    KEEP_BOTH = "keep both"
    SKIP = "skip"


class MediaChoice(enum.Enum):
    """What to do with videos that may not play well for students."""

    FIX = "fix"  # move the index to the front (lossless copies), then upload those
    AS_IS = "as is"


@dataclass(frozen=True)
class MediaNotes:
    """Videos about to be uploaded, and what may keep them from playing well."""

    #: (file name, the notes about it), in upload order.
    files: tuple[tuple[str, tuple[str, ...]], ...]
    #: How many of them a lossless fix would help (index at the end).
    fixable: int = 0


@dataclass(frozen=True)
class ConflictAnswer:
    choice: ConflictChoice
    #: Use the same answer for the remaining conflicts of this upload.
    apply_to_all: bool = False


@dataclass(frozen=True)
class Conflict:
    """An upload whose key already exists."""

    key: str
    local_path: Path
    local_size: int
    #: Conflicts after this one in the same upload (for "apply to all").
    remaining: int = 0
    #: The object in the bucket (from its HeadObject) and the file's modification time:
    #: what a user compares before replacing one with the other.
    existing_size: int | None = None
    existing_modified: datetime | None = None
    local_modified: datetime | None = None


@dataclass(frozen=True)
class DeletePlan:
    """What a delete would remove: named objects, and folders with what they hold."""

    bucket: str
    keys: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    #: Objects and bytes in total (folders' contents included).
    objects: int = 0
    bytes: int = 0
    names: tuple[str, ...] = field(default=())
    #: The bucket keeps versions: a delete leaves a delete marker, not nothing.
    keeps_versions: bool = False

    @property
    def has_folders(self) -> bool:
        return bool(self.folders)
