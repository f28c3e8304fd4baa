"""ISO-BMFF boxes (MP4, QuickTime): the top-level layout of a file and the boxes inside one.

A box is a 32-bit big-endian size (1: a 64-bit size follows; 0: to the end of the file)
and a four-character type, then its payload. Only headers are read at the top level, so
walking a multi-gigabyte file costs a few reads of 16 bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from coachadmin.media.source import ByteSource

#: Boxes that hold other boxes, on the way from ``moov`` to the sample tables.
CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"})
#: Top-level boxes a MP4 or QuickTime file may start with.
TOP_LEVEL = frozenset(
    {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp", b"pdin",
     b"meta", b"moof", b"mfra", b"sidx", b"junk", b"PICT"}
)  # fmt: skip
MAX_TOP_LEVEL_BOXES = 10_000


class BoxError(ValueError):
    """The bytes are not a well-formed box structure."""


@dataclass(frozen=True)
class Box:
    kind: bytes  # four characters, e.g. b"moov"
    offset: int  # where its header starts
    size: int  # header and payload
    header: int  # 8, or 16 with a 64-bit size

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def name(self) -> str:
        return self.kind.decode("latin-1")


def _header(data: bytes, offset: int, limit: int) -> Box:
    if offset + 8 > len(data):
        raise BoxError(f"a box header at {offset} is cut off")
    size, kind = struct.unpack_from(">I4s", data, offset)
    header = 8
    if size == 1:
        if offset + 16 > len(data):
            raise BoxError(f"a 64-bit box header at {offset} is cut off")
        (size,) = struct.unpack_from(">Q", data, offset + 8)
        header = 16
    elif size == 0:
        size = limit - offset
    if size < header:
        raise BoxError(f"box {kind!r} at {offset} has an impossible size {size}")
    return Box(kind, offset, size, header)


def top_level(source: ByteSource) -> Iterator[Box]:
    """The file's top-level boxes in order; the last may reach past the end (a cut file)."""
    offset = 0
    for _ in range(MAX_TOP_LEVEL_BOXES):
        if offset >= source.size:
            return
        head = source.read(offset, 16)
        if len(head) < 8:
            raise BoxError(f"the file ends inside a box header at {offset}")
        box = _header(head, 0, source.size - offset)
        box = Box(box.kind, offset, box.size, box.header)
        yield box
        offset = box.end
    raise BoxError(f"more than {MAX_TOP_LEVEL_BOXES} top-level boxes")


def children(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The boxes in ``data[start:end]`` (a box's payload), offsets relative to ``data``."""
    limit = len(data) if end is None else end
    offset = start
    while offset + 8 <= limit:
        box = _header(data, offset, limit)
        if box.end > limit:
            raise BoxError(f"box {box.name} at {offset} overruns its parent")
        yield box
        offset = box.end


def find(data: bytes, box: Box, kind: bytes) -> Box | None:
    """The first child of ``box`` (whose bytes are in ``data``) of type ``kind``."""
    for child in children(data, box.offset + box.header, box.end):
        if child.kind == kind:
            return child
    return None


def find_all(data: bytes, box: Box, kind: bytes) -> list[Box]:
    return [c for c in children(data, box.offset + box.header, box.end) if c.kind == kind]


def payload(data: bytes, box: Box) -> bytes:
    return data[box.offset + box.header : box.end]
