"""The first-run page ("Try the demo" / "Connect…") and the busy page shown while starting."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coachadmin.ui.icons import app_icon

TAGLINE = "Browse and upload your coaching platform's videos and images, and link them to lessons."


def _title(text: str, scale: float) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class WelcomePage(QWidget):
    """What a first-time user sees: what the app does and two ways to start."""

    demo_requested = Signal()
    #: "Connect…": the main window answers it with its connection dialog.
    connect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self.setAccessibleName("Welcome")

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setMinimumHeight(100)

        tagline = QLabel(TAGLINE)
        tagline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tagline.setWordWrap(True)
        tagline.setObjectName("welcomeTagline")

        self.demo_button = QPushButton("Try the demo")
        self.demo_button.setObjectName("tryDemoButton")
        self.demo_button.setDefault(True)
        self.demo_button.setAutoDefault(True)
        self.demo_button.clicked.connect(self.demo_requested)
        self.connect_button = QPushButton("Connect…")
        self.connect_button.setObjectName("connectButton")
        self.connect_button.clicked.connect(self.connect_requested)
        for button in (self.demo_button, self.connect_button):
            button.setMinimumSize(160, 36)

        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addStretch(1)
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.connect_button)
        buttons.addStretch(1)

        hint = _muted(
            "The demo runs a sample bucket and backend on this computer, "
            "no AWS account needed. Connect asks for your bucket, its region and your "
            "credentials."
        )

        box = QWidget()
        box.setFixedWidth(540)
        column = QVBoxLayout(box)
        column.setSpacing(14)
        column.addStretch(2)
        column.addWidget(icon)
        column.addWidget(_title("Welcome to coachadmin", 1.7))
        column.addWidget(tagline)
        column.addSpacing(10)
        column.addLayout(buttons)
        column.addSpacing(4)
        column.addWidget(hint)
        column.addStretch(3)

        # Centred horizontally by stretches, so that the wrapped labels get their height.
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box)
        outer.addStretch(1)

    def set_busy(self, busy: bool) -> None:
        self.demo_button.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)


class BusyPage(QWidget):
    """An indeterminate progress bar and one sentence: the window never looks frozen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busyPage")
        self.label = _title("", 1.25)
        self.label.setObjectName("busyLabel")
        self.detail = _muted("")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(280)
        column = QVBoxLayout(self)
        column.setSpacing(14)
        column.addStretch(2)
        column.addWidget(self.label)
        column.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.detail)
        column.addStretch(3)

    def set_text(self, text: str, detail: str = "") -> None:
        self.label.setText(text)
        self.setAccessibleName(text)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
