"""Every transfer of this session as a table row, updated from the engine's newest events.

While the server assembles an upload (CompleteMultipartUpload, then the check of
what it stored) no bytes move: the row says "Completing on the server…" with a
busy bar and no speed or time left, and after :data:`SLOW_COMPLETION_S` it says
that the server is slow, so that a long wait never looks like a hang.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from coachadmin.display import format_size
from coachadmin.transfers.events import TransferEvent, TransferKind, TransferState
from coachadmin.ui.icons import icon

NAME, PROGRESS, BYTES, SPEED, ETA, STATE = range(6)
HEADERS = ("Name", "Progress", "Transferred", "Speed", "Time left", "Status")

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's newest TransferEvent
ID_ROLE = Qt.ItemDataRole.UserRole + 2
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 3  # 0.0..1.0 for the progress delegate
BUSY_ROLE = Qt.ItemDataRole.UserRole + 4  # True while no bytes move (a busy bar)

#: After this many seconds of completing, the row says the server is slow.
SLOW_COMPLETION_S = 10.0
#: Between Pause and the engine's paused state: the parts (or ranges) under way finish first,
#: which on a slow link takes a while; without a word the row looks as if Pause did nothing.
PAUSING = "Pausing… finishing the parts already on their way"
#: An upload whose bytes have all left the app, the server still receiving the last parts.
LAST_PARTS = "Uploading… the server is receiving the last bytes"
COMPLETING = "Completing on the server…"
SLOW_COMPLETING = "Completing on the server… The server is slow to answer; the upload is safe."
CHECKING = "Checking the download…"
#: The network went away under a transfer its server had answered; the engine tries again
#: every few seconds and goes on by itself when it is back (the tooltip says for how long).
NETWORK_LOST = "Waiting for the network…"

AnyIndex = QModelIndex | QPersistentModelIndex

_STATE_WORDS = {
    TransferState.QUEUED: "Waiting",
    TransferState.UPLOADING: "Uploading",
    TransferState.DOWNLOADING: "Downloading",
    TransferState.PAUSED: "Paused",
    TransferState.DONE: "Done",
    TransferState.FAILED: "Failed",
    TransferState.CANCELLED: "Cancelled",
}

#: The engine's messages are written for the command line; the panel has buttons instead.
_CLI_HINTS = (
    (re.compile(r"(then )?run `coachadmin resume[^`]*`( when)?"), r"press Retry\2"),
    (re.compile(r"pass --overwrite to replace it or choose another key"), "upload it again and "
     "choose Replace or Keep Both"),
    (re.compile(r"pass --overwrite to replace it"), "choose another folder or delete that file"),
    (re.compile(r"`coachadmin uploads` lists them"), "it may have finished in another window"),
    (re.compile(r"the --endpoint-url"), "the connection's endpoint"),
)  # fmt: skip


def _all_handed(event: TransferEvent) -> bool:
    """Every byte is counted: handed to the network, not yet all confirmed by the server
    (on a slow link the connections' buffers hold seconds of them)."""
    return event.total > 0 and event.bytes_done >= event.total


#: The states a pause finds a transfer still moving in.
_MOVING_STATES = frozenset({TransferState.UPLOADING, TransferState.DOWNLOADING})


def plain_words(message: str) -> str:
    """An engine message with its command-line advice turned into the panel's buttons."""
    text = message
    for pattern, replacement in _CLI_HINTS:
        text = pattern.sub(replacement, text)
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def speed_text(speed: float) -> str:
    return f"{format_size(int(speed))}/s" if speed > 0 else ""


def eta_text(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    whole = int(seconds + 0.5)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {(whole % 3600) // 60:02d} min"


def state_text(event: TransferEvent, *, slow: bool = False) -> str:
    """The Status column; ``slow``: the server has been completing the upload for long."""
    if event.waiting and event.state.is_active:
        return NETWORK_LOST
    if event.state is TransferState.VERIFYING:
        if event.kind is TransferKind.DOWNLOAD:
            return CHECKING
        return SLOW_COMPLETING if slow else COMPLETING
    words = _STATE_WORDS.get(event.state, str(event.state).title())
    if event.state is TransferState.FAILED and event.message:
        return f"{words}: {plain_words(event.message)}"
    left = event.message.removeprefix("cancelled; ")
    if event.state is TransferState.CANCELLED and left != event.message:
        return f"{words}: {plain_words(left)}"  # what a failed clean-up left on the server
    return words


class TransferModel(QAbstractTableModel):
    def __init__(
        self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._rows: list[TransferEvent] = []
        self._index: dict[str, int] = {}
        self._clock = clock
        #: Transfer id -> when its row started completing (state VERIFYING).
        self._busy_since: dict[str, float] = {}
        self.slow_after = SLOW_COMPLETION_S
        #: Transfers removed from the list: their late events must not bring them back.
        self._removed: set[str] = set()
        self._icons = {TransferKind.UPLOAD: icon("upload"), TransferKind.DOWNLOAD: icon("download")}
        #: Transfers asked to pause that still move (see :data:`PAUSING`).
        self._pausing: set[str] = set()
        #: A transfer's extra line for its tooltip (a video's probe), if any.
        self.notes: Callable[[str], str | None] = lambda _transfer_id: None

    def update(self, events: list[TransferEvent]) -> None:
        """Apply a batch of newest events: new transfers are appended, known ones updated."""
        changed: list[int] = []
        events = [e for e in events if e.transfer_id not in self._removed]
        fresh = [e for e in events if e.transfer_id not in self._index]
        for event in events:
            if event.state not in _MOVING_STATES:
                self._pausing.discard(event.transfer_id)
            if event.state is not TransferState.VERIFYING:
                self._busy_since.pop(event.transfer_id, None)
            else:
                self._busy_since.setdefault(event.transfer_id, self._clock())
            row = self._index.get(event.transfer_id)
            if row is not None:
                self._rows[row] = event
                changed.append(row)
        if changed:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), last))
        if fresh:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            for offset, event in enumerate(fresh):
                self._index[event.transfer_id] = start + offset
                self._rows.append(event)
            self.endInsertRows()

    def mark_pausing(self, ids: list[str]) -> None:
        """Say at once that these transfers pause, until they have (or end otherwise)."""
        for transfer_id in ids:
            row = self._index.get(transfer_id)
            if row is not None and self._rows[row].state in _MOVING_STATES:
                self._pausing.add(transfer_id)
                self.dataChanged.emit(self.index(row, STATE), self.index(row, STATE))

    def is_pausing(self, transfer_id: str) -> bool:
        return transfer_id in self._pausing

    def busy(self) -> bool:
        """Some row is completing: its bar moves and its words change without events."""
        return bool(self._busy_since)

    def tick(self) -> None:
        """Repaint the completing rows (busy bar, the slow-server words)."""
        for transfer_id in self._busy_since:
            row = self._index.get(transfer_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, PROGRESS), self.index(row, STATE))

    def is_slow(self, event: TransferEvent) -> bool:
        since = self._busy_since.get(event.transfer_id)
        return since is not None and self._clock() - since >= self.slow_after

    def clear_finished(self) -> None:
        """Forget done and cancelled rows (failed ones stay: they need a decision)."""
        self._keep_only(
            [e for e in self._rows if e.state not in (TransferState.DONE, TransferState.CANCELLED)]
        )

    def remove(self, ids: list[str]) -> None:
        """Take these transfers' rows away (they were removed from the list)."""
        gone = set(ids)
        self._removed |= gone
        self._keep_only([e for e in self._rows if e.transfer_id not in gone])

    def _keep_only(self, keep: list[TransferEvent]) -> None:
        if len(keep) == len(self._rows):
            return
        self.beginResetModel()
        self._rows = keep
        self._index = {e.transfer_id: row for row, e in enumerate(keep)}
        self._busy_since = {i: t for i, t in self._busy_since.items() if i in self._index}
        self.endResetModel()

    def transfer(self, row: int) -> TransferEvent | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def events(self) -> list[TransferEvent]:
        return list(self._rows)

    def row_of(self, transfer_id: str) -> int | None:
        return self._index.get(transfer_id)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        event = self.transfer(index.row()) if index.isValid() else None
        if event is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(event, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons.get(event.kind) if column == NAME else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(event)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (BYTES, SPEED, ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return {
            EVENT_ROLE: event,
            ID_ROLE: event.transfer_id,
            FRACTION_ROLE: event.fraction,
            BUSY_ROLE: event.state is TransferState.VERIFYING,
        }.get(role)

    def _text(self, event: TransferEvent, column: int) -> str:
        if column == NAME:  # the key: two files of one name in two folders stay apart
            return event.key
        if column == PROGRESS:
            return f"{event.fraction:.0%}"
        if column == BYTES:
            return f"{format_size(event.bytes_done)} of {format_size(event.total)}"
        moving = event.state in (TransferState.UPLOADING, TransferState.DOWNLOADING)
        if column == SPEED:
            return speed_text(event.speed) if moving else ""
        if column == ETA:
            return eta_text(event.eta_seconds) if moving and not _all_handed(event) else ""
        return self._state(event)

    def _state(self, event: TransferEvent) -> str:
        if event.transfer_id in self._pausing:
            return PAUSING
        if event.state is TransferState.UPLOADING and _all_handed(event) and not event.waiting:
            return LAST_PARTS
        return state_text(event, slow=self.is_slow(event))

    def _tooltip(self, event: TransferEvent) -> str:
        arrow = "→"
        if event.kind is TransferKind.UPLOAD:
            where = f"{event.path} {arrow} s3://{event.bucket}/{event.key}"
        else:
            where = f"s3://{event.bucket}/{event.key} {arrow} {event.path}"
        text = f"{where}\n{self._state(event)}"
        if event.waiting and event.state.is_active:
            text = f"{text}\n{event.waiting[:1].upper()}{event.waiting[1:]}"
        note = self.notes(event.transfer_id)
        return f"{text}\n{note}" if note else text

    def icon_for(self, kind: TransferKind) -> QIcon:
        return self._icons[kind]
