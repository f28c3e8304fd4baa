"""The lessons panel's questions and pickers: which video, which lesson, replace?, delete?

All open window-modal with ``open()`` and report through signals or callbacks,
so the event loop keeps running (and tests can answer them like a person would).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coachadmin.backend.models import Lesson
from coachadmin.display import format_size
from coachadmin.s3.listing import ObjectInfo
from coachadmin.services.lesson_usage import LessonRef
from coachadmin.services.link_check import is_legacy_id

if TYPE_CHECKING:
    from coachadmin.ui.lessons.work import VideoInfo

KEY_ROLE = Qt.ItemDataRole.UserRole + 10
REF_ROLE = Qt.ItemDataRole.UserRole + 11


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _filter_box(placeholder: str) -> QLineEdit:
    box = QLineEdit()
    box.setPlaceholderText(placeholder)
    box.setClearButtonEnabled(True)
    return box


class ChooseVideoDialog(QDialog):
    """ "Link video…" on a lesson: pick one of the objects under ``videos/``."""

    def __init__(self, lesson: Lesson, videos: list[ObjectInfo], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("chooseVideoDialog")
        self.setWindowTitle("Link a video")
        self.resize(560, 420)
        self.filter = _filter_box("Filter videos")
        self.list = QListWidget()
        self.list.setObjectName("videoChoices")
        for video in sorted(videos, key=lambda v: v.key):
            item = QListWidgetItem(f"{video.key}    {format_size(video.size)}")
            item.setData(KEY_ROLE, video.key)
            if video.key == lesson.video_id:
                item.setText(item.text() + "    (linked now)")
            self.list.addItem(item)
        self.filter.textChanged.connect(self._filter)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        intro = QLabel(f"Choose the video for “{lesson.title}”:")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(_buttons(self, "Link"))

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for number in range(self.list.count()):
            item = self.list.item(number)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def select_key(self, key: str) -> None:
        for number in range(self.list.count()):
            if self.list.item(number).data(KEY_ROLE) == key:
                self.list.setCurrentRow(number)

    def selected_key(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(KEY_ROLE)) if item is not None else None


class ChooseLessonDialog(QDialog):
    """ "Link to lesson…" on an object: pick a lesson of any course."""

    def __init__(self, key: str, lessons: list[LessonRef], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("chooseLessonDialog")
        self.setWindowTitle("Link to a lesson")
        self.resize(620, 480)
        self.filter = _filter_box("Filter lessons")
        self.tree = QTreeWidget()
        self.tree.setObjectName("lessonChoices")
        self.tree.setHeaderLabels(["Lesson", "Video now"])
        self.tree.setColumnWidth(0, 330)
        courses: dict[str, QTreeWidgetItem] = {}
        for ref in lessons:
            parent_item = courses.get(ref.course.id)
            if parent_item is None:
                parent_item = QTreeWidgetItem([ref.course.title, ""])
                parent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                courses[ref.course.id] = parent_item
                self.tree.addTopLevelItem(parent_item)
            video = ref.lesson.video_id or "—"
            item = QTreeWidgetItem([f"{ref.lesson.order}. {ref.lesson.title}", video])
            item.setData(0, REF_ROLE, ref)
            parent_item.addChild(item)
        self.tree.expandAll()
        self.filter.textChanged.connect(self._filter)
        self.tree.itemDoubleClicked.connect(
            lambda item, _col: self.accept() if item.data(0, REF_ROLE) else None
        )
        layout = QVBoxLayout(self)
        intro = QLabel(f"Link {key} to which lesson?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addWidget(_buttons(self, "Link"))

    def _lesson_items(self) -> list[QTreeWidgetItem]:
        items = []
        for top in range(self.tree.topLevelItemCount()):
            course = self.tree.topLevelItem(top)
            if course is not None:
                items += [c for n in range(course.childCount()) if (c := course.child(n))]
        return items

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for item in self._lesson_items():
            item.setHidden(bool(needle) and needle not in item.text(0).lower())

    def select_lesson(self, lesson_id: str) -> None:
        for item in self._lesson_items():
            ref = item.data(0, REF_ROLE)
            if isinstance(ref, LessonRef) and ref.lesson.id == lesson_id:
                self.tree.setCurrentItem(item)

    def selected(self) -> LessonRef | None:
        item = self.tree.currentItem()
        ref = item.data(0, REF_ROLE) if item is not None else None
        return ref if isinstance(ref, LessonRef) else None


def describe_current(video_id: str, info: VideoInfo | None) -> str:
    if is_legacy_id(video_id) or "/" not in video_id:
        return f"{video_id}\nA legacy Cloudflare Stream id: it plays nowhere any more."
    if info is None:
        return f"{video_id}\nMissing from the bucket: students see an error now."
    return f"{video_id}\n{format_size(info.size)}"


class ReplaceLinkDialog(QDialog):
    """Asks before a lesson's video is replaced, showing both videos."""

    def __init__(
        self,
        lesson: Lesson,
        *,
        old: str,
        new: str,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("replaceLinkDialog")
        self.setWindowTitle("Replace the lesson's video?")
        self.setMinimumWidth(520)
        question = QLabel(
            f"<b>“{lesson.title}” already has a video.</b> Replace it? Students see the new "
            "video from now on; the old one stays in the bucket."
        )
        question.setWordWrap(True)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.old_label = QLabel(old)
        self.old_label.setObjectName("replaceOld")
        self.new_label = QLabel(new)
        self.new_label.setObjectName("replaceNew")
        for label in (self.old_label, self.new_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        grid.addWidget(QLabel("<b>Now</b>"), 0, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.old_label, 0, 1)
        grid.addWidget(QLabel("<b>New</b>"), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.new_label, 1, 1)
        buttons = _buttons(self, "Replace")
        self.replace_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.replace_button.setObjectName("replaceButton")
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addLayout(grid)
        layout.addWidget(buttons)


def ask(
    parent: QWidget | None,
    *,
    name: str,
    title: str,
    text: str,
    detail: str,
    yes_text: str,
    on_yes: Callable[[], None],
    destructive: bool = False,
) -> QMessageBox:
    """A window-modal question; ``on_yes`` runs only if the person clicks ``yes_text``."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(detail)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("yesButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)  # a stray Enter never deletes anything

    def clicked(button: object) -> None:
        if button is yes:
            on_yes()

    box.buttonClicked.connect(clicked)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
