"""A download's check, hashed as the stream writes: the same answers as reading the file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from coachadmin.s3.objects import ObjectInfo
from coachadmin.transfers import integrity, object_checksums
from coachadmin.transfers.config import MiB
from coachadmin.transfers.errors import IntegrityError
from coachadmin.transfers.verify_download import (
    HashBehind,
    InlineHash,
    Way,
    likely_part_sizes,
    plan_check,
    verify_download,
)

SIZES = [1000, 1000, 345]
DATA = os.urandom(sum(SIZES))


def _file(tmp_path: Path, data: bytes = DATA) -> Path:
    path = tmp_path / "f.coachadmin-part"
    path.write_bytes(data)
    return path


def _sizes(parts: int) -> list[int]:
    assert parts == len(SIZES)
    return SIZES


def _md5_info() -> ObjectInfo:
    md5s = [hashlib.md5(DATA[a : a + n]).hexdigest() for a, n in _slices()]
    return ObjectInfo("b", "k", len(DATA), integrity.multipart_etag(md5s))


def _crc_info() -> ObjectInfo:
    composite = object_checksums.new_digest("CRC32C")
    for start, size in _slices():
        part = object_checksums.new_digest("CRC32C")
        part.update(DATA[start : start + size])
        composite.update(part.digest())
    value = f"{object_checksums.encoded(composite.digest())}-3"
    return ObjectInfo("b", "k", len(DATA), "0" * 32 + "-3", checksums={"CRC32C": value})


def _slices() -> list[tuple[int, int]]:
    starts = [sum(SIZES[:n]) for n in range(len(SIZES))]
    return list(zip(starts, SIZES, strict=True))


def _inline(info: ObjectInfo, pieces: list[tuple[int, int]]) -> InlineHash:
    """The check's first way fed ``pieces`` (offset, length) of DATA, as a stream would."""
    way = plan_check(info).ways[0]
    inline = InlineHash(way, way.slices(info.size, _sizes))
    for offset, length in pieces:
        inline.feed(offset, DATA[offset : offset + length])
    return inline


@pytest.mark.parametrize("info", [_md5_info(), _crc_info()], ids=["multipart-etag", "composite"])
@pytest.mark.parametrize(
    "pieces",
    [
        [(0, len(DATA))],  # all streamed
        [(0, 700), (700, 700), (1400, 600)],  # streamed across part boundaries, the rest read back
        [],  # nothing streamed (all by ranged GETs)
        [(1000, 500)],  # resumed: earlier bytes on disk, the stream's after a gap
        [(0, 1500), (1000, 700)],  # a retry sent bytes again: all read back
    ],
    ids=["streamed", "partly", "none", "gap", "resent"],
)
def test_inline_hashing_agrees_with_the_file(
    tmp_path: Path, info: ObjectInfo, pieces: list[tuple[int, int]]
) -> None:
    path = _file(tmp_path)
    inline = _inline(info, pieces)
    verified = "etag" if not info.checksums else "checksum"
    assert verify_download(path, "s3://b/k", info, _sizes, inline=inline) == verified


@pytest.mark.parametrize("info", [_md5_info(), _crc_info()], ids=["multipart-etag", "composite"])
def test_a_byte_damaged_on_the_way_is_caught_though_the_file_is_right(
    tmp_path: Path, info: ObjectInfo
) -> None:
    """The stream hashes what it wrote: a byte changed after (here, in the file) or before
    (in the stream) gives a mismatch either way."""
    damaged = bytearray(DATA)
    damaged[1500] ^= 1
    way = plan_check(info).ways[0]
    inline = InlineHash(way, way.slices(info.size, _sizes))
    inline.feed(0, bytes(damaged[:2000]))
    with pytest.raises(IntegrityError, match="do not match"):
        verify_download(_file(tmp_path), "s3://b/k", info, _sizes, inline=inline)
    on_disk = InlineHash(way, way.slices(info.size, _sizes))
    on_disk.feed(0, DATA[:1000])  # the damaged byte is in what is read back
    with pytest.raises(IntegrityError, match="do not match"):
        verify_download(_file(tmp_path, bytes(damaged)), "s3://b/k", info, _sizes, inline=on_disk)


