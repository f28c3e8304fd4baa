"""The player streams a video by HTTP Range requests: it starts before the object arrived,
and a seek reads from the middle. Checked on the server side, by a proxy in front of moto
that counts the bytes it serves on a link capped at 4 Mbit/s.

The video (about 8 MB) is made with ffmpeg at test time; without ffmpeg the test skips.
"""

from __future__ import annotations

import gc
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtMultimedia import QMediaPlayer
from support.mediaproxy import MediaProxy
from support.preview import MEDIA_NOISE, make_video, put_object

from coachadmin.connection import Connection
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.messages import MessageBus
from coachadmin.ui.preview import PreviewPane

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore(*MEDIA_NOISE)]

REGION = "eu-north-1"
#: Bytes per second each way: 4 Mbit/s, a modest home connection. On an uncapped
#: loopback the player's TCP receive buffer (autotuned to many MB) swallows a few-MB
#: object at once whatever the player needs; a real link is what makes the count mean
#: something.
RATE = 500_000
_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


@pytest.fixture(autouse=True)
def collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """As tests/ui/conftest.py: Qt objects are never collected on a worker thread."""
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def bridge() -> Iterator[Bridge]:
    bridge = Bridge(bus=MessageBus(), max_workers=2)
    yield bridge
    bridge.shutdown(wait=True)


def test_a_video_plays_by_ranges_without_reading_the_whole_object(
    qtbot, s3_server, bridge, tmp_path
):
    video = make_video(tmp_path / "long-lesson.mp4", seconds=120, bitrate="500k")
    size = video.stat().st_size
    assert size > 5_000_000
    bucket = f"ranges-{uuid.uuid4().hex[:10]}"
    direct = Connection("moto", bucket, S3Settings(endpoint_url=s3_server, region=REGION))

    make_client(direct.s3).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    item = put_object(direct, "videos/long-lesson.mp4", video.read_bytes())

    with MediaProxy(s3_server, rate=RATE) as proxy:
        pane = PreviewPane(bridge=bridge, bus=MessageBus())
        qtbot.addWidget(pane)
        pane.resize(480, 400)
        pane.show()
        pane.set_connection(replace(direct, s3=replace(direct.s3, endpoint_url=proxy.url)))
        started = time.monotonic()
        pane.request_preview(item)  # Enter on the video: it plays as soon as it can
        qtbot.waitUntil(lambda: pane.media.player.position() > 0, timeout=10_000)
        start_time = time.monotonic() - started
        player = pane.media.player
        assert player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        served_at_start = proxy.served
        assert start_time < 2.0
        assert served_at_start < size / 2  # it did not wait for the whole object

        # A seek near the end reads from there, not everything before it.
        target = int(player.duration() * 0.9)
        pane.media.session.seek(target)
        qtbot.waitUntil(lambda: player.position() > target + 500, timeout=15_000)
        gets = proxy.gets(item.key)
        ranges = [_RANGE.fullmatch(r.headers.get("range", "")) for r in gets]
        assert all(ranges), [r.headers.get("range") for r in gets]  # every GET is ranged
        starts = [int(m.group(1)) for m in ranges if m]
        assert starts[0] == 0
        assert max(starts) > size * 0.5  # the seek's request began in the second half
        assert proxy.served < size  # the middle of the video was never read
        pane.show_object(None)
