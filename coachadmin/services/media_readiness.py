"""Media readiness before an upload: probe a video, say what is wrong, fix its index if asked.

The one hook the command line and the window share. :func:`readiness` probes a file
whose name is a video's; :meth:`Readiness.apply` puts the Content-Type and metadata of
what the file really is on an :class:`UploadRequest`; :func:`fix_index` makes the
faststart copy that is uploaded in the original's place (the caller removes it once the
upload is done). Nothing is changed unless the caller asks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from coachadmin.media.probe import MediaInfo, probe_file
from coachadmin.media.remux import Progress, faststart
from coachadmin.media.verdict import (
    VIDEO_SUFFIXES,
    Note,
    content_type,
    notes,
    summary,
    upload_metadata,
)
from coachadmin.transfers.upload import UploadRequest

log = logging.getLogger("coachadmin.media")


@dataclass(frozen=True)
class Readiness:
    path: Path  # the file to send: the original, or its faststart copy
    original: Path  # the file the user chose (its name names the object)
    info: MediaInfo
    notes: tuple[Note, ...]

    @property
    def fixable(self) -> bool:
        """Its index is at the end, which :func:`fix_index` fixes losslessly."""
        return any(note.fixable for note in self.notes)

    @property
    def summary(self) -> str:
        """What the video is and what is wrong with it, for a transfer row's tooltip."""
        lines = [summary(self.info), *(note.text for note in self.notes)]
        if self.temporary:
            lines.append("Uploaded with its index moved to the front (lossless).")
        return "\n".join(lines)

    @property
    def temporary(self) -> bool:
        """The file to send is a copy made here, to remove once uploaded."""
        return self.path != self.original

    def apply(self, request: UploadRequest) -> UploadRequest:
        """``request`` sending :attr:`path`, typed and described as what the file is.

        Metadata the user gave wins over the probe's."""
        return replace(
            request,
            path=self.path,
            content_type=request.content_type or content_type(self.info),
            metadata={**upload_metadata(self.info), **request.metadata},
        )


def readiness(path: Path) -> Readiness | None:
    """The probe and notes of a file named like a video (None for others); OSError if unreadable."""
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        return None
    info = probe_file(path)
    return Readiness(path, path, info, tuple(notes(info, path.name)))


def fix_index(
    ready: Readiness,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Readiness:
    """The faststart copy of ``ready``'s file, beside it, ready to upload in its place."""
    copy = faststart(ready.original, progress=progress, cancelled=cancelled)
    info = probe_file(copy)
    return Readiness(copy, ready.original, info, tuple(notes(info, ready.original.name)))


def probe_videos(paths: list[Path]) -> dict[Path, Readiness]:
    """The probe of each file named like a video, by path; one that cannot be read goes
    unprobed (the upload says why, if it cannot read it either)."""
    probed: dict[Path, Readiness] = {}
    for path in paths:
        try:
            found = readiness(path)
        except (OSError, ValueError) as error:
            log.info("not probed: %s (%s)", path, error)
            continue
        if found is not None:
            probed[path] = found
    return probed


def fix_indexes(
    videos: list[Readiness],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Readiness]:
    """A faststart copy of each video, beside it; ``progress`` over all their bytes.

    A cancel or a failure removes the copies already made."""
    total = sum(ready.info.size for ready in videos)
    done = 0

    def overall(part: int, _size: int) -> None:
        if progress is not None:
            progress(done + part, total)

    copies: list[Readiness] = []
    try:
        for ready in videos:
            copies.append(fix_index(ready, progress=overall, cancelled=cancelled))
            done += ready.info.size
    except BaseException:
        for copy in copies:
            copy.path.unlink(missing_ok=True)
        raise
    return copies
