"""The transfers panel: every upload and download with its progress, and its controls.

Pause, resume, cancel and retry act on the selected rows (toolbar buttons,
context menu) or on all of them. The table is the ``transferQueue`` named
place; a failed row's Status column and tooltip say why in plain words.

Any row that is not running can be removed from the list, whatever became of its
connection or its server (its unfinished upload is aborted where possible, else
left as an orphan to clean up later); a row whose connection is gone can be given
another saved connection to the same bucket (Use Connection…).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coachadmin.profiles import connections_for
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.ui.icons import icon
from coachadmin.ui.panels import name_widget, section_header
from coachadmin.ui.transfers.delegate import ProgressDelegate
from coachadmin.ui.transfers.model import ID_ROLE, NAME, PROGRESS, TransferModel
from coachadmin.ui.transfers.service import TransferService
from coachadmin.ui.widgets import PlaceholderTableView

PLACEHOLDER = (
    "No transfers yet. Drop files on the list or use Upload; "
    "uploads and downloads appear here with their progress."
)
_WIDTHS = (260, 170, 150, 90, 90)
#: How often a completing row's busy bar moves.
BUSY_FRAME_MS = 40
#: Rows that may be removed from the list or given another connection: not running.
_IDLE = {TransferState.PAUSED, TransferState.FAILED, TransferState.DONE, TransferState.CANCELLED}

#: Asks which connection to use: (parent, names) -> the chosen name, or None.
ConnectionChooser = Callable[[QWidget, list[str]], "str | None"]


def ask_connection(parent: QWidget, names: list[str]) -> str | None:
    name, ok = QInputDialog.getItem(
        parent,
        "Use Connection",
        "Continue the selected transfers with the saved connection:",
        names,
        0,
        False,
    )
    return name if ok and name else None


def _action(parent: QWidget, name: str, text: str, icon_name: str, tip: str) -> QAction:
    action = QAction(icon(icon_name), text, parent)
    action.setObjectName(name)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    return action


class TransferQueuePanel(QWidget):
    """Bottom panel of the workspace (objectName ``transfersPanel``)."""

    def __init__(
        self, service: TransferService | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transfersPanel")
        self.service: TransferService | None = None
        #: The list was scrolled to its end when rows came (see :meth:`_show_new_rows`).
        self._at_bottom = True
        #: Asks for a connection (tests replace it).
        self.choose_connection: ConnectionChooser = ask_connection
        self.model = TransferModel(self)
        self.queue = self._build_view()
        self._build_actions()
        self.summary = QLabel()
        self.summary.setObjectName("transferSummary")
        self._build_layout()
        #: Moves the busy bars while some row is completing, stopped otherwise.
        self._busy_timer = QTimer(self)
        self._busy_timer.setInterval(BUSY_FRAME_MS)
        self._busy_timer.timeout.connect(self.model.tick)
        self._connect()
        if service is not None:
            self.set_service(service)
        self._update_actions()

    def _build_view(self) -> PlaceholderTableView:
        view = PlaceholderTableView(PLACEHOLDER)
        name_widget(view, "transferQueue", "Uploads and downloads, with their progress")
        view.setModel(self.model)
        view.setItemDelegateForColumn(PROGRESS, ProgressDelegate(view))
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setShowGrid(False)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(_WIDTHS):
            view.setColumnWidth(column, width)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        return view

    def _build_actions(self) -> None:
        a = _action
        self.pause_action = a(
            self, "transferPause", "Pause", "pause", "Pause the selected transfers"
        )
        self.resume_action = a(
            self, "transferResume", "Resume", "resume", "Resume the selected transfers"
        )
        self.cancel_action = a(
            self, "transferCancel", "Cancel", "cancel", "Cancel the selected transfers"
        )
        self.retry_action = a(
            self, "transferRetry", "Retry", "retry", "Try the selected failed transfers again"
        )
        self.pause_all_action = a(
            self, "transferPauseAll", "Pause All", "pause", "Pause every transfer"
        )
        self.resume_all_action = a(
            self, "transferResumeAll", "Resume All", "resume", "Resume every paused transfer"
        )
        self.retry_all_action = a(
            self, "transferRetryAll", "Retry Failed", "retry", "Try every failed transfer again"
        )
        self.cancel_all_action = a(
            self, "transferCancelAll", "Cancel All", "cancel", "Cancel every unfinished transfer"
        )
        self.clear_action = a(
            self, "transferClear", "Clear Finished", "clear", "Remove finished and cancelled rows"
        )
        self.remove_action = a(
            self,
            "transferRemove",
            "Remove from List",
            "delete",
            "Remove the selected transfers for good (an unfinished upload is cancelled)",
        )
        self.use_connection_action = a(
            self,
            "transferUseConnection",
            "Use Connection…",
            "connection",
            "Continue the selected transfers with another saved connection to their bucket",
        )

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 6, 0)
        top.setSpacing(2)
        top.addWidget(section_header("Transfers", "transfers"))
        top.addWidget(self.summary)
        top.addStretch(1)
        for action in (
            self.pause_action,
            self.resume_action,
            self.cancel_action,
            self.retry_action,
        ):
            top.addWidget(self._button(action, text=False))
        top.addSpacing(10)
        for action in (self.pause_all_action, self.resume_all_action, self.retry_all_action,
                       self.clear_action):  # fmt: skip
            top.addWidget(self._button(action, text=True))
        layout.addLayout(top)
        body = QVBoxLayout()
        body.setContentsMargins(6, 0, 6, 6)
        body.addWidget(self.queue)
        layout.addLayout(body, 1)

    def _connect(self) -> None:
        selected = self.selected_ids
        self.pause_action.triggered.connect(lambda: self._act("pause", selected()))
        self.resume_action.triggered.connect(lambda: self._act("resume", selected()))
        self.cancel_action.triggered.connect(lambda: self._act("cancel", selected()))
        self.retry_action.triggered.connect(lambda: self._act("resume", selected()))
        self.pause_all_action.triggered.connect(lambda: self._act("pause", self._ids_in(_MOVING)))
        self.resume_all_action.triggered.connect(
            lambda: self._act("resume", self._ids_in({TransferState.PAUSED}))
        )
        self.retry_all_action.triggered.connect(
            lambda: self._act("resume", self._ids_in({TransferState.FAILED}))
        )
        self.cancel_all_action.triggered.connect(lambda: self._act("cancel", self._ids_in(_OPEN)))
        self.clear_action.triggered.connect(self.model.clear_finished)
        self.remove_action.triggered.connect(self.remove_selected)
        self.use_connection_action.triggered.connect(self.use_connection_for_selected)
        self.queue.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.dataChanged.connect(self._update_actions)
        self.model.rowsInserted.connect(self._update_actions)
        self.model.rowsAboutToBeInserted.connect(self._note_at_bottom)
        self.model.rowsInserted.connect(self._show_new_rows)
        self.model.modelReset.connect(self._update_actions)

    def _note_at_bottom(self, *_args: object) -> None:
        """Whether the last row is in view as rows are about to come."""
        last = self.model.rowCount() - 1
        shown = self.queue.visualRect(self.model.index(last, 0))
        self._at_bottom = last < 0 or self.queue.viewport().rect().intersects(shown)

    def _show_new_rows(self, _parent: object, _first: int, last: int) -> None:
        """A transfer added below the visible rows is scrolled into view, unless the user
        has scrolled up to look at another (as a chat or a log view does)."""
        if self._at_bottom:
            self.queue.scrollTo(self.model.index(last, 0))

    def _button(self, action: QAction, *, text: bool) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        button.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if text
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )
        return button

    def set_service(self, service: TransferService) -> None:
        self.service = service
        self.model.notes = service.media_summaries.get
        service.events.connect(self.model.update)
        service.forgotten.connect(lambda gone: self.model.remove([f.transfer_id for f in gone]))

    # -- selection and actions ---------------------------------------------------------
    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.queue.selectionModel().selectedRows()})
        ids = [self.model.index(row, NAME).data(ID_ROLE) for row in rows]
        return [i for i in ids if isinstance(i, str)]

    def _selected_events(self) -> list[TransferEvent]:
        events = [
            self.model.transfer(index.row()) for index in self.queue.selectionModel().selectedRows()
        ]
        return [e for e in events if e is not None]

    def _ids_in(self, states: set[TransferState]) -> list[str]:
        return [e.transfer_id for e in self.model.events() if e.state in states]

    def _act(self, what: str, ids: list[str]) -> None:
        if self.service is None or not ids:
            return
        getattr(self.service, what)(ids)
        if what == "pause":
            self.model.mark_pausing(ids)
            self._update_actions()

    def remove_selected(self) -> None:
        events = self._selected_events()
        if not events or any(e.state not in _IDLE for e in events):
            return
        finished = {TransferState.DONE, TransferState.CANCELLED}
        self.model.remove([e.transfer_id for e in events if e.state in finished])
        open_ids = [e.transfer_id for e in events if e.state not in finished]
        if open_ids and self.service is not None:
            self.service.forget(open_ids)

    def use_connection_for_selected(self) -> None:
        events = [e for e in self._selected_events() if e.state in _IDLE - {TransferState.DONE}]
        buckets = {e.bucket for e in events}
        if self.service is None or len(buckets) != 1:
            return
        names = connections_for(buckets.pop())
        if not names:
            self.service.notice.emit(
                "No saved connection reaches that bucket: add one with Connect…, then try again."
            )
            return
        name = self.choose_connection(self, names)
        if name is not None:
            self.service.use_connection([e.transfer_id for e in events], name)

    def _pausable(self, event: TransferEvent) -> bool:
        return event.state in _MOVING and not self.model.is_pausing(event.transfer_id)

    def _update_actions(self, *_args: object) -> None:
        chosen = self._selected_events()
        selected = {e.state for e in chosen}
        self.pause_action.setEnabled(any(self._pausable(e) for e in chosen))
        self.resume_action.setEnabled(TransferState.PAUSED in selected)
        self.retry_action.setEnabled(TransferState.FAILED in selected)
        self.cancel_action.setEnabled(
            bool(selected - {TransferState.DONE, TransferState.CANCELLED})
        )
        states = [e.state for e in self.model.events()]
        self.pause_all_action.setEnabled(any(self._pausable(e) for e in self.model.events()))
        self.resume_all_action.setEnabled(TransferState.PAUSED in states)
        self.retry_all_action.setEnabled(TransferState.FAILED in states)
        self.cancel_all_action.setEnabled(
            any(not s.is_final or s is TransferState.FAILED for s in states)
        )
        self.clear_action.setEnabled(
            any(s in (TransferState.DONE, TransferState.CANCELLED) for s in states)
        )
        self.remove_action.setEnabled(bool(selected) and selected <= _IDLE)
        self.use_connection_action.setEnabled(
            bool(selected) and selected <= {TransferState.PAUSED, TransferState.FAILED}
        )
        self.summary.setText(_summary(states))
        if self.model.busy() != self._busy_timer.isActive():
            if self.model.busy():
                self._busy_timer.start()
            else:
                self._busy_timer.stop()

    def _context_menu(self, point: QPoint) -> None:
        if not self.queue.indexAt(point).isValid():
            return
        menu = QMenu(self)
        for action in (
            self.pause_action,
            self.resume_action,
            self.retry_action,
            self.cancel_action,
        ):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.use_connection_action)
        menu.addAction(self.remove_action)
        menu.addSeparator()
        menu.addAction(self.clear_action)
        menu.popup(self.queue.viewport().mapToGlobal(point))


_MOVING = {
    TransferState.QUEUED,
    TransferState.UPLOADING,
    TransferState.DOWNLOADING,
    TransferState.VERIFYING,
}


def _summary(states: list[TransferState]) -> str:
    if not states:
        return ""
    parts = []
    moving = sum(1 for s in states if s in _MOVING)
    if moving:
        parts.append(f"{moving} active")
    for state, word in ((TransferState.PAUSED, "paused"), (TransferState.FAILED, "failed"),
                        (TransferState.DONE, "done")):  # fmt: skip
        number = states.count(state)
        if number:
            parts.append(f"{number} {word}")
    return " · ".join(parts)


_OPEN = _MOVING | {TransferState.PAUSED, TransferState.FAILED}
