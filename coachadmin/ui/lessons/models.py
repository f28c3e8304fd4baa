"""Models of the lessons panel: courses, a course's lessons with their link states, a filter.

The lesson model accepts drops of S3 objects (:mod:`coachadmin.ui.lessons.mime`) on
a lesson row and emits :attr:`LessonTableModel.objects_dropped`; the panel decides
what a drop means (it asks before replacing a link).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from coachadmin.backend.models import Course, Lesson
from coachadmin.display import format_size
from coachadmin.services.link_check import LessonLink, LinkState
from coachadmin.ui.lessons.mime import S3_KEYS_MIME, from_mime_data

if TYPE_CHECKING:
    from coachadmin.media.health import MediaHealth

Index = QModelIndex | QPersistentModelIndex

LESSON_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
COURSE_ROLE = Qt.ItemDataRole.UserRole + 3

COLUMNS = ("#", "Lesson", "Video", "State", "Size")
ORDER, TITLE, VIDEO, STATE, SIZE = range(len(COLUMNS))

#: Colours that read on light and dark backgrounds alike.
STATE_COLOURS = {
    LinkState.LINKED: "#2e7d32",
    LinkState.NO_VIDEO: "#9e9e9e",
    LinkState.LEGACY: "#ef6c00",
    LinkState.BROKEN: "#c62828",
}
PENDING_COLOUR = "#1565c0"
STATE_TEXT = {
    LinkState.LINKED: "Linked",
    LinkState.NO_VIDEO: "No video",
    LinkState.LEGACY: "Legacy id: needs a new upload",
    LinkState.BROKEN: "Broken: missing from the bucket",
}


@cache
def dot_icon(colour: str) -> QIcon:
    """A filled circle: state is never told by colour alone (the text says it too)."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(6, 6, 20, 20)
    painter.end()
    return QIcon(pixmap)


@dataclass(frozen=True)
class LessonRow:
    course: Course
    lesson: Lesson
    state: LinkState | None = None  # None: not checked against the bucket yet
    size: int | None = None
    pending_key: str | None = None  # an upload that links this lesson once verified
    #: The linked video's media health, once read (first and last bytes).
    media: MediaHealth | None = None

    @classmethod
    def from_link(cls, link: LessonLink) -> LessonRow:
        return cls(link.course, link.lesson, link.state, link.size)

    @property
    def needs_attention(self) -> bool:
        return self.state is not None and self.state.needs_attention


class CourseListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.courses: list[Course] = []
        #: Problems per course id, from the last link report (None: no report yet).
        self.problems: dict[str, int] | None = None

    def set_courses(self, courses: list[Course]) -> None:
        self.beginResetModel()
        self.courses = list(courses)
        self.endResetModel()

    def set_problems(self, problems: dict[str, int]) -> None:
        self.problems = dict(problems)
        if self.courses:
            self.dataChanged.emit(self.index(0), self.index(len(self.courses) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.courses)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        course = self.courses[index.row()]
        problems = (self.problems or {}).get(course.id, 0)
        if role == Qt.ItemDataRole.DisplayRole:
            lessons = f"{course.lesson_count} lesson{'s' if course.lesson_count != 1 else ''}"
            extra = f" · {problems} to fix" if problems else ""
            return f"{course.title}\n{lessons}{extra}"
        if role == Qt.ItemDataRole.DecorationRole and self.problems is not None:
            return dot_icon(STATE_COLOURS[LinkState.BROKEN if problems else LinkState.LINKED])
        if role == Qt.ItemDataRole.ToolTipRole:
            return course.title
        if role == COURSE_ROLE:
            return course
        return None

    def row_of(self, course_id: str) -> int:
        return next((i for i, c in enumerate(self.courses) if c.id == course_id), -1)


class LessonTableModel(QAbstractTableModel):
    #: (row in this model, list of mime.ObjectRef): objects dropped on a lesson.
    objects_dropped = Signal(int, list)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[LessonRow] = []

    def set_rows(self, rows: list[LessonRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def update_lesson(self, lesson: Lesson, *, state: LinkState | None, size: int | None) -> None:
        for number, row in enumerate(self.rows):
            if row.lesson.id == lesson.id:
                self.rows[number] = replace(row, lesson=lesson, state=state, size=size)
                self._changed(number)

    def set_media(self, media: dict[str, MediaHealth]) -> None:
        """lesson id → its video's media health (read after the lessons show)."""
        for number, row in enumerate(self.rows):
            health = media.get(row.lesson.id)
            if health is not None and health is not row.media:
                self.rows[number] = replace(row, media=health)
                self._changed(number)

    def set_pending(self, pending: dict[str, str]) -> None:
        """lesson id → key of an upload that will link it."""
        for number, row in enumerate(self.rows):
            key = pending.get(row.lesson.id)
            if key != row.pending_key:
                self.rows[number] = replace(row, pending_key=key)
                self._changed(number)

    def _changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def row_for(self, lesson_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.lesson.id == lesson_id), -1)

    # -- the table -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == LESSON_ROLE:
            return row.lesson
        if role == STATE_ROLE:
            return row.state
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == STATE:
            if row.pending_key:
                return dot_icon(PENDING_COLOUR)
            return dot_icon(STATE_COLOURS[row.state]) if row.state else None
        if role == Qt.ItemDataRole.ToolTipRole and column in (VIDEO, STATE):
            return self._tooltip(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (ORDER, SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(row: LessonRow, column: int) -> str:  # noqa: PLR0911 - one branch per column
        if column == ORDER:
            return str(row.lesson.order)
        if column == TITLE:
            return row.lesson.title
        if column == VIDEO:
            return row.lesson.video_id or "—"
        if column == STATE:
            if row.pending_key:
                return "Uploading: links when verified"
            if row.media is not None and not row.media.healthy:
                return f"{STATE_TEXT[row.state] if row.state else 'Linked'} · may not play"
            return STATE_TEXT[row.state] if row.state else "Not checked"
        if column == SIZE:
            return format_size(row.size) if row.size is not None else ""
        return ""

    @staticmethod
    def _tooltip(row: LessonRow) -> str:
        lines = [row.state.label if row.state else "Not checked against the bucket yet"]
        if row.lesson.video_id:
            lines.append(row.lesson.video_id)
        if row.pending_key:
            lines.append(f"Uploading {row.pending_key}: linked once the upload is verified")
        if row.media is not None:
            lines.append(f"For students: {row.media.describe()}")
        return "\n".join(lines)

    # -- drops ---------------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDropEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [S3_KEYS_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        del action, column
        target = parent.row() if parent.isValid() else row
        return 0 <= target < len(self.rows) and len(from_mime_data(data)) == 1

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = parent.row() if parent.isValid() else row
        self.objects_dropped.emit(target, from_mime_data(data))
        return True


class ProblemsFilter(QSortFilterProxyModel):
    """ "Problems only": broken and legacy lessons."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.problems_only = False

    def set_problems_only(self, on: bool) -> None:
        self.beginFilterChange()
        self.problems_only = on
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self.problems_only:
            return True
        model = self.sourceModel()
        state = model.data(model.index(source_row, STATE, source_parent), STATE_ROLE)
        return isinstance(state, LinkState) and state.needs_attention
