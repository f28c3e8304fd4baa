"""Progress of a long server-side operation (moving a large object or a folder).

A non-modal progress dialog that appears only when the work takes longer than
half a second, fed from the worker through an :class:`EventRelay` (so a copy
that reports per part never floods the event loop), with a Cancel button that
sets the operation's cancel flag (a :class:`coachadmin.bounded.Flag`: a multipart
copy begins no part after it, and its submitter stops waiting at once).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from coachadmin.bounded import Flag
from coachadmin.display import format_size
from coachadmin.ui.bridge import EventRelay

SCALE = 1000


class OperationProgress:
    def __init__(self, parent: QWidget | None, title: str) -> None:
        self.cancel = Flag()
        self.dialog = QProgressDialog(title, "Cancel", 0, SCALE, parent)
        self.dialog.setObjectName("operationProgress")
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.dialog.setMinimumDuration(500)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel.set)
        self._title = title
        self.relay = EventRelay(self.dialog, interval_ms=100, key=lambda _event: "progress")
        self.relay.batch.connect(self._show)
        self.dialog.setValue(0)

    def report(self, done: int, total: int) -> None:
        """Thread-safe: pass as the operation's ``progress`` callback."""
        self.relay.post((done, total))

    def _show(self, batch: list[tuple[int, int]]) -> None:
        done, total = batch[-1]
        if total > 0:
            self.dialog.setValue(min(SCALE, int(done * SCALE / total)))
            self.dialog.setLabelText(f"{self._title}\n{format_size(done)} of {format_size(total)}")

    def close(self) -> None:
        self.relay.flush()
        self.dialog.reset()
        self.dialog.close()
        self.dialog.deleteLater()
