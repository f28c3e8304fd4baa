"""Move an MP4's index (``moov``) before its media: the lossless fix for "moov at the end".

The media bytes are copied unchanged; only the index moves, and the chunk offsets in
it (``stco``/``co64``) are shifted by as much as the media moved (an ``stco`` whose
offsets would pass 4 GiB becomes a ``co64``). The result goes to a temporary file
beside the original, which is never touched: the same frames, the same packets,
playable from the first bytes.
"""

from __future__ import annotations

import bisect
import io
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coachadmin.display import format_size
from coachadmin.errors import UserFacingError
from coachadmin.media import boxes
from coachadmin.media.boxes import Box
from coachadmin.media.source import FileSource

CHUNK = 4 * 1024 * 1024
#: Free space kept beyond the new file's size, so the disk is never filled to the last byte.
SPARE_BYTES = 64 * 1024 * 1024
_U32 = 0xFFFFFFFF

#: ``progress(bytes_done, bytes_total)``
Progress = Callable[[int, int], None]


class RemuxError(UserFacingError):
    """The file cannot be rearranged (not an MP4 with its index at the end, or damaged)."""


class NotEnoughSpace(UserFacingError):
    def __init__(self, folder: Path, needed: int, free: int) -> None:
        super().__init__(
            f"Not enough free space in {folder} to fix the video: it needs "
            f"{format_size(needed)}, {format_size(free)} is free. Free some space and try again."
        )


class RemuxCancelled(UserFacingError):
    def __init__(self) -> None:
        super().__init__("Fixing the video was cancelled; the original file is unchanged.")


@dataclass(frozen=True)
class _Layout:
    boxes: list[Box]  # top-level, in file order
    moov: Box


def _layout(handle: FileSource) -> _Layout:
    try:
        found = list(boxes.top_level(handle))
    except boxes.BoxError as error:
        raise RemuxError(f"This file is damaged ({error}); it cannot be fixed.") from error
    if any(box.end > handle.size for box in found):
        raise RemuxError("This file is incomplete (it ends inside its media); it cannot be fixed.")
    kinds = [box.kind for box in found]
    if b"moov" not in kinds or b"mdat" not in kinds:
        raise RemuxError("This file has no MP4 index and media to rearrange.")
    if b"moof" in kinds:
        raise RemuxError("This is a fragmented MP4: it streams as it is.")
    if kinds.index(b"moov") < kinds.index(b"mdat"):
        raise RemuxError("The index is already at the front: nothing to fix.")
    if kinds.count(b"moov") > 1:
        raise RemuxError("This file has two indexes (moov); it cannot be fixed safely.")
    return _Layout(found, found[kinds.index(b"moov")])


def _order(layout: _Layout) -> list[Box]:
    """The new order: what came before the media, then the index, then the rest."""
    first_media = next(i for i, box in enumerate(layout.boxes) if box.kind == b"mdat")
    before = layout.boxes[:first_media]
    after = [box for box in layout.boxes[first_media:] if box.kind != b"moov"]
    return [*before, layout.moov, *after]


class _Shifter:
    """Maps an old file offset to the new one, given where each top-level box moved."""

    def __init__(self, old: list[Box], new_starts: dict[int, int]) -> None:
        self._boxes = sorted(old, key=lambda box: box.offset)
        self._starts = [box.offset for box in self._boxes]
        self._new = new_starts

    def __call__(self, offset: int) -> int:
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0 or offset >= self._boxes[index].end:
            raise RemuxError(f"A chunk offset ({offset}) points outside the file's boxes.")
        box = self._boxes[index]
        return self._new[box.offset] + (offset - box.offset)


def _header(kind: bytes, payload_size: int) -> bytes:
    if payload_size + 8 <= _U32:
        return struct.pack(">I4s", payload_size + 8, kind)
    return struct.pack(">I4sQ", 1, kind, payload_size + 16)


def _rewrite(data: bytes, box: Box, shift: Callable[[int], int], wide: bool) -> bytes:
    """``box`` (in ``data``) with its chunk offsets shifted; ``wide``: write every table as co64."""
    body = boxes.payload(data, box)
    if box.kind in (b"stco", b"co64"):
        (count,) = struct.unpack_from(">I", body, 4)
        form = ">I" if box.kind == b"stco" else ">Q"
        width = 4 if box.kind == b"stco" else 8
        offsets = [struct.unpack_from(form, body, 8 + width * n)[0] for n in range(count)]
        moved = [shift(offset) for offset in offsets]
        if wide or box.kind == b"co64":
            table = struct.pack(f">{count}Q", *moved)
            return _header(b"co64", 8 + len(table)) + body[:8] + table
        table = struct.pack(f">{count}I", *moved)
        return _header(b"stco", 8 + len(table)) + body[:8] + table
    if box.kind in boxes.CONTAINERS:
        inner = b"".join(
            _rewrite(data, child, shift, wide)
            for child in boxes.children(data, box.offset + box.header, box.end)
        )
        return _header(box.kind, len(inner)) + inner
    return data[box.offset : box.end]


def _new_index(moov_data: bytes, layout: _Layout) -> bytes:
    """The rewritten ``moov``: its own size decides where the media go, so try until stable."""
    order = _order(layout)
    moov = Box(b"moov", 0, layout.moov.size, layout.moov.header)
    size, wide = layout.moov.size, False
    for _ in range(4):
        starts: dict[int, int] = {}
        position = 0
        for box in order:
            starts[box.offset] = position
            position += size if box is layout.moov else box.size
        shifter = _Shifter([b for b in layout.boxes if b is not layout.moov], starts)
        if not wide and position > _U32:
            wide = True  # offsets past 4 GiB need co64 tables; the index grows, so again
            continue
        rewritten = _rewrite(moov_data, moov, shifter, wide)
        if len(rewritten) == size:
            return rewritten
        size = len(rewritten)
    raise RemuxError("The index could not be laid out; the file cannot be fixed.")


def faststart(
    path: Path,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """Write a copy of ``path`` with its index at the front, beside it; return the copy's path.

    Checks the free space first (:class:`NotEnoughSpace`); ``cancelled()`` is asked
    between chunks (:class:`RemuxCancelled`, the copy removed). The caller removes the
    copy when done with it.
    """
    total = path.stat().st_size
    free = shutil.disk_usage(path.parent).free
    if free < total + SPARE_BYTES:
        raise NotEnoughSpace(path.parent, total + SPARE_BYTES, free)
    with path.open("rb") as original:
        source = FileSource(original, total)
        layout = _layout(source)
        moov = _new_index(source.read(layout.moov.offset, layout.moov.size), layout)
        handle, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.stem}.", suffix=f".faststart{path.suffix}"
        )
        target = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                _write(
                    original,
                    out,
                    order=_order(layout),
                    old_moov=layout.moov,
                    moov=moov,
                    total=total,
                    progress=progress,
                    cancelled=cancelled,
                )
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return target


def _write(
    original: io.BufferedReader,
    out: io.BufferedWriter,
    *,
    order: list[Box],
    old_moov: Box,
    moov: bytes,
    total: int,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    done = 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    for box in order:
        if box is old_moov:
            out.write(moov)
            done += old_moov.size
            continue
        original.seek(box.offset)
        left = box.size
        while left:
            if cancelled is not None and cancelled():
                raise RemuxCancelled
            got = original.readinto(view[: min(CHUNK, left)])
            if not got:
                raise RemuxError("The file got shorter while it was being fixed.")
            out.write(view[:got])
            left -= got
            done += got
            if progress is not None:
                progress(done, total)
    if progress is not None:
        progress(total, total)
