"""Small test videos made with ffmpeg (apt's; the tests that need it skip without it)."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

_VIDEO = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=2"]
_SOUND = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10"]
_AAC = ["-c:a", "aac", "-b:a", "32k", "-ac", "1"]
_HEVC = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=none"]
_HEVC += ["-tag:v", "hvc1", "-pix_fmt", "yuv420p"]

#: name -> ffmpeg arguments between the inputs and the output file
RECIPES: dict[str, list[str]] = {
    "faststart.mp4": [*_VIDEO, *_SOUND, *_H264, *_AAC, "-movflags", "+faststart"],
    "moov-at-end.mp4": [*_VIDEO, *_SOUND, *_H264, *_AAC],
    "hevc.mp4": [*_VIDEO, *_SOUND, *_HEVC, *_AAC, "-movflags", "+faststart"],
    "hevc-moov-at-end.mp4": [*_VIDEO, *_HEVC],
    "audio-only.mp4": [*_SOUND, *_AAC, "-movflags", "+faststart"],
    "quicktime-named.mp4": [*_VIDEO, *_H264, "-f", "mov", "-movflags", "+faststart"],
    "prores.mov": [*_VIDEO, "-c:v", "prores_ks", "-profile:v", "3", "-movflags", "+faststart"],
    "webm.webm": [*_VIDEO, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-b:v", "100k"],
}


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        pytest.skip("ffmpeg is not installed: it makes the test media (apt-get install ffmpeg)")
    return found


def make(folder: Path, name: str) -> Path:
    """The sample ``name`` (a key of :data:`RECIPES`) in ``folder``, made once per folder."""
    target = folder / name
    if not target.exists():
        command = [ffmpeg(), "-y", "-hide_banner", "-loglevel", "error", *RECIPES[name]]
        subprocess.run([*command, str(target)], check=True, timeout=120)
    return target


def packet_hashes(path: Path) -> list[str]:
    """Every stream's packets, hashed one by one (ffmpeg's framemd5 of a stream copy)."""
    return _framemd5(path, "-c", "copy")


def frame_hashes(path: Path) -> list[str]:
    """Every decoded frame, hashed (ffmpeg's framemd5 of the decoded streams)."""
    return _framemd5(path)


def _framemd5(path: Path, *codec: str) -> list[str]:
    command = [ffmpeg(), "-v", "error", "-i", str(path), "-map", "0", *codec, "-f", "framemd5", "-"]
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def padded(sample: Path, media_bytes: int, *, index_first: bool) -> bytes:
    """``sample``'s ftyp and moov around an mdat of ``media_bytes`` zeros: a large object
    whose index sits where asked (its chunk offsets are not fixed: for probing only)."""
    data = sample.read_bytes()
    found: dict[bytes, bytes] = {}
    offset = 0
    while offset < len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        found[kind] = data[offset : offset + size]
        offset += size
    mdat = struct.pack(">I4s", media_bytes + 8, b"mdat") + bytes(media_bytes)
    middle = [found[b"moov"], mdat] if index_first else [mdat, found[b"moov"]]
    return b"".join([found[b"ftyp"], *middle])
