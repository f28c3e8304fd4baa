"""Watch as a student: the lesson played through the URL the backend gives students.

What plays here is exactly what the app's students get from
``GET /api/videos/{lessonId}/stream-url``: a presigned URL that expires (one
hour on the platform). The dialog says when, and counts down. Its button says
what a click does: Pause while the video plays, Play once it is paused, has
ended or could not play.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coachadmin.backend.models import Lesson, StreamUrl


def expiry_text(expires_at: datetime | None, now: datetime | None = None) -> str:
    """``Expires at 14:05 (in 59 minutes)``, in local time."""
    if expires_at is None:
        return "The backend did not say when this link expires."
    now = now or datetime.now(UTC)
    seconds = (expires_at - now).total_seconds()
    local = expires_at.astimezone().strftime("%H:%M")
    if seconds <= 0:
        return f"This link expired at {local}: close and open the lesson again for a new one."
    minutes = int(seconds // 60)
    left = f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes else "less than a minute"
    return f"This student link expires at {local} (in {left})."


class StudentPlayer(QDialog):
    def __init__(
        self, lesson: Lesson, stream: StreamUrl, parent: QWidget | None, *, autoplay: bool = True
    ) -> None:
        super().__init__(parent)
        self.setObjectName("studentPlayer")
        self.setWindowTitle(f"{lesson.title} — as a student sees it")
        self.resize(720, 480)
        self.stream = stream
        self.video = QVideoWidget()
        self.video.setMinimumSize(320, 180)
        self.audio = QAudioOutput(self)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoOutput(self.video)
        #: The video plays or is about to (a play asked for while it loads).
        self.playing = autoplay
        self.play_button = QPushButton()
        self.play_button.setObjectName("playButton")
        self.play_button.clicked.connect(self.toggle)
        self.expiry = QLabel()
        self.expiry.setObjectName("streamExpiry")
        self.expiry.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("playerStatus")
        self.player.errorOccurred.connect(self._failed)
        self.player.playbackStateChanged.connect(self._state_changed)
        self.player.mediaStatusChanged.connect(self._status_changed)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.expiry, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(30_000)
        self._timer.timeout.connect(self._update_expiry)
        self._timer.start()
        self._update_expiry()
        self.finished.connect(lambda _code: self.player.stop())
        self._set_playing(autoplay)
        self.player.setSource(QUrl(stream.url))
        if autoplay:
            self.player.play()

    def _update_expiry(self) -> None:
        self.expiry.setText(expiry_text(self.stream.expires_at))

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        self.play_button.setText("Pause" if playing else "Play")

    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        self._set_playing(state == QMediaPlayer.PlaybackState.PlayingState)

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            self._set_playing(False)

    def _failed(self, _error: QMediaPlayer.Error, text: str) -> None:
        self.status.setText(f"Cannot play: {text}")
        self._set_playing(False)

    def toggle(self) -> None:
        # Said first: the player may report its new state from inside play() or pause().
        play = not self.playing
        self._set_playing(play)
        if play:
            self.player.play()
        else:
            self.player.pause()
