"""Media readiness: probe time for a 2 GiB MP4, and faststart remux throughput against the disk.

Makes a 2 GiB H.264/AAC MP4 with its index at the end once (ffmpeg: a 10 s 640x360 clip at
8 Mbit/s, looped by stream copy, so the index holds the samples of a 36-minute lesson),
then:

- probes it N times with its pages evicted from the page cache first (cold: what a
  freshly copied file costs) and N times warm, with the bytes read;
- remuxes it to faststart (``coachadmin.media.remux.faststart``) and copies it with a
  plain read/write loop of the same chunk size and an fsync, alternately, into the same
  folder: the copy is the disk's speed, the target for the remux.

    python bench/bench_media.py [--folder DIR] [--size-gib 2] [--runs 3]

Needs ffmpeg (apt-get install ffmpeg) and 3x the size free in DIR (default: a temp folder).
Targets: probe < 0.5 s; remux at the speed of the copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from coachadmin.media.probe import probe
from coachadmin.media.remux import CHUNK, faststart
from coachadmin.media.source import FileSource

GiB = 1024**3
PROBE_TARGET_S = 0.5


def make_big(folder: Path, size: int) -> Path:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        sys.exit("ffmpeg is not on PATH: install it (apt-get install ffmpeg)")
    clip, big = folder / "clip.mp4", folder / "big.mp4"
    if big.exists() and big.stat().st_size >= size:
        return big
    quiet = [ffmpeg, "-y", "-hide_banner", "-loglevel", "error"]
    subprocess.run(
        [*quiet, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=10",
         "-f", "lavfi", "-i", "sine=duration=10", "-vf", "noise=alls=40:allf=t",
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-maxrate", "8M",
         "-bufsize", "8M", "-c:a", "aac", "-b:a", "128k", str(clip)],
        check=True,
    )  # fmt: skip
    loops = size // clip.stat().st_size + 1
    subprocess.run(
        [*quiet, "-stream_loop", str(loops - 1), "-i", str(clip), "-c", "copy", str(big)],
        check=True,
    )
    return big


def evict(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def time_probe(path: Path, *, cold: bool) -> tuple[float, int]:
    if cold:
        evict(path)
    started = time.perf_counter()
    with path.open("rb") as handle:
        source = FileSource(handle, path.stat().st_size)
        info = probe(source)
    elapsed = time.perf_counter() - started
    assert info.index_read and info.video is not None
    return elapsed, source.bytes_read


def plain_copy(path: Path) -> Path:
    target = path.with_name("copy.mp4")
    buffer = memoryview(bytearray(CHUNK))
    with path.open("rb") as src, target.open("wb") as out:
        while got := src.readinto(buffer):
            out.write(buffer[:got])
        out.flush()
        os.fsync(out.fileno())
    return target


def timed(step: Callable[[Path], Path], path: Path) -> float:
    """Seconds ``step`` takes to write its copy of ``path`` (read cold); the copy removed."""
    evict(path)
    started = time.perf_counter()
    result = step(path)
    elapsed = time.perf_counter() - started
    result.unlink()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="where the big file goes (kept for reruns)")
    parser.add_argument("--size-gib", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench-media-"))
    folder.mkdir(parents=True, exist_ok=True)
    big = make_big(folder, int(args.size_gib * GiB))
    size = big.stat().st_size
    with big.open("rb") as handle:
        info = probe(FileSource(handle, size))
    assert info.index is not None and info.duration is not None
    print(f"file: {size / GiB:.2f} GiB, {info.duration:.0f} s, moov at the {info.index.value}")

    medians = {}
    for cold in (True, False):
        runs = [time_probe(big, cold=cold) for _ in range(args.runs)]
        times = [t for t, _ in runs]
        label = "cold" if cold else "warm"
        medians[label] = statistics.median(times)
        print(
            f"probe ({label}): " + ", ".join(f"{t * 1000:.1f} ms" for t in times)
            + f"; median {medians[label] * 1000:.1f} ms, {runs[0][1] / 1e6:.2f} MB read"
        )  # fmt: skip
    remux, copy = [], []
    for _ in range(args.runs):
        remux.append(size / timed(faststart, big) / 1e6)
        copy.append(size / timed(plain_copy, big) / 1e6)
    print("remux MB/s: " + ", ".join(f"{r:.0f}" for r in remux))
    print("copy  MB/s: " + ", ".join(f"{c:.0f}" for c in copy))
    ratio = statistics.median(remux) / statistics.median(copy)
    print(f"remux / copy (medians): {ratio:.2f}")
    print(f"(the file stays in {folder} for the next run)")
    return 0 if medians["cold"] < PROBE_TARGET_S and ratio > 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
