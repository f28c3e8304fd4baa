"""Video and audio played straight from a presigned GET URL, with the link kept alive.

The player (Qt Multimedia's FFmpeg backend) reads the object with HTTP Range
requests, so a large video starts at once and a seek reads from the middle. A
presigned link dies after its lifetime, usually while the user has paused: on
resume (or seek) the session notices the link is (about to be) dead, makes a new one
on a worker (locally, no network call) and carries on from the same position. If
the player still fails (a 403 the clock did not predict: credentials rotated, the
server's clock ahead), the session asks S3 itself what is wrong with the link,
renews once on a 403, and otherwise reports a sentence for the pane.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

from coachadmin.errors import UserFacingError
from coachadmin.s3.presign import PresignedUrl
from coachadmin.ui.bridge import Bridge, Latest
from coachadmin.ui.preview.access import LinkStatus, probe_link

log = logging.getLogger("coachadmin.preview")

#: A link this close to its end is renewed before the player uses it again.
RENEW_MARGIN = timedelta(seconds=30)

LinkMaker = Callable[[], PresignedUrl]
Clock = Callable[[], datetime]

_LOADED = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PlaybackSession(QObject):
    """Owns the QMediaPlayer, its audio output and the link it plays."""

    #: A sentence for the pane: the media cannot be played (after any renewal).
    failed = Signal(str)
    #: A new link is in use (after a renewal); tests and the log follow it.
    link_renewed = Signal(object)  # PresignedUrl

    def __init__(
        self,
        bridge: Bridge,
        parent: QObject | None = None,
        *,
        clock: Clock = _utc_now,
        renew_margin: timedelta = RENEW_MARGIN,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.clock = clock
        self.renew_margin = renew_margin
        self.player = QMediaPlayer(self)
        self.audio: QAudioOutput | None = None
        self._volume = 0.8
        self._muted = False
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(self._attach_audio)
        self._attach_audio()
        self.link: PresignedUrl | None = None
        self._make_link: LinkMaker | None = None
        #: What plays now: a renewal or a diagnosis for an earlier object is dropped.
        self._playing = Latest()
        self._ticket = self._playing.begin()
        self._pending_position: int | None = None
        self._last_position = 0
        self._renewed_after_error = False
        #: After a renewal forced by an error: the position past which playback counts as
        #: healthy again (so one bad link cannot make it renew forever).
        self._healthy_after: int | None = None
        #: Whether the user wants it playing (a renewed link resumes, or waits paused).
        self._intends_to_play = False
        self.renewals = 0
        self.player.positionChanged.connect(self._on_position)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(self._on_error)

    # -- audio ---------------------------------------------------------------------------
    def _attach_audio(self) -> None:
        """An audio output only when the machine has a device: headless, video plays silent."""
        if self.audio is not None or not QMediaDevices.audioOutputs():
            return
        self.audio = QAudioOutput(self)
        self.audio.setVolume(self._volume)
        self.audio.setMuted(self._muted)
        self.player.setAudioOutput(self.audio)

    @property
    def has_audio_output(self) -> bool:
        return self.audio is not None

    def set_volume(self, linear: float) -> None:
        self._volume = linear
        if self.audio is not None:
            self.audio.setVolume(linear)

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        if self.audio is not None:
            self.audio.setMuted(muted)

    # -- what plays ----------------------------------------------------------------------
    def open(self, link: PresignedUrl, make_link: LinkMaker, *, autoplay: bool = True) -> None:
        """Load ``link`` (and play it with ``autoplay``); ``make_link`` (run on a worker) makes
        a fresh one when it dies."""
        self._ticket = self._playing.begin()
        self._make_link = make_link
        self._pending_position = None
        self._last_position = 0
        self._renewed_after_error = False
        self._healthy_after = None
        self._intends_to_play = autoplay
        self._use(link)
        if autoplay:
            self.player.play()
        else:
            self.player.pause()  # paused at the start: the first frame shows, nothing plays

    def close(self) -> None:
        """Stop and let go of the link (selection changed, pane cleared)."""
        self._playing.drop()
        self._make_link = None
        self.link = None
        self.player.stop()
        self.player.setSource(QUrl())

    def _use(self, link: PresignedUrl) -> None:
        self.link = link
        url = QUrl(link.url)
        if self.player.source() == url:
            # A link renewed within the same second is the same URL, and QMediaPlayer
            # ignores a source it already has: clear it so the player opens it afresh.
            self.player.setSource(QUrl())
        self.player.setSource(url)

    def link_is_stale(self) -> bool:
        if self.link is None:
            return False
        return self.clock() >= self.link.effective_expires_at - self.renew_margin

    # -- controls ------------------------------------------------------------------------
    def play(self) -> None:
        self._intends_to_play = True
        if self.link_is_stale():
            self._renew(self._last_position, resume=True)
            return
        self.player.play()

    def pause(self) -> None:
        self._intends_to_play = False
        self.player.pause()

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.pause()
        else:
            self.play()

    def seek(self, position: int) -> None:
        self._last_position = position
        if self.link_is_stale():
            self._renew(position, resume=self._intends_to_play)
            return
        self.player.setPosition(position)

    # -- renewal ---------------------------------------------------------------------------
    def _renew(self, position: int, *, resume: bool) -> None:
        if self._make_link is None:
            return
        ticket = self._ticket
        log.info("renewing the media link (position %d ms)", position)

        @ticket.only  # another object may be playing by then
        def renewed(link: PresignedUrl) -> None:
            self.renewals += 1
            self._pending_position = position
            self._use(link)
            self.link_renewed.emit(link)
            if resume:
                self.player.play()
            else:
                self.player.pause()  # loads it and shows the frame at the position

        self.bridge.run(
            self._make_link,
            on_result=renewed,
            on_error=ticket.only(lambda error: self.failed.emit(str(error))),
            owner=self,
        )

    # -- player events -----------------------------------------------------------------------
    def _on_position(self, position: int) -> None:
        if self._pending_position is None:
            self._last_position = position
            if self._healthy_after is not None and position > self._healthy_after:
                self._renewed_after_error = False  # it plays again: a later 403 may renew again
                self._healthy_after = None

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in _LOADED and self._pending_position is not None:
            position, self._pending_position = self._pending_position, None
            self.player.setPosition(position)

    def _on_error(self, error: QMediaPlayer.Error, text: str) -> None:
        """The player says only "could not open": ask S3 about the link to say why."""
        if error == QMediaPlayer.Error.NoError or self.link is None:
            return
        log.info("the player failed (%s: %s); checking the link", error.name, text)
        self.bridge.run(
            probe_link,
            self.link.url,
            on_result=self._ticket.only(self._diagnosed),
            owner=self,
        )

    def _diagnosed(self, status: LinkStatus) -> None:
        if status.status == 403 and not self._renewed_after_error:
            self._renewed_after_error = True
            self._healthy_after = self._last_position + 1000
            self._renew(self._last_position, resume=self._intends_to_play)
            return
        error: UserFacingError = status.error()
        self.failed.emit(str(error))
