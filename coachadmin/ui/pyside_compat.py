"""Workarounds for PySide6: singletons it drops (6.12.0 on Python 3.11), and Qt objects
collected off the GUI thread (:class:`GuiThreadCollector`).

PySide6 6.12.0 returns None, True and False without taking a reference, as only
Python 3.12+ allows (PEP 683 made them immortal there): every call of a method
that returns nothing (``widget.update()``, ``timer.start()``) releases one reference
to None, and every ``signal.emit()`` one to True. On 3.11 None starts near 5,000
references and True near 200, so after that many calls the interpreter aborts with
"none_dealloc: deallocating None" or "bool_dealloc: deallocating True or False"
(a video preview gets there in seconds: every position update emits and sets).
Until a fixed PySide6 is the only one installable, the singletons get reference
counts no session can exhaust. ``coachadmin.ui`` applies it on import, before any
Qt call.
"""

from __future__ import annotations

import ctypes
import gc
import sys

from PySide6.QtCore import QObject, QTimer

#: Added to each singleton's reference count: about 10^12 calls before it could matter.
_RESERVE = 1 << 40
_SINGLETONS = (None, True, False, Ellipsis, NotImplemented)
_applied = False


def protect_singletons() -> bool:
    """Make the singletons practically immortal on Python < 3.12; True if it was needed."""
    global _applied  # noqa: PLW0603 - once per process, whoever imports first
    if sys.version_info >= (3, 12):
        return False
    if not _applied:
        for singleton in _SINGLETONS:
            # CPython 3.11: ob_refcnt is the first field of every object, at id(obj).
            ctypes.c_ssize_t.from_address(id(singleton)).value += _RESERVE
        _applied = True
    return True


class GuiThreadCollector(QObject):
    """Python's cycle collector, run on the GUI thread only.

    Automatic collection runs in whichever thread happens to allocate, often a
    bridge worker. If a cycle it frees holds a Qt wrapper (a widget whose Python
    object is in a cycle with a closure, say), the Qt object is destroyed on that
    worker: the app hangs or crashes. As qutebrowser and pyqtgraph do, automatic
    collection is off and this timer collects on the GUI thread when the counts
    pass Python's own thresholds.
    """

    INTERVAL_MS = 500

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(self.INTERVAL_MS)

    def check(self) -> None:
        counts = gc.get_count()
        if counts[0] <= self._thresholds[0]:
            return
        generation = 0
        if counts[1] > self._thresholds[1]:
            generation = 2 if counts[2] > self._thresholds[2] else 1
        gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
