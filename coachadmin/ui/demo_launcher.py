"""Starting and stopping the embedded demo environment from the GUI.

The demo runs in its own process (:class:`coachadmin.demo.process.DemoProcess`,
``coachadmin demo-server``), so moto never loads into the GUI process. Starting
blocks for seconds: it runs on the bridge, and the window shows a busy page.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal

from coachadmin.errors import UserFacingError
from coachadmin.ui.bridge import Bridge

if TYPE_CHECKING:
    from coachadmin.connection import Connection

log = logging.getLogger("coachadmin.ui")


class DemoInfoLike(Protocol):
    def connection(self) -> Connection: ...


class DemoProcessLike(Protocol):
    """What the launcher needs of ``coachadmin.demo.process.DemoProcess``."""

    def start(self) -> DemoInfoLike: ...
    def stop(self) -> None: ...


def default_factory(*, reset: bool = False) -> DemoProcessLike:
    """A real DemoProcess (``reset``: one that starts the demo fresh); imported here, on a
    worker thread, never at start-up."""
    try:
        module = importlib.import_module("coachadmin.demo.process")
    except ModuleNotFoundError as error:
        if error.name != "coachadmin.demo.process":
            raise
        raise UserFacingError("The demo environment is not part of this build.") from error
    process: DemoProcessLike = module.DemoProcess(reset=reset)
    return process


def reset_factory() -> DemoProcessLike:
    return default_factory(reset=True)


class DemoLauncher(QObject):
    """Owns the one demo process of this app; stops it when asked or when the app quits."""

    started = Signal(object)  # Connection
    finished = Signal()  # the attempt to start is over, successful or not

    def __init__(
        self,
        bridge: Bridge,
        factory: Callable[[], DemoProcessLike] = default_factory,
        parent: QObject | None = None,
        *,
        fresh_factory: Callable[[], DemoProcessLike] = reset_factory,
    ) -> None:
        """``fresh_factory``: a process that starts the demo from its sample data (reset)."""
        super().__init__(parent)
        self._bridge = bridge
        self._factory = factory
        self._fresh_factory = fresh_factory
        self._reset_next = False
        self._lock = threading.Lock()
        self._process: DemoProcessLike | None = None
        self._starting = False
        self._stopped = False
        self.connection: Connection | None = None

    @property
    def starting(self) -> bool:
        return self._starting

    def start(self, on_error: Callable[[UserFacingError], None] | None = None) -> None:
        """Start the demo in the background; :attr:`started` brings its Connection."""
        if self._starting:
            return
        if self.connection is not None:
            self.started.emit(self.connection)
            return
        self._starting = True
        self._stopped = False
        self._bridge.run(
            self._launch,
            on_result=self._on_started,
            on_error=on_error,
            on_finished=self._on_finished,
            owner=self,
        )

    def reset(self, on_error: Callable[[UserFacingError], None] | None = None) -> None:
        """Stop the demo and start it again from its sample data (what the user put in
        it is deleted); :attr:`started` brings the new Connection."""
        if self._starting:
            return
        self._reset_next = True
        self.stop()
        self.start(on_error)

    def _launch(self) -> Connection:  # worker thread
        fresh, self._reset_next = self._reset_next, False
        process = self._fresh_factory() if fresh else self._factory()
        with self._lock:
            self._process = process
        try:
            info = process.start()
        except BaseException:
            with self._lock:
                self._process = None
            raise
        with self._lock:
            stopped = self._stopped
        if stopped:  # the app quit while the demo was starting
            process.stop()
            raise UserFacingError("The demo was stopped while it was starting.")
        return info.connection()

    def _on_started(self, connection: Connection) -> None:
        self.connection = connection
        log.info("demo environment started: %s", connection.describe())
        self.started.emit(connection)

    def _on_finished(self, *_: Any) -> None:
        self._starting = False
        self.finished.emit()

    def stop(self) -> None:
        """Stop the demo process (blocking for a moment). Safe to call more than once."""
        with self._lock:
            self._stopped = True
            process, self._process = self._process, None
        self.connection = None
        if process is not None:
            log.info("stopping the demo environment")
            try:
                process.stop()
            except Exception:  # quitting must go on whatever the demo does
                log.exception("could not stop the demo environment")