def test_a_second_way_is_tried_by_reading_the_file(tmp_path: Path) -> None:
    """A CRC32C shown without ``-N`` on a multipart ETag: composite first (inline), then
    full-object (read back)."""
    full = object_checksums.encoded(
        object_checksums.file_digests(_file(tmp_path), "CRC32C", [len(DATA)])[0]
    )
    info = ObjectInfo("b", "k", len(DATA), "0" * 32 + "-3", checksums={"CRC32C": full})
    check = plan_check(info)
    assert check.ways == (Way("CRC32C", 3), Way("CRC32C", 0))
    inline = _inline(info, [(0, len(DATA))])
    assert verify_download(_file(tmp_path), "s3://b/k", info, _sizes, inline=inline) == "checksum"


def test_an_empty_object_and_a_plain_etag(tmp_path: Path) -> None:
    empty = ObjectInfo("b", "k", 0, integrity.EMPTY_MD5)
    way = plan_check(empty).ways[0]
    assert verify_download(
        _file(tmp_path, b""), "s3://b/k", empty, _sizes, inline=InlineHash(way, (0,))
    ) == ("etag")
    plain = ObjectInfo("b", "k", len(DATA), hashlib.md5(DATA).hexdigest())
    way = plan_check(plain).ways[0]
    inline = InlineHash(way, way.slices(len(DATA), _sizes))
    inline.feed(0, DATA[:10])
    assert verify_download(_file(tmp_path), "s3://b/k", plain, _sizes, inline=inline) == "etag"


def test_the_likely_parts_are_whole_mib() -> None:
    assert likely_part_sizes(256 * MiB, 32) == [8 * MiB] * 32
    assert likely_part_sizes(24 * MiB + 7, 5) == [5 * MiB] * 4 + [4 * MiB + 7]
    assert likely_part_sizes(12 * MiB, 3) == [5 * MiB, 5 * MiB, 2 * MiB]
    assert likely_part_sizes(100 * MiB, 4) == [25 * MiB] * 4
    assert likely_part_sizes(10, 1) == [10]
    assert sum(likely_part_sizes(2345, 3)) == 2345


def test_parts_other_than_the_likely_ones_are_read_back(tmp_path: Path) -> None:
    """Hashed inline over the likely parts (here wrong: 1024-byte parts), then told the
    real ones: the file is read back, and the check is as strict as ever."""
    info = _md5_info()
    way = plan_check(info).ways[0]
    inline = InlineHash(way, tuple(likely_part_sizes(len(DATA), 3)))
    inline.feed(0, DATA)
    assert inline.sizes != tuple(SIZES)
    inline.spoiled = True  # what the download does when the server's sizes differ
    assert verify_download(_file(tmp_path), "s3://b/k", info, _sizes, inline=inline) == "etag"


def test_the_hash_behind_says_which_bytes_it_takes_as_they_come() -> None:
    """Bytes that follow those hashed are hashed as they come; those after a gap (a resumed
    download's stream) are not, nor, after a repeat (a retried GET), any: they are read
    back from the file."""
    inline = InlineHash(Way("MD5", 0), (16 * MiB,))
    behind = HashBehind(inline)
    assert behind.feed(0, os.urandom(8 * MiB))
    assert behind.feed(8 * MiB, b"abc")
    assert not behind.feed(8 * MiB + 10, b"after a gap")
    behind.close()
    assert inline.position == 8 * MiB + 3
    assert behind.rate > 0  # bytes a second of the hash thread's CPU

    repeated = HashBehind(InlineHash(Way("MD5", 0), (16,)))
    assert repeated.feed(0, b"0123")
    assert not repeated.feed(2, b"23")
    assert not repeated.feed(4, b"45")  # spoiled: the whole file is read back
    repeated.close()
    assert repeated.inline.spoiled
