"""Regenerate the demo environment's sample media (run it from anywhere).

The files are committed, so neither CI nor a build needs ffmpeg or Pillow: this
script only documents how they were made and remakes them when they change.
They must stay small (a few hundred KB in all), because the demo environment
seeds them into its bucket at every start and the frozen app ships them.

    python build/make_samples.py   # needs ffmpeg on PATH and Pillow

- sample-video.mp4: 5 s of a moving test pattern with a 440 Hz tone, H.264 + AAC,
  320x180, ``+faststart`` (the index sits before the data, so a player can start
  streaming from a presigned URL before the whole file arrived).
- sample-video-moov-at-end.mp4: the same recipe without ``+faststart``: the index after
  the media, which the media check names "not streamable" (a lesson of the demo links it).
- sample-video-hevc.mp4: the same picture as HEVC (``hvc1``), which the media check names
  an unusual codec (a lesson of the demo links it).
- sample-cover.png, sample-portrait.jpg: a course cover and a coach portrait.
- sample-captions.vtt: WebVTT subtitles for the video.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parents[1] / "coachadmin" / "resources" / "sample-media"

CAPTIONS = """WEBVTT

00:00:00.000 --> 00:00:02.000
Welcome to the course.

00:00:02.000 --> 00:00:05.000
In this lesson we practise active listening.
"""


_H264 = ["-c:v", "libx264", "-preset", "veryslow", "-crf", "34", "-profile:v", "baseline"]
_HEVC = ["-c:v", "libx265", "-preset", "veryslow", "-crf", "34", "-tag:v", "hvc1",
         "-x265-params", "log-level=none"]  # fmt: skip


def make_video(target: Path, *, codec: list[str] = _H264, faststart: bool = True) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        sys.exit("ffmpeg is not on PATH: install it (apt-get install ffmpeg) and run again")
    command = [
        ffmpeg, "-y", "-hide_banner", "-loglevel", "error",
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15:duration=5",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=5",
        *codec, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k", "-ac", "1",
        "-shortest", *(["-movflags", "+faststart"] if faststart else []), "-map_metadata", "-1",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        str(target),
    ]  # fmt: skip
    subprocess.run(command, check=True)


def make_cover(target: Path) -> None:
    """A 480x270 gradient with a title band: enough to see a thumbnail render."""
    width, height = 480, 270
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(40 + 120 * y / height)
        draw.line([(0, y), (width, y)], fill=(20, shade, 110 + shade // 2))
    draw.rectangle([(0, 190), (width, 250)], fill=(250, 250, 250))
    draw.text((20, 210), "Foundations of Confident Coaching", fill=(30, 30, 30))
    image.save(target, format="PNG", optimize=True)


def make_portrait(target: Path) -> None:
    """A 240x240 JPEG: a simple face on a coloured background."""
    image = Image.new("RGB", (240, 240), (236, 201, 160))
    draw = ImageDraw.Draw(image)
    draw.ellipse([(60, 40), (180, 170)], fill=(250, 224, 196), outline=(90, 60, 40), width=3)
    draw.ellipse([(90, 85), (105, 100)], fill=(40, 40, 40))
    draw.ellipse([(135, 85), (150, 100)], fill=(40, 40, 40))
    draw.arc([(95, 105), (145, 145)], start=20, end=160, fill=(150, 40, 40), width=3)
    draw.rectangle([(50, 180), (190, 240)], fill=(40, 90, 160))
    image.save(target, format="JPEG", quality=80, optimize=True)


def main() -> None:
    make_video(HERE / "sample-video.mp4")
    make_video(HERE / "sample-video-moov-at-end.mp4", faststart=False)
    make_video(HERE / "sample-video-hevc.mp4", codec=_HEVC)
    make_cover(HERE / "sample-cover.png")
    make_portrait(HERE / "sample-portrait.jpg")
    (HERE / "sample-captions.vtt").write_text(CAPTIONS, encoding="utf-8", newline="\n")
    for path in sorted(HERE.iterdir()):
        if path.suffix != ".py":
            sys.stdout.write(f"{path.name}: {path.stat().st_size} bytes\n")


if __name__ == "__main__":
    main()
