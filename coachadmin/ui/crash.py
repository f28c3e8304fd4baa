"""Unexpected exceptions: logged (redacted), shown in a dialog, and the app goes on.

:class:`CrashHandler` replaces ``sys.excepthook`` (exceptions in Qt slots and
virtual methods end there) and ``threading.excepthook`` (plain threads); the
bridge hands it the unexpected failures of background work through
:func:`report`. The dialog is non-modal and there is only ever one: further
crashes while it is open are counted in it, never stacked (qutebrowser's
``misc/crashsignal.py`` has the same idea).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from coachadmin import paths
from coachadmin.redact import redact

log = logging.getLogger("coachadmin.ui.crash")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class CrashHandler(QObject):
    """Turns unexpected exceptions from any thread into one dialog in the GUI thread."""

    #: Emitted (in the GUI thread) after a crash was logged and shown: (summary, details).
    crashed = Signal(str, str)
    _report = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: QMessageBox | None = None
        self.count = 0
        self._saved_hooks: tuple[object, object] | None = None
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # -- installation -------------------------------------------------------------------
    def install(self) -> None:
        global _installed  # noqa: PLW0603 - one process-wide hook, like sys.excepthook itself
        if self._saved_hooks is None:
            self._saved_hooks = (sys.excepthook, threading.excepthook)
            sys.excepthook = self._sys_hook
            threading.excepthook = self._thread_hook
        _installed = self

    def uninstall(self) -> None:
        global _installed  # noqa: PLW0603
        if self._saved_hooks is not None:
            sys.excepthook, threading.excepthook = self._saved_hooks  # type: ignore[assignment]
            self._saved_hooks = None
        if _installed is self:
            _installed = None

    def _sys_hook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        self.report((kind, exc, tb))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread else "?"
        self.report((args.exc_type, args.exc_value, args.exc_traceback), where=f"thread {name}")

    # -- reporting ------------------------------------------------------------------------
    def report(self, exc_info: ExcInfo | BaseException, *, where: str = "") -> None:
        """Log the exception and show the dialog. Safe to call from any thread."""
        if isinstance(exc_info, BaseException):
            exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
        kind, exc, tb = exc_info
        log.error("Unexpected error%s", f" in {where}" if where else "", exc_info=exc_info)
        summary = redact(f"{kind.__name__}: {exc}")
        details = redact("".join(traceback.format_exception(kind, exc, tb)))
        self._report.emit(summary, details)

    def _show(self, summary: str, details: str) -> None:
        self.count += 1
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.setInformativeText(
                f"{self.count} unexpected errors so far. The latest: {summary}\n\n"
                f"Details are in the log: {paths.log_path()}"
            )
            self.dialog.setDetailedText(details)
        else:
            self.dialog = self._make_dialog(summary, details)
            self.dialog.show()
        self.crashed.emit(summary, details)

    def _make_dialog(self, summary: str, details: str) -> QMessageBox:
        parent: QWidget | None = QApplication.activeWindow()
        dialog = QMessageBox(parent)
        dialog.setObjectName("crashDialog")
        dialog.setWindowTitle("coachadmin: unexpected error")
        dialog.setIcon(QMessageBox.Icon.Critical)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setText(
            "Something went wrong inside coachadmin. You can keep working; "
            "if it happens again, please send the log to the developers."
        )
        dialog.setInformativeText(f"{summary}\n\nDetails are in the log: {paths.log_path()}")
        dialog.setDetailedText(details)
        show_logs = dialog.addButton("Show logs", QMessageBox.ButtonRole.ActionRole)
        show_logs.clicked.connect(open_log_folder)
        dialog.addButton(QMessageBox.StandardButton.Close)
        dialog.destroyed.connect(self._forget_dialog)
        return dialog

    def _forget_dialog(self) -> None:
        self.dialog = None


def open_log_folder() -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))


_installed: CrashHandler | None = None


def report(exc: BaseException, *, where: str = "") -> None:
    """Hand an unexpected exception to the installed handler (or at least log it)."""
    if _installed is not None:
        _installed.report(exc, where=where)
    else:
        log.error("Unexpected error%s", f" in {where}" if where else "", exc_info=exc)
