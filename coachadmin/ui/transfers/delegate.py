"""The Progress column: a real progress bar drawn by the style, coloured by state.

A row that is completing (no bytes move) gets a busy bar: the empty groove with a
block sliding across it, drawn here rather than by the style, whose busy bars
animate only inside a QProgressBar widget.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.ui.transfers.model import BUSY_ROLE, EVENT_ROLE

#: Bar colours that read on light and dark backgrounds alike.
_COLOURS = {
    TransferState.DONE: QColor("#2e9d5b"),
    TransferState.FAILED: QColor("#d93025"),
    TransferState.PAUSED: QColor("#9e9e9e"),
    TransferState.CANCELLED: QColor("#9e9e9e"),
}
RESOLUTION = 1000
#: Seconds for the busy block to cross the bar and come back; its share of the bar.
BUSY_PERIOD_S = 2.0
BUSY_BLOCK = 0.3


def busy_block(groove: QRect, now: float) -> QRect:
    """Where the busy block is at ``now``: back and forth across ``groove``."""
    phase = (now % BUSY_PERIOD_S) / BUSY_PERIOD_S
    travel = 1.0 - abs(1.0 - 2.0 * phase)  # 0 -> 1 -> 0
    width = max(8, int(groove.width() * BUSY_BLOCK))
    left = groove.left() + int((groove.width() - width) * travel)
    return QRect(left, groove.top(), width, groove.height())


class ProgressDelegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        event = index.data(EVENT_ROLE)
        if not isinstance(event, TransferEvent):
            super().paint(painter, option, index)
            return
        widget: QWidget | None = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The cell's own background (selection, alternate rows) first.
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)

        busy = bool(index.data(BUSY_ROLE))
        bar = QStyleOptionProgressBar()
        rect: QRect = option.rect
        bar.rect = rect.adjusted(4, 4, -4, -4)
        bar.minimum = 0
        bar.maximum = RESOLUTION
        bar.progress = 0 if busy else round(event.fraction * RESOLUTION)
        bar.text = "" if busy else self.text_for(event)
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = QPalette(option.palette)
        colour = _COLOURS.get(event.state)
        if colour is not None:
            bar.palette.setColor(QPalette.ColorRole.Highlight, colour)
        bar.fontMetrics = option.fontMetrics
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)
        if busy:
            block = busy_block(bar.rect.adjusted(1, 1, -1, -1), time.monotonic())
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bar.palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(block, 2, 2)
            painter.restore()

    @staticmethod
    def text_for(event: TransferEvent) -> str:
        if event.state is TransferState.DONE:
            return "Done"
        if event.state is TransferState.FAILED:
            return "Failed"
        if event.state is TransferState.CANCELLED:
            return "Cancelled"
        return f"{event.fraction:.0%}"

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 140), max(hint.height(), 22))
