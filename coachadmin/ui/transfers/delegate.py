"""The Progress column: a real progress bar drawn by the style, coloured by state."""

from __future__ import annotations

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
from coachadmin.ui.transfers.model import EVENT_ROLE

#: Bar colours that read on light and dark backgrounds alike.
_COLOURS = {
    TransferState.DONE: QColor("#2e9d5b"),
    TransferState.FAILED: QColor("#d93025"),
    TransferState.PAUSED: QColor("#9e9e9e"),
    TransferState.CANCELLED: QColor("#9e9e9e"),
}
RESOLUTION = 1000


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

        bar = QStyleOptionProgressBar()
        rect: QRect = option.rect
        bar.rect = rect.adjusted(4, 4, -4, -4)
        bar.minimum = 0
        bar.maximum = RESOLUTION
        bar.progress = round(event.fraction * RESOLUTION)
        bar.text = self.text_for(event)
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = QPalette(option.palette)
        colour = _COLOURS.get(event.state)
        if colour is not None:
            bar.palette.setColor(QPalette.ColorRole.Highlight, colour)
        bar.fontMetrics = option.fontMetrics
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)

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
