"""Where the main window's messages appear, without moving anything the user may click.

Messages from the :class:`~coachadmin.ui.messages.MessageBus`: a plain notice
("Uploading 3 files", "Signed in as …") goes to the status bar for a few seconds,
as Explorer, Finder and Cyberduck report what they are doing. A warning, an error
or a notice with a button becomes a card floating over the window's bottom right
corner, newest at the bottom, each dismissable; warnings and errors stay until
dismissed. The cards float: they take no room in the layout, so nothing moves
when one comes or goes. The same text posted again bumps a counter instead of
adding a card.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from coachadmin.ui.messages import Level, Message, MessageBus
from coachadmin.ui.widgets import mix

MAX_VISIBLE = 4
#: The cards' widest, and their distance from the host's edges.
MAX_WIDTH = 460
EDGE = 12

#: Shows a plain notice for a time: (text, milliseconds), as ``QStatusBar.showMessage``.
StatusSink = Callable[[str, int], None]

_HUES = {
    Level.INFO: QColor("#2f80ed"),
    Level.WARNING: QColor("#e0a100"),
    Level.ERROR: QColor("#d93025"),
}
_ICONS = {
    Level.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Level.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Level.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
}


class MessageItem(QWidget):
    """One message: icon, text, optional action, close button."""

    def __init__(self, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = message
        self.repeats = 1
        self.setObjectName("messageItem")
        self.setAccessibleName(f"{message.level.value}: {message.text}")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = self._layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(_ICONS[message.level]).pixmap(18, 18))
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
        self.label = QLabel(message.text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.label, 1)
        self.label.installEventFilter(self)
        if message.action_text and message.action is not None:
            action = QPushButton(message.action_text)
            action.setObjectName("messageAction")
            action.clicked.connect(self._run_action)
            layout.addWidget(action, 0, Qt.AlignmentFlag.AlignVCenter)
        close = QToolButton()
        close.setObjectName("messageClose")
        close.setAutoRaise(True)
        close.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.dismiss)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignVCenter)
        timeout = message.effective_timeout_ms
        if timeout:
            QTimer.singleShot(timeout, self, self.dismiss)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.label and event.type() == QEvent.Type.Resize:
            self._fit_height()
        return False

    def _fit_height(self) -> None:
        """As tall as the wrapped text at its real width (a wrapped QLabel's hint is not)."""
        margins = self.contentsMargins()
        layout_margins = self._layout.contentsMargins()
        text = self.label.heightForWidth(self.label.width())
        height = max(text, 28) + layout_margins.top() + layout_margins.bottom()
        height += margins.top() + margins.bottom()
        if height != self.height():
            self.setFixedHeight(height)

    def repeat(self) -> None:
        self.repeats += 1
        self.label.setText(f"{self.message.text}  (\N{MULTIPLICATION SIGN}{self.repeats})")

    def _run_action(self) -> None:
        if self.message.action is not None:
            self.message.action()
        self.dismiss()

    def dismiss(self) -> None:
        parent = self.parentWidget()
        self.hide()
        self.deleteLater()
        if isinstance(parent, MessageBanner):
            parent.item_dismissed(self)

    def paintEvent(self, _event: QPaintEvent) -> None:
        palette = self.palette()
        hue = _HUES[self.message.level]
        base = palette.color(QPalette.ColorRole.Window)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(mix(base, hue, 0.55))
        painter.setBrush(mix(base, hue, 0.16))
        painter.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 6, 6)
        painter.end()


class MessageBanner(QWidget):
    """Hidden when there is nothing to say; a column of :class:`MessageItem` otherwise.

    With a ``host`` it floats over the host's bottom right corner (and follows its
    size); plain notices go to ``status`` when one is given.
    """

    def __init__(
        self,
        bus: MessageBus,
        parent: QWidget | None = None,
        *,
        status: StatusSink | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setAccessibleName("Messages")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._items: list[MessageItem] = []
        self._status = status
        self._host: QWidget | None = None
        bus.posted.connect(self.show_message)
        self.hide()

    def float_over(self, host: QWidget) -> None:
        """Float over ``host``'s bottom right corner, outside any layout."""
        self._host = host
        self.setParent(host)
        host.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a card came, went or changed height
            self._place()
        return super().event(event)

    def _place(self) -> None:
        host = self._host
        if host is None:
            return
        width = max(160, min(MAX_WIDTH, host.width() - 2 * EDGE))
        layout = self._layout
        height = (
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        self.setGeometry(host.width() - width - EDGE, host.height() - height - EDGE, width, height)
        self.raise_()

    def items(self) -> list[MessageItem]:
        return list(self._items)

    def show_message(self, message: Message) -> None:
        if self._status is not None and message.level is Level.INFO and message.action is None:
            self._status(message.text, message.effective_timeout_ms or 0)
            return
        for item in self._items:
            if item.message.text == message.text and item.message.level is message.level:
                item.repeat()
                return
        item = MessageItem(message, self)
        self._items.append(item)
        self._layout.addWidget(item)
        while len(self._items) > MAX_VISIBLE:
            self._items[0].dismiss()
        self.show()
        self._place()

    def item_dismissed(self, item: MessageItem) -> None:
        if item in self._items:
            self._items.remove(item)
            self._layout.removeWidget(item)
        if not self._items:
            self.hide()

    def clear(self) -> None:
        for item in list(self._items):
            item.dismiss()
