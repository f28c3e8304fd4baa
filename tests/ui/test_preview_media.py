"""Video and audio in the preview pane, streamed from presigned URLs, offscreen.

The demo's sample video has sound; offscreen and without a sound server the player
still reaches the playing state and its position advances (the video sink may not
paint anything). The proxy in front of moto refuses dead links as S3 does.
"""

from __future__ import annotations

import io
import math
import shutil
import struct
import wave
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PySide6.QtMultimedia import QMediaPlayer
from support.mediaproxy import MediaProxy, signature
from support.preview import MEDIA_NOISE, demo_objects, pick, put_object, selected, unique_prefix

import coachadmin
from coachadmin.connection import Connection
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.media.probe import IndexPosition, probe_file
from coachadmin.media.remux import faststart
from coachadmin.ui.preview import PreviewPane
from coachadmin.ui.preview.access import S3Access
from coachadmin.ui.preview.media_session import PlaybackSession
from coachadmin.ui.preview.media_view import MediaView

pytestmark = pytest.mark.qt_log_ignore(*MEDIA_NOISE)

SAMPLES = Path(coachadmin.__file__).parent / "resources" / "sample-media"
PLAYING = QMediaPlayer.PlaybackState.PlayingState
PAUSED = QMediaPlayer.PlaybackState.PausedState


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def make_pane(qtbot, bridge, bus):
    def make(connection: Connection) -> PreviewPane:
        pane = PreviewPane(bridge=bridge, bus=bus)
        qtbot.addWidget(pane)
        pane.resize(420, 560)
        pane.show()
        pane.set_connection(connection)
        return pane

    yield make


def through(proxy: MediaProxy, connection: Connection) -> Connection:
    return replace(connection, s3=replace(connection.s3, endpoint_url=proxy.url))


def press_play(qtbot, pane: PreviewPane) -> QMediaPlayer:
    """A selected video loads paused on its first frame; the user presses play."""
    qtbot.waitUntil(lambda: pane.current_view() == "media", timeout=10_000)
    pane.media.play_button.click()
    return pane.media.player


def wait_playing(qtbot, player: QMediaPlayer, *, beyond: int = 0) -> int:
    """Until the player plays and its position has advanced past ``beyond`` + 300 ms."""
    qtbot.waitUntil(lambda: player.playbackState() == PLAYING, timeout=10_000)
    qtbot.waitUntil(lambda: player.position() > beyond + 300, timeout=10_000)
    return player.position()


