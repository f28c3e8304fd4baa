"""The lossless fix: the index moved to the front, the same packets and frames, original kept."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys

import pytest
from support.media import frame_hashes, packet_hashes, sha256

from coachadmin.media import boxes
from coachadmin.media.boxes import Box
from coachadmin.media.probe import IndexPosition, probe_file
from coachadmin.media.remux import (
    RemuxCancelled,
    RemuxError,
    _Layout,
    _new_index,
    faststart,
)


@pytest.mark.parametrize("name", ["moov-at-end.mp4", "hevc-moov-at-end.mp4"])
def test_the_index_moves_to_the_front_and_nothing_else_changes(sample, tmp_path, name):
    original = tmp_path / name
    shutil.copy(sample(name), original)
    before = sha256(original)
    seen: list[tuple[int, int]] = []
    fixed = faststart(original, progress=lambda done, total: seen.append((done, total)))
    try:
        assert fixed.parent == original.parent and fixed != original
        assert sha256(original) == before  # untouched
        assert probe_file(fixed).index is IndexPosition.FRONT
        assert fixed.stat().st_size == original.stat().st_size
        assert packet_hashes(fixed) == packet_hashes(original)
        assert frame_hashes(fixed) == frame_hashes(original)
        assert seen[-1] == (original.stat().st_size,) * 2
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    finally:
        fixed.unlink()


def test_cancel_removes_the_copy(sample, tmp_path):
    original = tmp_path / "lesson.mp4"
    shutil.copy(sample("moov-at-end.mp4"), original)
    with pytest.raises(RemuxCancelled):
        faststart(original, cancelled=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.mp4"]


@pytest.mark.parametrize("name", ["faststart.mp4", "webm.webm"])
def test_what_needs_no_fix_or_cannot_have_it_is_refused(sample, name):
    with pytest.raises(RemuxError):
        faststart(sample(name))


def test_a_cut_file_is_refused(sample, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(sample("moov-at-end.mp4").read_bytes()[:-100])
    with pytest.raises(RemuxError, match="incomplete"):
        faststart(cut)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4"]


def _chunk_offsets(moov: bytes) -> dict[bytes, list[int]]:
    found: dict[bytes, list[int]] = {}

    def walk(box: Box) -> None:
        for child in boxes.children(moov, box.offset + box.header, box.end):
            if child.kind in boxes.CONTAINERS:
                walk(child)
            elif child.kind in (b"stco", b"co64"):
                body = boxes.payload(moov, child)
                (count,) = struct.unpack_from(">I", body, 4)
                form, width = (">I", 4) if child.kind == b"stco" else (">Q", 8)
                found.setdefault(child.kind, []).extend(
                    struct.unpack_from(form, body, 8 + width * n)[0] for n in range(count)
                )

    walk(Box(b"moov", 0, len(moov), 8))
    return found


def test_offsets_past_4_gib_get_64_bit_tables(sample):
    """An index moved in front of more than 4 GiB of media: every stco becomes a co64."""
    data = sample("moov-at-end.mp4").read_bytes()
    top = list(boxes.children(data))
    moov = next(box for box in top if box.kind == b"moov")
    mdat = next(box for box in top if box.kind == b"mdat")
    old = _chunk_offsets(boxes_bytes := data[moov.offset : moov.end])[b"stco"]
    # The same file, but as if a 5 GiB box sat between the media and the index.
    pad = Box(b"free", mdat.end, 5 * 1024**3, 8)
    moved = Box(b"moov", pad.end, moov.size, moov.header)
    layout = _Layout([*[b for b in top if b.kind != b"moov"], pad, moved], moved)
    new = _new_index(boxes_bytes, layout)
    offsets = _chunk_offsets(new)
    assert b"stco" not in offsets
    assert offsets[b"co64"] == [offset + len(new) for offset in old]
    assert struct.unpack_from(">I", new, 0)[0] == len(new) > moov.size


@pytest.mark.skipif(
    sys.platform != "linux" or shutil.which("unshare") is None, reason="needs unshare (Linux)"
)
def test_not_enough_free_space_is_said_before_writing(sample, tmp_path):
    """On a 4 MiB tmpfs (a mount namespace of its own) the fix needs more than is free."""
    mount = tmp_path / "small"
    mount.mkdir()
    script = (
        "import shutil, sys; from pathlib import Path; "
        "from coachadmin.media.remux import faststart, NotEnoughSpace\n"
        f"target = Path({str(mount)!r}) / 'lesson.mp4'\n"
        f"shutil.copy({str(sample('moov-at-end.mp4'))!r}, target)\n"
        "try:\n    faststart(target)\nexcept NotEnoughSpace as e:\n"
        "    print(e); print(sorted(p.name for p in target.parent.iterdir()))\n"
    )
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c",
         'mount -t tmpfs -o size=4m tmpfs "$0" && exec "$1" -c "$2"',
         str(mount), sys.executable, script],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if result.returncode and "Operation not permitted" in result.stderr:
        pytest.skip("mount namespaces are not allowed here")
    assert result.returncode == 0, result.stderr
    message, listing = result.stdout.strip().splitlines()
    assert message.startswith("Not enough free space in ") and "Free some space" in message
    assert listing == "['lesson.mp4']"
