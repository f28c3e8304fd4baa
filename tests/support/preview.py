"""Helpers for the preview and thumbnail tests: demo objects, videos made with ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from coachadmin.connection import Connection
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.client import make_client
from coachadmin.s3.listing import ObjectInfo, iter_objects
from coachadmin.ui.browser.selection import SelectedObject

#: What Qt Multimedia says on a machine with no sound server and no GPU (CI, offscreen).
#: None of it is a failure of the code under test: playback goes on without them.
MEDIA_NOISE = (
    r"pipewire",
    r"PulseAudioService",
    r"No audio device detected",
    r"No RHI backend",
    r"Could not open media",  # the corrupt-video and 403 tests provoke this on purpose
    r"This plugin does not support propagateSizeHints",
)


def demo_objects(env: DemoEnvironment, prefix: str = "") -> dict[str, ObjectInfo]:
    client = make_client(env.info.s3_settings())
    try:
        return {info.key: info for info in iter_objects(client, env.info.bucket, prefix)}
    finally:
        client.close()


def pick(objects: dict[str, ObjectInfo], suffix: str) -> ObjectInfo:
    return next(info for key, info in sorted(objects.items()) if key.endswith(suffix))


def selected(bucket: str, info: ObjectInfo) -> SelectedObject:
    return SelectedObject(bucket, info.key, info)


def put_object(connection: Connection, key: str, body: bytes) -> SelectedObject:
    """Upload ``body`` (through the connection's endpoint) and return it as a selection."""
    client = make_client(connection.s3)
    try:
        client.put_object(Bucket=connection.bucket, Key=key, Body=body)
        head = client.head_object(Bucket=connection.bucket, Key=key)
    finally:
        client.close()
    info = ObjectInfo(
        key=key,
        size=int(head["ContentLength"]),
        last_modified=head.get("LastModified"),
        etag=str(head.get("ETag", "")).strip('"'),
        storage_class="STANDARD",
    )
    return SelectedObject(connection.bucket, key, info)


def unique_prefix(name: str) -> str:
    return f"tests/{name}-{uuid.uuid4().hex[:8]}/"


def make_video(target: Path, *, seconds: int, bitrate: str, size: str = "320x180") -> Path:
    """A faststart H.264 video of noise (incompressible: its size follows the bitrate).

    Skips the calling test when ffmpeg is not installed (``apt-get install ffmpeg``).
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed: it makes the test video (apt-get install ffmpeg)")
    command = [
        ffmpeg, "-y", "-hide_banner", "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=10:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-vf", "noise=alls=30:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
        "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate, "-g", "20",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k", "-ac", "1",
        "-movflags", "+faststart", str(target),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=300)
    return target
