"""The video surface (or an audio card) and the transport controls under it.

Controls: play/pause, a seek bar, elapsed and total time, mute and volume, full
screen. In full screen (double-click or the button) Escape returns and Space
plays or pauses. Everything goes through :class:`PlaybackSession`, which keeps
the presigned link alive.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtMultimedia import QAudio, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coachadmin.ui.bridge import Bridge
from coachadmin.ui.icons import icon
from coachadmin.ui.preview.media_session import PlaybackSession
from coachadmin.ui.preview.text_format import clock


def _log_to_linear(percent: int) -> float:
    """A volume slider feels even when it moves on a logarithmic (perceived) scale."""
    return QAudio.convertVolume(
        percent / 100,
        QAudio.VolumeScale.LogarithmicVolumeScale,
        QAudio.VolumeScale.LinearVolumeScale,
    )


class MediaView(QWidget):
    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewMedia")
        self.session = PlaybackSession(bridge, self)
        self.player = self.session.player

        self.video = QVideoWidget()
        self.video.setObjectName("previewVideo")
        self.video.setAccessibleName("Video")
        self.video.setMinimumHeight(120)
        self.video.installEventFilter(self)
        self.player.setVideoOutput(self.video)
        self.audio_card = QLabel()
        self.audio_card.setObjectName("previewAudioCard")
        self.audio_card.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.audio_card.setWordWrap(True)
        self.surface = QStackedWidget()
        self.surface.addWidget(self.video)
        self.surface.addWidget(self.audio_card)
        controls = self._build_controls()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.surface, 1)
        layout.addWidget(controls)
        self._connect()

    def _build_controls(self) -> QWidget:
        self.play_button = self._button("playPause", "Play", "play")
        self.seek_bar = QSlider(Qt.Orientation.Horizontal)
        self.seek_bar.setObjectName("seekBar")
        self.seek_bar.setAccessibleName("Position")
        self.seek_bar.setRange(0, 0)
        self.seek_bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.time_label = QLabel(f"{clock(0)} / {clock(0)}")
        self.time_label.setObjectName("playTime")
        self.mute_button = self._button("mute", "Mute", "volume")
        self.mute_button.setCheckable(True)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setObjectName("volume")
        self.volume.setAccessibleName("Volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setFixedWidth(70)
        self.full_screen_button = self._button("fullScreen", "Full screen", "fullscreen")

        # The seek bar has a row of its own: in a narrow pane (the window at its smallest)
        # one row left it a lone handle and cut the time short.
        controls = QWidget()
        controls.setObjectName("mediaControls")
        rows = QVBoxLayout(controls)
        rows.setContentsMargins(6, 2, 6, 4)
        rows.setSpacing(0)
        rows.addWidget(self.seek_bar)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.play_button)
        row.addWidget(self.time_label)
        row.addStretch(1)
        row.addWidget(self.mute_button)
        row.addWidget(self.volume)
        row.addWidget(self.full_screen_button)
        rows.addLayout(row)
        return controls

    def _connect(self) -> None:
        self.play_button.clicked.connect(self.session.toggle)
        self.seek_bar.sliderReleased.connect(self._seek_to_slider)
        self.seek_bar.actionTriggered.connect(self._on_slider_action)
        self.mute_button.toggled.connect(self._set_muted)
        self.volume.valueChanged.connect(self._set_volume)
        self.full_screen_button.clicked.connect(self.toggle_full_screen)
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.seekableChanged.connect(self.seek_bar.setEnabled)
        self.session.devices.audioOutputsChanged.connect(self._update_audio_controls)
        self._set_volume(self.volume.value())
        self._update_audio_controls()

    def _button(self, name: str, tip: str, icon_name: str) -> QToolButton:
        """A player button; its icon follows the palette (light and dark alike)."""
        button = QToolButton()
        button.setObjectName(name)
        button.setAccessibleName(tip)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setIcon(icon(icon_name))
        return button

    # -- content ---------------------------------------------------------------------------
    def show_video(self) -> None:
        self.surface.setCurrentWidget(self.video)
        self.full_screen_button.setEnabled(True)

    def show_audio(self, name: str) -> None:
        self.audio_card.setText(f"\N{BEAMED EIGHTH NOTES}\n\n{name}")
        self.surface.setCurrentWidget(self.audio_card)
        self.full_screen_button.setEnabled(False)

    def stop(self) -> None:
        if self.video.isFullScreen():
            self.video.setFullScreen(False)
        self.session.close()
        self._on_position(0)
        self._on_duration(0)

    def _update_audio_controls(self) -> None:
        available = self.session.has_audio_output
        for widget in (self.mute_button, self.volume):
            widget.setEnabled(available)
            widget.setToolTip("" if available else "No audio output device on this computer")

    # -- controls --------------------------------------------------------------------------
    def _seek_to_slider(self) -> None:
        self.session.seek(self.seek_bar.sliderPosition())

    def _on_slider_action(self, action: int) -> None:
        """Clicks on the groove and arrow keys move the slider: follow them."""
        if action != QSlider.SliderAction.SliderMove.value:
            self.session.seek(self.seek_bar.sliderPosition())

    def _set_muted(self, muted: bool) -> None:
        self.session.set_muted(muted)
        self.mute_button.setIcon(icon("volume-muted" if muted else "volume"))
        self.mute_button.setToolTip("Unmute" if muted else "Mute")

    def _set_volume(self, percent: int) -> None:
        self.session.set_volume(_log_to_linear(percent))

    def toggle_full_screen(self) -> None:
        self.video.setFullScreen(not self.video.isFullScreen())

    # -- player → widgets ----------------------------------------------------------------------
    def _on_position(self, position: int) -> None:
        if not self.seek_bar.isSliderDown():
            self.seek_bar.setValue(position)
        self.time_label.setText(f"{clock(position)} / {clock(self.player.duration())}")

    def _on_duration(self, duration: int) -> None:
        self.seek_bar.setRange(0, max(0, duration))
        self.seek_bar.setPageStep(max(1000, duration // 10))
        self.seek_bar.setSingleStep(5000)
        self.time_label.setText(f"{clock(self.player.position())} / {clock(duration)}")

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(icon("pause-filled" if playing else "play"))
        self.play_button.setToolTip("Pause" if playing else "Play")
        self.play_button.setAccessibleName("Pause" if playing else "Play")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.video:
            if event.type() == QEvent.Type.MouseButtonDblClick:
                self.toggle_full_screen()
                return True
            if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                if event.key() == Qt.Key.Key_Escape and self.video.isFullScreen():
                    self.video.setFullScreen(False)
                    return True
                if event.key() == Qt.Key.Key_Space:
                    self.session.toggle()
                    return True
        return super().eventFilter(watched, event)
