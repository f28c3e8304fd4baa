"""What the pane shows instead of a preview: a message (never a blank pane), or "Loading…"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from coachadmin.ui.widgets import PlaceholderLabel


class MessageView(QWidget):
    """An icon, a sentence that says what happened and what to do, and "Try again"."""

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        layout.addStretch(1)
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(32, 32)
        )
        self.text = QLabel()
        self.text.setObjectName("previewMessage")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry = QPushButton("Try again")
        self.retry.setObjectName("previewRetry")
        self.retry.clicked.connect(self.retry_requested)
        layout.addWidget(self.icon)
        layout.addWidget(self.text)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def show_message(self, text: str, *, retry: bool = True) -> None:
        self.text.setText(text)
        self.text.setAccessibleName(text)
        self.retry.setVisible(retry)


class LoadingView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        self.label = PlaceholderLabel("Loading…")
        self.label.setObjectName("previewLoading")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy
        bar.setTextVisible(False)
        bar.setMaximumHeight(6)
        layout.addWidget(self.label)
        layout.addWidget(bar)
        layout.addStretch(1)
