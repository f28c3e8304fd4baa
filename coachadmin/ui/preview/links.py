"""Links to the selected object: "Open in browser" and "Copy link" with a lifetime to choose.

Both go through presigned GET URLs made on a worker (locally: no network call). When
the signing credentials expire before the chosen lifetime, the user is told when the
link really stops working.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QComboBox, QGridLayout, QPushButton, QWidget

from coachadmin.s3.presign import DEFAULT_EXPIRY, EXPIRY_CHOICES, PresignedUrl
from coachadmin.ui.messages import MessageBus


class LinkBar(QWidget):
    """ "Open in browser" and "Copy link" (with the link's lifetime), through presigned URLs."""

    open_requested = Signal()
    copy_requested = Signal(object)  # timedelta

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewLinks")
        # Two rows: the pane is often narrow (280 px by default) and one row clipped.
        layout = QGridLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(6)
        self.open_button = QPushButton("Open in browser")
        self.open_button.setObjectName("openInBrowser")
        self.open_button.setToolTip("Open the object in your web browser through a 1-hour link")
        self.copy_button = QPushButton("Copy link")
        self.copy_button.setObjectName("copyLink")
        self.copy_button.setToolTip("Copy a presigned link that works for the chosen time")
        self.expiry = QComboBox()
        self.expiry.setObjectName("linkExpiry")
        self.expiry.setAccessibleName("Link lifetime")
        self.expiry.setToolTip("How long the copied link works (S3 allows up to 7 days)")
        for label, duration in EXPIRY_CHOICES:
            self.expiry.addItem(label, duration)
        self.expiry.setCurrentIndex(
            next(i for i, (_, d) in enumerate(EXPIRY_CHOICES) if d == DEFAULT_EXPIRY)
        )
        layout.addWidget(self.open_button, 0, 0, 1, 2)
        layout.addWidget(self.copy_button, 1, 0)
        layout.addWidget(self.expiry, 1, 1)
        self.open_button.clicked.connect(self.open_requested)
        self.copy_button.clicked.connect(self._copy)

    def chosen_expiry(self) -> timedelta:
        value = self.expiry.currentData()
        return value if isinstance(value, timedelta) else DEFAULT_EXPIRY

    def _copy(self) -> None:
        self.copy_requested.emit(self.chosen_expiry())


def open_in_browser(link: PresignedUrl, bus: MessageBus) -> None:
    if not QDesktopServices.openUrl(QUrl(link.url)):
        bus.warning("No web browser could be opened for the link. Use Copy link instead.")
    elif link.dot_segments:  # the browser will drop those parts: say why it fails there
        bus.warning(f"Opened in the browser. {link.warning()}")


def copy_to_clipboard(link: PresignedUrl, bus: MessageBus) -> None:
    QGuiApplication.clipboard().setText(link.url)
    warning = link.warning()
    if warning:
        if not link.limited_by_credentials:  # the warning does not say when it ends
            until = link.expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
            warning = f"It works until {until}. {warning}"
        bus.warning(f"Link copied. {warning}")
    else:
        until = link.expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
        bus.info(f"Link copied: it works until {until}.")
