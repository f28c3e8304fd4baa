"""Non-blocking messages for the user: the GUI's side of :class:`UserFacingError`.

Code anywhere in the UI (and the bridge, for failed background work) posts a
:class:`Message` on the app's :class:`MessageBus`; the main window shows it in
its status bar or as a card over its bottom right corner
(:mod:`coachadmin.ui.banner`). Nothing here
blocks or opens a dialog, in the manner of qutebrowser's ``utils/message.py``.
Posting is safe from any thread: the bus's signal is queued into the GUI thread.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from coachadmin.redact import redact

log = logging.getLogger("coachadmin.ui")

#: Info messages disappear by themselves after this long; warnings and errors stay.
INFO_TIMEOUT_MS = 8000


class Level(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Message:
    """One line for the banner, with an optional action button (e.g. "Retry")."""

    level: Level
    text: str
    action_text: str | None = None
    action: Callable[[], None] | None = None
    timeout_ms: int | None = None

    @property
    def effective_timeout_ms(self) -> int | None:
        if self.timeout_ms is not None:
            return self.timeout_ms
        return INFO_TIMEOUT_MS if self.level is Level.INFO else None


class MessageBus(QObject):
    """Where messages are posted; the banner listens to :attr:`posted`."""

    posted = Signal(object)  # Message

    def post(self, message: Message) -> None:
        message = Message(
            message.level,
            redact(message.text),
            message.action_text,
            message.action,
            message.timeout_ms,
        )
        log.log(_LOG_LEVELS[message.level], "message: %s", message.text)
        self.posted.emit(message)

    def info(
        self, text: str, *, action_text: str | None = None, action: Callable[[], None] | None = None
    ) -> None:
        self.post(Message(Level.INFO, text, action_text, action))

    def warning(
        self, text: str, *, action_text: str | None = None, action: Callable[[], None] | None = None
    ) -> None:
        self.post(Message(Level.WARNING, text, action_text, action))

    def error(
        self, text: str, *, action_text: str | None = None, action: Callable[[], None] | None = None
    ) -> None:
        self.post(Message(Level.ERROR, text, action_text, action))


_LOG_LEVELS = {
    Level.INFO: logging.INFO,
    Level.WARNING: logging.WARNING,
    Level.ERROR: logging.WARNING,  # an expected failure, not a bug: the crash handler logs those
}

_bus: MessageBus | None = None


def bus() -> MessageBus:
    """The app's one message bus (created in the GUI thread on first use).

    One explicit, documented app-wide object, as qutebrowser's ``message.global_bridge``:
    background code and dialogs post here without being handed the main window.
    """
    global _bus  # noqa: PLW0603 - the app-wide bus is deliberate, see the docstring
    if _bus is None:
        _bus = MessageBus()
    return _bus
