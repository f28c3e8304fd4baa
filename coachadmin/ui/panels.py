"""The places later issues fill: preview, lessons and transfers, each a real widget.

Each is a named, accessible widget that explains itself while it has nothing to
show. Their objectNames are the contract other modules and the tests rely on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from coachadmin.ui.icons import icon
from coachadmin.ui.widgets import PlaceholderLabel, PlaceholderTableView, PlaceholderTreeView


def name_widget(widget: QWidget, name: str, description: str) -> None:
    """objectName and accessibleName are the same identifier; the description is for people."""
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description)


def section_header(text: str, icon_name: str | None = None) -> QWidget:
    """A slim bold title above a pane."""
    header = QWidget()
    layout = QHBoxLayout(header)
    layout.setContentsMargins(8, 6, 8, 4)
    layout.setSpacing(6)
    if icon_name:
        glyph = QLabel()
        glyph.setPixmap(icon(icon_name).pixmap(16, 16))
        layout.addWidget(glyph)
    title = QLabel(text)
    font = QFont(title.font())
    font.setWeight(QFont.Weight.DemiBold)
    title.setFont(font)
    layout.addWidget(title)
    layout.addStretch(1)
    return header


class PreviewPane(QWidget):
    """Right side of the browser: the selected object's preview and details."""

    PLACEHOLDER = "Select an object to preview it"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "previewPane", "Preview and details of the selected object")
        self.setMinimumWidth(200)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(section_header("Preview", "preview"))
        # The body looks like the views beside it: a framed area on the Base colour.
        self.body = QFrame()
        self.body.setObjectName("previewBody")
        self.body.setFrameShape(QFrame.Shape.StyledPanel)
        self.body.setBackgroundRole(QPalette.ColorRole.Base)
        self.body.setAutoFillBackground(True)
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        self.placeholder = PlaceholderLabel(self.PLACEHOLDER)
        self.placeholder.setObjectName("previewPlaceholder")
        body_layout.addWidget(self.placeholder)
        layout.addWidget(self.body, 1)


class TransfersPanel(QWidget):
    """Bottom panel: the queue of uploads and downloads."""

    PLACEHOLDER = "No transfers yet. Uploads and downloads appear here with their progress."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transfersPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(section_header("Transfers", "transfers"))
        self.queue = PlaceholderTableView(self.PLACEHOLDER)
        name_widget(self.queue, "transferQueue", "Uploads and downloads, with their progress")
        self.queue.setSelectionBehavior(PlaceholderTableView.SelectionBehavior.SelectRows)
        self.queue.verticalHeader().hide()
        self.queue.horizontalHeader().setStretchLastSection(True)
        body = QVBoxLayout()
        body.setContentsMargins(6, 0, 6, 6)
        body.addWidget(self.queue)
        layout.addLayout(body, 1)


class LessonsPanel(QWidget):
    """The lessons tab: courses on the left, the selected course's lessons on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "lessonsPanel", "Courses and lessons, and the videos linked to them")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("lessonsSplitter")
        splitter.setChildrenCollapsible(False)
        self.courses = PlaceholderTreeView(
            "Courses appear here when the connection has a backend URL."
        )
        self.courses.setObjectName("courseList")
        self.courses.setHeaderHidden(True)
        self.lessons = PlaceholderTableView("Select a course to see its lessons.")
        self.lessons.setObjectName("lessonTable")
        self.lessons.verticalHeader().hide()
        splitter.addWidget(self.courses)
        splitter.addWidget(self.lessons)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 800])
        layout.addWidget(splitter)