def test_a_video_plays_from_a_presigned_url_and_its_position_advances(qtbot, make_pane, demo):
    pane = make_pane(demo.info.connection())
    video = pick(demo_objects(demo, "videos/"), ".mp4")
    pane.show_object(selected(demo.info.bucket, video))
    qtbot.waitUntil(lambda: pane.current_view() == "media", timeout=10_000)
    player = pane.media.player
    # Selected, it waits on its first frame with its length known: nothing plays yet.
    qtbot.waitUntil(lambda: player.duration() == 5000, timeout=10_000)
    assert player.playbackState() == PAUSED
    assert player.position() == 0
    player = press_play(qtbot, pane)
    first = wait_playing(qtbot, player)
    second = wait_playing(qtbot, player, beyond=first)
    assert second > first

    query = parse_qs(urlsplit(player.source().toString()).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "/eu-north-1/s3/aws4_request" in query["X-Amz-Credential"][0]
    # The controls follow the player: total time, seek bar range, the play/pause button.
    assert player.duration() == 5000
    assert pane.media.time_label.text().endswith("/ 0:05")
    assert pane.media.seek_bar.maximum() == 5000
    assert "0:05" in pane.info.text()
    # The browser announcing the same selection again does not restart the video.
    source = player.source()
    pane.show_object(selected(demo.info.bucket, video))
    assert player.playbackState() == PLAYING
    assert player.source() == source
    pane.media.play_button.click()
    qtbot.waitUntil(lambda: player.playbackState() == PAUSED, timeout=5_000)
    assert pane.media.play_button.toolTip() == "Play"


def test_enter_on_a_video_plays_it_and_enter_again_pauses(qtbot, make_pane, demo):
    pane = make_pane(demo.info.connection())
    item = selected(demo.info.bucket, pick(demo_objects(demo, "videos/"), ".mp4"))
    pane.request_preview(item)  # Enter (or a double-click) in the object list
    qtbot.waitUntil(lambda: pane.current_view() == "media", timeout=10_000)
    wait_playing(qtbot, pane.media.player)
    pane.request_preview(item)
    qtbot.waitUntil(lambda: pane.media.player.playbackState() == PAUSED, timeout=5_000)


def test_the_seek_bar_moves_playback(qtbot, make_pane, demo):
    pane = make_pane(demo.info.connection())
    video = pick(demo_objects(demo, "videos/"), ".mp4")
    pane.show_object(selected(demo.info.bucket, video))
    player = press_play(qtbot, pane)
    wait_playing(qtbot, player)
    pane.media.seek_bar.setSliderPosition(3500)
    pane.media.seek_bar.triggerAction(pane.media.seek_bar.SliderAction.SliderPageStepSub)
    target = pane.media.seek_bar.sliderPosition()
    qtbot.waitUntil(lambda: player.position() >= target, timeout=10_000)
    assert player.position() >= 2500


def test_selecting_another_object_stops_the_video(qtbot, make_pane, demo):
    pane = make_pane(demo.info.connection())
    objects = demo_objects(demo)
    pane.show_object(selected(demo.info.bucket, pick(objects, ".mp4")))
    wait_playing(qtbot, press_play(qtbot, pane))
    pane.show_object(selected(demo.info.bucket, pick(objects, ".png")))
    assert pane.media.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState
    qtbot.waitUntil(lambda: pane.current_view() == "image", timeout=10_000)


def test_a_corrupt_video_gives_a_message(qtbot, make_pane, demo):
    pane = make_pane(demo.info.connection())
    item = put_object(
        demo.info.connection(), f"{unique_prefix('corrupt')}lesson.mp4", b"\x00" * 4096
    )
    pane.show_object(item)
    qtbot.waitUntil(lambda: pane.current_view() == "message", timeout=15_000)
    assert "could not be played" in pane.message_view.text.text()


def _wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        samples = (
            int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate))
        )
        wav.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return out.getvalue()


def test_audio_gets_the_player_with_an_audio_card(qtbot, make_pane, demo):
    pane = make_pane(demo.info.connection())
    item = put_object(demo.info.connection(), f"{unique_prefix('audio')}intro.wav", _wav())
    pane.show_object(item)
    qtbot.waitUntil(lambda: pane.current_view() == "media", timeout=10_000)
    assert pane.media.surface.currentWidget() is pane.media.audio_card
    assert "intro.wav" in pane.media.audio_card.text()
    qtbot.waitUntil(lambda: pane.media.player.duration() > 0, timeout=10_000)
    assert abs(pane.media.player.duration() - 2000) < 100
    assert not pane.media.full_screen_button.isEnabled()


def test_an_expired_link_403_gives_a_message(qtbot, make_pane, demo):
    """The server's clock is two hours ahead: every 1-hour link is dead (403) on arrival,
    and a renewed one too. The pane says so instead of showing an empty player."""
    with MediaProxy(demo.info.s3_endpoint, clock_offset=7200) as proxy:
        pane = make_pane(through(proxy, demo.info.connection()))
        video = pick(demo_objects(demo, "videos/"), ".mp4")
        pane.show_object(selected(demo.info.bucket, video))
        qtbot.waitUntil(lambda: pane.current_view() == "message", timeout=15_000)
        text = pane.message_view.text.text()
        assert "403" in text
        assert "Request has expired" in text
        assert "clock" in text
        assert pane.media.session.renewals == 1  # it tried a fresh link once, no more
        assert len(proxy.refused) >= 2


