"""Breadcrumbs for the current folder: ``bucket > videos > 2025``, each part clickable."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from coachadmin.ui.widgets import PlaceholderLabel


class PathBar(QWidget):
    """Shows where the object list is; clicking a part emits :attr:`prefix_clicked`."""

    #: The folder prefix of the clicked part: "" for the bucket root, "videos/" etc.
    prefix_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._bucket = ""
        self._prefix = ""
        self.set_path("", "")

    @property
    def prefix(self) -> str:
        return self._prefix

    def parts(self) -> list[str]:
        """The labels shown, bucket first (tests and accessibility read this)."""
        return [self._bucket, *[p for p in self._prefix.split("/") if p]] if self._bucket else []

    def set_path(self, bucket: str, prefix: str) -> None:
        self._bucket, self._prefix = bucket, prefix
        while (item := self._layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)  # gone from findChildren at once, not at the next loop
                widget.deleteLater()
        if not bucket:
            hint = PlaceholderLabel("Not connected")
            hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            hint.setContentsMargins(4, 0, 0, 0)
            self._layout.addWidget(hint, 1)
            return
        crumbs = [(bucket, "")]
        so_far = ""
        for part in (p for p in prefix.split("/") if p):
            so_far += part + "/"
            crumbs.append((part, so_far))
        for index, (label, target) in enumerate(crumbs):
            if index:
                separator = QLabel("\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}")
                separator.setForegroundRole(QPalette.ColorRole.PlaceholderText)
                self._layout.addWidget(separator)
            if index == len(crumbs) - 1:  # the current folder: bold text, not a link
                current = QLabel(label)
                current.setObjectName("currentFolder")
                font = QFont(current.font())
                font.setBold(True)
                current.setFont(font)
                current.setContentsMargins(4, 0, 4, 0)
                self._layout.addWidget(current)
                continue
            button = QToolButton()
            button.setText(label)
            button.setAutoRaise(True)
            button.setToolTip(f"s3://{bucket}/{target}")
            button.clicked.connect(lambda _=False, t=target: self.prefix_clicked.emit(t))
            self._layout.addWidget(button)
        self._layout.addStretch(1)
        self.setAccessibleDescription(f"s3://{bucket}/{prefix}")
