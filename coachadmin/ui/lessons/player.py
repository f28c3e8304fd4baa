"""Watch as a student: the lesson played through the URL the backend gives students.

What plays here is exactly what the app's students get from
``GET /api/videos/{lessonId}/stream-url``: a presigned URL that expires (one
hour on the platform). The dialog says when, and counts down.
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
        self.play_button = QPushButton("Pause" if autoplay else "Play")
        self.play_button.setObjectName("playButton")
        self.play_button.clicked.connect(self.toggle)
        self.expiry = QLabel()
        self.expiry.setObjectName("streamExpiry")
        self.expiry.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("playerStatus")
        self.player.errorOccurred.connect(
            lambda _error, text: self.status.setText(f"Cannot play: {text}")
        )
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
        self.player.setSource(QUrl(stream.url))
        if autoplay:
            self.player.play()

    def _update_expiry(self) -> None:
        self.expiry.setText(expiry_text(self.stream.expires_at))

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            self.play_button.setText("Play")
        else:
            self.player.play()
            self.play_button.setText("Pause")