@pytest.mark.slow  # waits for a 3-second link to die
def test_a_link_that_expired_during_a_pause_is_renewed_on_resume(qtbot, make_pane, demo):
    with MediaProxy(demo.info.s3_endpoint) as proxy:
        pane = make_pane(through(proxy, demo.info.connection()))
        pane.media_link_lifetime = timedelta(seconds=3)
        pane.media.session.renew_margin = timedelta(0)
        video = pick(demo_objects(demo, "videos/"), ".mp4")
        pane.show_object(selected(demo.info.bucket, video))
        session, player = pane.media.session, press_play(qtbot, pane)
        wait_playing(qtbot, player)
        pane.media.play_button.click()  # pause
        qtbot.waitUntil(lambda: player.playbackState() == PAUSED, timeout=5_000)
        paused_at = player.position()
        old = session.link
        assert old is not None
        # A long pause: the link dies (S3, here the proxy, refuses it from now on).
        qtbot.waitUntil(lambda: datetime.now(UTC) > old.expires_at, timeout=10_000)
        assert requests.get(old.url, timeout=10).status_code == 403

        with qtbot.waitSignal(session.link_renewed, timeout=10_000) as renewed:
            pane.media.play_button.click()  # resume
        new = renewed.args[0]
        assert signature(new.url) != signature(old.url)
        wait_playing(qtbot, player, beyond=paused_at)
        assert pane.current_view() == "media"
        assert session.renewals == 1
        assert any(signature(r.target) == signature(new.url) for r in proxy.gets(video.key))
        assert player.position() >= paused_at  # it went on from where it was paused


def test_a_refused_link_is_renewed_once_and_plays(qtbot, bridge, demo):
    """A 403 the clock did not predict (the signing credentials were withdrawn): the
    session asks S3 what is wrong, makes a new link and plays."""
    with MediaProxy(demo.info.s3_endpoint) as proxy:
        connection = through(proxy, demo.info.connection())
        access = S3Access(connection)
        video = pick(demo_objects(demo, "videos/"), ".mp4")
        old = access.presign(connection.bucket, video.key, timedelta(hours=1))
        proxy.revoke(old.url)
        session = PlaybackSession(bridge)
        failures: list[str] = []
        session.failed.connect(failures.append)

        def fresh():
            return access.presign(connection.bucket, video.key, timedelta(minutes=59))

        session.open(old, fresh)
        wait_playing(qtbot, session.player)
        assert session.renewals == 1
        assert failures == []
        assert [signature(r.target) for r in proxy.refused] == [signature(old.url)] * len(
            proxy.refused
        )
        session.close()


def test_a_video_fixed_by_faststart_plays_in_the_preview(qtbot, make_pane, demo, tmp_path):
    """The lossless fix's copy (index moved to the front) is a video the player plays."""
    late = tmp_path / "late.mp4"
    shutil.copy(SAMPLES / "sample-video-moov-at-end.mp4", late)
    fixed = faststart(late)
    assert probe_file(fixed).index is IndexPosition.FRONT
    pane = make_pane(demo.info.connection())
    chosen = put_object(
        demo.info.connection(), f"{unique_prefix('faststart')}fixed.mp4", fixed.read_bytes()
    )
    pane.show_object(chosen)
    player = press_play(qtbot, pane)
    wait_playing(qtbot, player)
    assert player.duration() > 4000  # the sample's five seconds, read from the moved index


def test_the_player_controls_fit_a_narrow_pane(qtbot, bridge):
    """The window at its smallest leaves the preview ~300 px: the seek bar keeps a row
    of its own and the time is never cut."""
    view = MediaView(bridge)
    qtbot.addWidget(view)
    view.resize(300, 260)
    view.show()
    qtbot.waitExposed(view)
    view.time_label.setText("1:02:03 / 1:10:00")
    qtbot.wait(20)
    assert view.seek_bar.width() >= 250
    assert view.time_label.width() >= view.time_label.sizeHint().width()
    buttons = (view.play_button, view.mute_button, view.volume, view.full_screen_button)
    right = max(widget.geometry().right() for widget in buttons)
    assert right <= view.width()
