"""One line in the status bar when a newer internal release exists, and its download.

The check runs on a worker a few seconds after the window is up, so it never delays
start-up; it happens once per start, only when a feed is configured and the setting
``check_for_updates`` is on. The line waits while transfers run (a new version is not
news worth interrupting an upload for), and so does the download: the installer shares
the link with the uploads. Nothing installs by itself: the verified installer is saved
in the Downloads folder and shown there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from coachadmin.errors import UserFacingError
from coachadmin.services.updates import Update, download, feed_url, newer_release, read_feed
from coachadmin.settings import Settings, load_settings
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.transfers.service import TransferService

log = logging.getLogger("coachadmin.ui.updates")

#: How long after the window is up the check starts.
CHECK_DELAY_MS = 8000


def downloads_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return Path(location) if location else Path.home()


class UpdateNotice(QWidget):
    #: Bytes of the installer downloaded so far, and its size when known (from the worker).
    progressed = Signal(int, object)

    def __init__(
        self,
        bridge: Bridge,
        transfers: TransferService,
        *,
        settings: Callable[[], Settings] = load_settings,
        folder: Callable[[], Path] = downloads_folder,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("updateNotice")
        self.bridge = bridge
        self.transfers = transfers
        self._settings = settings
        self._folder = folder
        self.release: Update | None = None
        self.saved: Path | None = None
        self.label = QLabel()
        self.label.setObjectName("updateText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.download_button = QToolButton()
        self.download_button.setObjectName("updateDownload")
        self.download_button.setText("Download")
        self.download_button.clicked.connect(self.start_download)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setObjectName("updateDismiss")
        self.dismiss_button.setText("✕")
        self.dismiss_button.setToolTip("Hide until the next start")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.download_button, self.dismiss_button):
            layout.addWidget(widget)
        self.progressed.connect(self._show_progress)
        transfers.events.connect(lambda _batch: self._show_when_idle())
        self.hide()

    # -- the check ----------------------------------------------------------------------
    def start(self, delay_ms: int = CHECK_DELAY_MS) -> None:
        QTimer.singleShot(delay_ms, self, self.check)

    def check(self) -> None:
        url = feed_url(self._settings())
        if url is None:
            return
        self.bridge.run(
            lambda: newer_release(read_feed(url)),
            on_result=self._found,
            on_error=lambda error: log.info("update check: %s", error),
            owner=self,
        )

    def _found(self, update: Update | None) -> None:
        if update is None:
            return
        log.info("coachadmin %s is available", update.version)
        self.release = update
        self.label.setText(f"coachadmin {update.version} is available")
        self.setToolTip(update.notes or f"A newer release of coachadmin: {update.version}")
        self._show_when_idle()

    def dismiss(self) -> None:
        """Hide the line until the next start: the release is forgotten, so no later
        transfer event brings it back."""
        self.release = None
        self.hide()

    def _show_when_idle(self) -> None:
        if self.release is None or self.isVisible() or self.saved is not None:
            return
        if not self.transfers.unfinished():
            self.show()

    # -- the download -------------------------------------------------------------------
    def start_download(self) -> None:
        update = self.release
        if update is None:
            return
        if self.transfers.unfinished():
            self.label.setText("Download after your transfers finish")
            return
        folder = self._folder()
        self.download_button.setEnabled(False)
        self.label.setText(f"Downloading coachadmin {update.version}…")
        self.bridge.run(
            lambda: download(update, folder, progress=self.progressed.emit),
            on_result=self._downloaded,
            on_error=self._failed,
            owner=self,
        )

    def _show_progress(self, done: int, total: object) -> None:
        if isinstance(total, int) and total > 0 and self.release is not None:
            percent = min(100, done * 100 // total)
            self.label.setText(f"Downloading coachadmin {self.release.version}… {percent} %")

    def _downloaded(self, path: Path) -> None:
        self.saved = path
        self.label.setText(f"Saved {path.name} (checked): quit coachadmin, then open it")
        self.download_button.setText("Show in folder")
        self.download_button.setEnabled(True)
        self.download_button.clicked.disconnect(self.start_download)
        self.download_button.clicked.connect(self.show_folder)

    def _failed(self, error: UserFacingError) -> None:
        self.label.setText(str(error))
        self.download_button.setEnabled(True)

    def show_folder(self) -> None:
        if self.saved is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved.parent)))
