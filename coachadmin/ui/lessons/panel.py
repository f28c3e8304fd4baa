"""The Lessons tab (``lessonsPanel``): courses, their lessons in order, each with its link state.

Left: the courses (``courseList``). Right: the selected course's lessons
(``lessonTable``) with their video, state (linked and its size, no video,
legacy, broken) and a "problems only" filter. Below: the link report that
"Check links" fills in the background. The actions that change links live in
:mod:`coachadmin.ui.lessons.linking`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coachadmin.backend.models import Course, User
from coachadmin.display import format_size
from coachadmin.services.lesson_usage import refuse_delete_if_linked
from coachadmin.services.link_check import LessonLink, LinkReport, LinkState
from coachadmin.ui.bridge import Bridge, Latest
from coachadmin.ui.icons import icon
from coachadmin.ui.lessons.linking import Linker
from coachadmin.ui.lessons.models import (
    COURSE_ROLE,
    ORDER,
    SIZE,
    STATE,
    STATE_COLOURS,
    TITLE,
    VIDEO,
    CourseListModel,
    LessonRow,
    LessonTableModel,
    ProblemsFilter,
    dot_icon,
)
from coachadmin.ui.lessons.session import BackendSession
from coachadmin.ui.messages import MessageBus
from coachadmin.ui.panels import name_widget
from coachadmin.ui.widgets import PlaceholderTableView, PlaceholderTreeView
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.ui.lessons import work
    from coachadmin.ui.transfers.service import TransferService
else:
    work = WorkerModule("coachadmin.ui.lessons.work")

log = logging.getLogger("coachadmin.ui.lessons")

NO_BACKEND = "This connection has no backend URL. Add one to the connection to see its courses."
#: Said after the report when a link has changed since the check.
REPORT_OUTDATED = "Links have changed since this check: Check links again to see them now."
SIGNED_OUT = "Sign in to the backend to see the courses and their lessons."
REF_ROLE = Qt.ItemDataRole.UserRole + 20


def _tool_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setAutoRaise(True)
    return button


class LessonTable(PlaceholderTableView):
    """The lessons' table; says when its size changes, so that its columns fit (a signal,
    not an event filter: a filter runs while the window is torn down, and crashed it)."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class LessonsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "lessonsPanel", "Courses and lessons, and the videos linked to them")
        self.connection: Connection | None = None
        self.session: BackendSession | None = None
        self.linker: Linker | None = None
        self.report: LinkReport | None = None
        self.current_course: Course | None = None
        self.bridge: Bridge
        self.bus: MessageBus
        self._loading = Latest()
        self._pending_select: str | None = None

        self.sign_in_action = self._action("lessonsSignIn", "Sign in…", None)
        self.sign_out_action = self._action("lessonsSignOut", "Sign out", None)
        self.refresh_action = self._action("lessonsRefresh", "Refresh", "refresh")
        # F5 on this tab, wherever the focus is, while the window's Refresh (the Files
        # folder's) rests; on the Files tab this panel is hidden and its shortcut with it.
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(self.refresh_action)
        self.check_action = self._action("checkLinks", "Check links", "search")
        self.check_action.setToolTip(
            "Check every lesson's video against the bucket, and find videos no lesson uses"
        )
        self.problems_only = QCheckBox("Problems only")
        self.problems_only.setObjectName("problemsOnly")
        self.problems_only.setToolTip("Show only broken and legacy lessons")
        self.notice = QLabel(SIGNED_OUT)
        self.notice.setObjectName("lessonsNotice")
        self.notice.setWordWrap(True)
        self.sign_in_button = QPushButton("Sign in…")
        self.sign_in_button.setObjectName("lessonsSignInButton")
        self.sign_in_button.clicked.connect(self.sign_in_action.trigger)

        self.course_model = CourseListModel(self)
        self.courses = PlaceholderTreeView(SIGNED_OUT)
        name_widget(self.courses, "courseList", "The platform's courses")
        self.courses.setHeaderHidden(True)
        self.courses.setRootIsDecorated(False)
        self.courses.setModel(self.course_model)
        self.courses.setMinimumWidth(220)
        self.courses.setStyleSheet("QTreeView::item { padding: 5px 2px; }")

        self.lessons = self._build_lesson_table()
        self.report_box = self._build_report()

        self._build_layout()

        self.problems_only.toggled.connect(self.lesson_filter.set_problems_only)
        self.courses.selectionModel().currentChanged.connect(self._course_selected)
        self.refresh_action.triggered.connect(self.refresh)
        self.check_action.triggered.connect(self.check_links)
        self._update_state()

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.setContentsMargins(6, 6, 6, 0)
        top.addWidget(self.notice, 1)
        top.addWidget(self.sign_in_button)
        top.addWidget(_tool_button(self.refresh_action))
        top.addWidget(_tool_button(self.check_action))
        top.addWidget(self.problems_only)
        self.action_bar = QHBoxLayout()
        self.action_bar.setContentsMargins(6, 0, 6, 0)
        self.action_bar.addStretch(1)

        horizontal = QSplitter(Qt.Orientation.Horizontal)
        horizontal.setObjectName("lessonsSplitter")
        horizontal.setChildrenCollapsible(False)
        horizontal.addWidget(self.courses)
        horizontal.addWidget(self.lessons)
        horizontal.setStretchFactor(1, 1)
        horizontal.setSizes([260, 800])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("lessonsReportSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(horizontal)
        self.splitter.addWidget(self.report_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self.action_bar)
        body = QVBoxLayout()
        body.setContentsMargins(6, 0, 6, 6)
        body.addWidget(self.splitter, 1)
        layout.addLayout(body, 1)

    def _build_lesson_table(self) -> PlaceholderTableView:
        self.lesson_model = LessonTableModel(self)
        self.lesson_filter = ProblemsFilter(self)
        self.lesson_filter.setSourceModel(self.lesson_model)
        self.lessons = LessonTable("Select a course to see its lessons.")
        name_widget(self.lessons, "lessonTable", "The selected course's lessons and their videos")
        self.lessons.setModel(self.lesson_filter)
        self.lessons.verticalHeader().hide()
        self.lessons.setWordWrap(False)
        self.lessons.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.lessons.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lessons.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lessons.setAcceptDrops(True)
        self.lessons.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.lessons.setDropIndicatorShown(True)
        self.lessons.setDefaultDropAction(Qt.DropAction.CopyAction)
        header = self.lessons.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VIDEO, QHeaderView.ResizeMode.Interactive)
        self.lessons.setColumnWidth(SIZE, 80)
        self.lessons.setColumnWidth(ORDER, 36)
        #: The user dragged the Video column's edge: the fitting leaves it alone from then.
        self._video_sized = False
        self._fitting = False
        self._fit_lesson_columns()
        header.sectionResized.connect(self._column_resized)
        self.lessons.resized.connect(self._fit_lesson_columns)
        return self.lessons

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if column == VIDEO and not self._fitting and self.lessons.isVisible():
            self._video_sized = True

    def _fit_lesson_columns(self) -> None:
        """Video and State at their widths (300, 230 px) while the title keeps at least two
        fifths of the table; in a narrow window they give way, so that a lesson's title
        stays readable."""
        fixed = self.lessons.columnWidth(ORDER) + self.lessons.columnWidth(SIZE)
        room = max(self.lessons.viewport().width() - fixed, 0)
        self._fitting = True
        try:
            if not self._video_sized:
                self.lessons.setColumnWidth(VIDEO, min(300, room * 33 // 100))
            self.lessons.setColumnWidth(STATE, min(230, room * 27 // 100))
        finally:
            self._fitting = False

    def _build_report(self) -> QWidget:
        """The link report: a summary line, then the problems and the unused videos."""
        self.summary = QLabel()
        self.summary.setObjectName("linkSummary")
        self.summary.setWordWrap(True)
        self.report_view = QTreeWidget()
        name_widget(self.report_view, "linkReport", "Lessons to fix and videos no lesson uses")
        self.report_view.setHeaderLabels(["Problem", "Where", "Video"])
        self.report_view.setColumnWidth(0, 240)
        self.report_view.setColumnWidth(1, 380)
        self.report_view.itemActivated.connect(self._report_item_activated)
        report_box = QWidget()
        report_box.setObjectName("linkReportBox")
        report_layout = QVBoxLayout(report_box)
        report_layout.setContentsMargins(0, 4, 0, 0)
        report_layout.addWidget(self.summary)
        report_layout.addWidget(self.report_view, 1)
        report_box.hide()
        return report_box

    def _action(self, name: str, text: str, icon_name: str | None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if icon_name:
            action.setIcon(icon(icon_name))
        return action

    # -- wiring ----------------------------------------------------------------------------

    def attach(
        self, bridge: Bridge, bus: MessageBus, transfers: TransferService | None = None
    ) -> None:
        """Give the panel its bridge, message bus and the app's transfer service."""
        self.bridge, self.bus = bridge, bus
        self.session = BackendSession(bridge, bus, self)
        self.session.dialog_parent = self.window
        self.session.user_changed.connect(self._user_changed)
        self.sign_in_action.triggered.connect(lambda: self._require_session().sign_in())
        self.sign_out_action.triggered.connect(lambda: self._require_session().sign_out())
        self.linker = Linker(self, transfers)
        for action in self.linker.actions():
            self.action_bar.insertWidget(self.action_bar.count(), _tool_button(action))
        self.lessons.selectionModel().currentChanged.connect(lambda *_: self._update_state())
        self._update_state()

    def _require_session(self) -> BackendSession:
        if self.session is None:
            raise RuntimeError("LessonsPanel.attach() was not called")
        return self.session

    def set_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.report = None
        self.course_model.problems = None
        self.report_box.hide()
        self._clear()
        if self.session is not None:
            self.session.demo = connection.demo
            self.session.set_api_url(connection.api_url)
        self._update_state()

    def shutdown(self) -> None:
        if self.linker is not None:
            self.linker.shutdown()

    # -- seams for the browser ------------------------------------------------------------

    def link_to_lesson(self, bucket: str, key: str) -> None:
        """ "Link to lesson…" on an object: choose the lesson, then link (asks before replacing)."""
        if self.linker is not None:
            self.linker.link_to_lesson(bucket, key)

    def guard_delete(
        self,
        bucket: str,
        keys: list[str],
        proceed: Callable[[], None],
        prefixes: Sequence[str] = (),
    ) -> None:
        """For the browser's Delete: ``proceed()`` only when no lesson links any of ``keys``
        (or a key under ``prefixes``); otherwise an error naming the lessons. Without a
        backend for this bucket there is nothing to check."""
        session, connection = self.session, self.connection
        if (
            session is None
            or not session.signed_in  # nobody to ask: the delete confirmation still asks
            or session.api_url is None
            or connection is None
            or bucket != connection.bucket
        ):
            proceed()
            return
        session.call(
            lambda client: refuse_delete_if_linked(keys, client, prefixes),
            on_result=lambda _none: proceed(),
            on_error=lambda error: session.bus.error(str(error)),
            owner=self,
        )

    # -- state -----------------------------------------------------------------------------

    def _user_changed(self, user: User | None) -> None:
        self._update_state()
        if user is None:
            self._clear()
            return
        self.refresh()
        if self.linker is not None:
            self.linker.apply_pending()

    def _clear(self) -> None:
        self._loading.drop()
        self.current_course = None
        self.course_model.set_courses([])
        self.lesson_model.set_rows([])

    def _update_state(self) -> None:
        session = self.session
        has_backend = session is not None and session.api_url is not None
        signed_in = session is not None and session.signed_in
        if not has_backend:
            text = NO_BACKEND if self.connection is not None else SIGNED_OUT
        elif not signed_in:
            text = SIGNED_OUT
        else:
            assert session is not None and session.user is not None
            user = session.user
            text = f"Signed in to {session.api_url} as {user.name} ({user.role})."
            if not user.is_admin:
                text += " Authors can see courses, lessons and previews; admins link videos."
        self.notice.setText(text)
        self.courses.set_placeholder_text(text if not signed_in else "No courses yet.")
        self.sign_in_button.setVisible(has_backend and not signed_in)
        self.sign_in_action.setEnabled(has_backend and not signed_in)
        self.sign_out_action.setEnabled(signed_in)
        self.refresh_action.setEnabled(signed_in)
        checking = self.linker is not None and self.linker.checking
        self.check_action.setEnabled(signed_in and not checking)
        self.check_action.setText("Checking…" if checking else "Check links")
        if self.linker is not None:
            self.linker.update_actions()

    def selected_row(self) -> LessonRow | None:
        index = self.lessons.currentIndex()
        if not index.isValid():
            return None
        source = self.lesson_filter.mapToSource(index)
        return self.lesson_model.rows[source.row()] if source.isValid() else None

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        session = self.session
        if session is None or not session.signed_in:
            return
        ticket = self._loading.begin()
        keep = self.current_course.id if self.current_course else None
        session.call(
            lambda client: client.courses(),
            on_result=ticket.only(lambda courses: self._courses_loaded(courses, keep)),
            owner=self,
        )

    def _courses_loaded(self, courses: list[Course], keep: str | None) -> None:
        self.course_model.set_courses(courses)
        if self.report is not None:
            self._show_report_counts(self.report)
        row = self.course_model.row_of(keep) if keep else -1
        if courses:
            self.courses.setCurrentIndex(self.course_model.index(max(row, 0)))

    def _course_selected(self) -> None:
        index = self.courses.currentIndex()
        course = index.data(COURSE_ROLE) if index.isValid() else None
        if isinstance(course, Course):
            self.load_course(course)

    def load_course(self, course: Course) -> None:
        session, connection = self.session, self.connection
        if session is None:
            return
        self.current_course = course
        ticket = self._loading.begin()
        settings = connection.s3 if connection else None
        bucket = connection.bucket if connection else None
        self.lessons.set_placeholder_text(f"Loading the lessons of {course.title}…")
        self.lesson_model.set_rows([])
        session.call(
            lambda client: work.load_course(client, settings, bucket, course),
            on_result=ticket.only(self._course_loaded),
            owner=self,
        )

    def _course_loaded(self, loaded: work.CourseLinks) -> None:
        if loaded.links is not None:
            rows = [LessonRow.from_link(link) for link in loaded.links]
            self._read_media(loaded.links)
        else:
            rows = [LessonRow(loaded.course, lesson) for lesson in loaded.lessons]
            if loaded.s3_error and self.session is not None:
                self.session.bus.warning(loaded.s3_error)
        self.lesson_model.set_rows(rows)
        self.lessons.set_placeholder_text("This course has no lessons yet.")
        if self._pending_select:
            self._select_lesson_row(self._pending_select)
            self._pending_select = None
        if self.linker is not None:
            self.linker.refresh_pending()
        self._update_state()

    def _read_media(self, links: list[LessonLink]) -> None:
        """Each linked video's media health, after the rows show (a few KiB per video)."""
        connection = self.connection
        if connection is None or self.session is None:
            return
        settings, bucket = connection.s3, connection.bucket
        ticket = self._loading.begin()  # another course shown meanwhile: these are stale
        self.session.bridge.run(
            work.course_media,
            settings,
            bucket,
            links,
            on_result=ticket.only(self.lesson_model.set_media),
            on_error=lambda error: log.info("media health not read: %s", error),
            owner=self,
        )

    def select_lesson(self, course_id: str, lesson_id: str) -> None:
        """Show a lesson (from the report): its course, then the lesson's row."""
        row = self.course_model.row_of(course_id)
        if row < 0:
            return
        if self.current_course is None or self.current_course.id != course_id:
            self._pending_select = lesson_id
            self.courses.setCurrentIndex(self.course_model.index(row))
        self._select_lesson_row(lesson_id)

    def _select_lesson_row(self, lesson_id: str) -> None:
        row = self.lesson_model.row_for(lesson_id)
        if row < 0:
            return
        index = self.lesson_filter.mapFromSource(self.lesson_model.index(row, 0))
        self.lessons.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    # -- the link report -------------------------------------------------------------------

    def check_links(self) -> None:
        session, connection = self.session, self.connection
        if session is None or connection is None or self.linker is None:
            return
        self.linker.checking = True
        self._update_state()

        def finished() -> None:
            assert self.linker is not None
            self.linker.checking = False
            self._update_state()

        session.call(
            lambda client: work.full_report(client, connection.s3, connection.bucket),
            on_result=self.show_report,
            on_finished=finished,
            owner=self,
        )

    def links_changed(self) -> None:
        """A lesson's link changed here: the report shown is of before, and says so."""
        if self.report is not None and not self.summary.text().endswith(REPORT_OUTDATED):
            self.summary.setText(f"{self.summary.text()} {REPORT_OUTDATED}")

    def show_report(self, report: LinkReport) -> None:
        self.report = report
        self._show_report_counts(report)
        broken, legacy = report.count(LinkState.BROKEN), report.count(LinkState.LEGACY)
        unused = len(report.unused_videos)
        self.summary.setText(
            f"{len(report.links)} lessons checked: {report.count(LinkState.LINKED)} linked, "
            f"{report.count(LinkState.NO_VIDEO)} without a video, {broken} broken, "
            f"{legacy} legacy. {unused} video{'s' if unused != 1 else ''} under videos/ "
            f"{'are' if unused != 1 else 'is'} used by no lesson."
        )
        self.report_view.clear()
        problems = QTreeWidgetItem([f"Lessons to fix ({len(report.problems)})", "", ""])
        for link in report.problems:
            item = QTreeWidgetItem(
                [
                    link.state.label.split(":")[0],
                    f"{link.course.title} / {link.lesson.order}. {link.lesson.title}",
                    link.lesson.video_id or "",
                ]
            )
            item.setIcon(0, dot_icon(STATE_COLOURS[link.state]))
            item.setToolTip(0, link.state.label)
            item.setData(0, REF_ROLE, (link.course.id, link.lesson.id))
            problems.addChild(item)
        orphans = QTreeWidgetItem([f"Videos no lesson uses ({unused})", "", ""])
        for obj in report.unused_videos:
            # Used nowhere: "Where" says so; the size goes with the problem, the key alone
            # in its column (to copy or to open).
            item = QTreeWidgetItem([f"Unused · {format_size(obj.size)}", "No lesson", obj.key])
            item.setData(0, REF_ROLE, ("", obj.key))
            orphans.addChild(item)
        self.report_view.addTopLevelItems([problems, orphans, self._media_items(report)])
        self.report_view.expandAll()
        if not self.report_box.isVisible():
            self.report_box.show()
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([total * 3 // 5, total - total * 3 // 5])
        if self.current_course is not None:
            for link in report.links:
                if link.course.id == self.current_course.id:
                    self.lesson_model.update_lesson(link.lesson, state=link.state, size=link.size)
        if self.session is not None:
            self.session.bus.info(
                f"Links checked: {broken} broken, {legacy} legacy, {unused} unused "
                f"video{'s' if unused != 1 else ''}."
            )

    @staticmethod
    def _media_items(report: LinkReport) -> QTreeWidgetItem:
        """The linked videos that may not play for students; the tooltip says why."""
        group = QTreeWidgetItem(
            [f"Videos that may not play ({len(report.media_problems)})", "", ""]
        )
        for link in report.media_problems:
            assert link.media is not None
            why = link.media.describe()
            item = QTreeWidgetItem(
                [
                    "May not play",
                    f"{link.course.title} / {link.lesson.order}. {link.lesson.title}",
                    link.lesson.video_id or "",
                ]
            )
            item.setIcon(0, dot_icon(STATE_COLOURS[LinkState.LEGACY]))
            for column in range(3):
                item.setToolTip(column, why)
            item.setData(0, REF_ROLE, (link.course.id, link.lesson.id))
            group.addChild(item)
        return group

    def _show_report_counts(self, report: LinkReport) -> None:
        counts: dict[str, int] = {}
        for link in report.problems:
            counts[link.course.id] = counts.get(link.course.id, 0) + 1
        self.course_model.set_problems(counts)

    def _report_item_activated(self, item: QTreeWidgetItem) -> None:
        ref = item.data(0, REF_ROLE)
        if isinstance(ref, tuple) and ref[0]:
            self.select_lesson(ref[0], ref[1])
