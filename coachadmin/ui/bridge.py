"""THE one way the GUI runs work in the background (design.md convention 2).

* :class:`Bridge` runs a function on a thread pool and delivers its result or its
  error back on the GUI thread through a queued signal. A
  :class:`~coachadmin.errors.UserFacingError` goes to the message banner unless the
  caller handles it; anything else goes to the crash handler. Workers never touch
  widgets: they return values, the callbacks (GUI thread) update the widgets.
* :class:`EventRelay` turns callback events that core code fires on its own
  threads (transfer progress, listing pages) into batches delivered on the GUI
  thread at most every ``interval_ms``, so thousands of events a second never
  flood the event loop.
* :class:`Latest` drops stale results: of the requests of one kind (the folder's
  listing, the preview of the selection), only those of the newest
  :meth:`Latest.begin` may deliver; the user moved on from the others.

As Picard's ``run_task`` and Anki's ``taskman``: exactly one helper of each kind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal

from coachadmin.errors import UserFacingError
from coachadmin.ui import crash, messages

log = logging.getLogger("coachadmin.ui.bridge")

T = TypeVar("T")
P = ParamSpec("P")

DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class _Task(Generic[T]):
    name: str
    on_result: Callable[[T], None] | None
    on_error: Callable[[UserFacingError], None] | None
    on_finished: Callable[[], None] | None
    owner: QObject | None


class Bridge(QObject):
    """Runs callables on worker threads; results and errors come back on the GUI thread."""

    _done = Signal(object, object)  # _Task, Future

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_workers: int = DEFAULT_WORKERS,
        bus: messages.MessageBus | None = None,
        on_crash: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="coachadmin-worker")
        self._bus = bus
        self._on_crash = on_crash
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        func: Callable[..., T],
        /,
        *args: Any,
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[UserFacingError], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        owner: QObject | None = None,
    ) -> Future[T]:
        """Run ``func(*args)`` on a worker thread.

        ``on_result(value)`` gets the return value. ``on_error(error)`` gets a
        ``UserFacingError`` (without it, the error goes to the message banner).
        Unexpected exceptions always go to the crash handler. ``on_finished()``
        runs last in every case (success, error, cancellation): reset busy states
        there. If ``owner`` (usually the calling widget) has been deleted by then,
        no callback runs. Callbacks always run later, never inside this call.
        """
        if self._closed:
            raise RuntimeError("the bridge has been shut down")
        name = getattr(func, "__qualname__", repr(func))
        task = _Task(name, on_result, on_error, on_finished, owner)
        future = self._executor.submit(func, *args)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(lambda done: self._done.emit(task, done))
        return future

    @property
    def pending(self) -> int:
        """How many tasks have not been delivered yet (tests and shutdown use this)."""
        with self._lock:
            return len(self._pending)

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self, *, wait: bool = False) -> None:
        """Cancel what has not started, deliver nothing more. Called when the app quits."""
        self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=True)

    # -- GUI thread ---------------------------------------------------------------------
    def _deliver(self, task: _Task[Any], future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)
        if self._closed:
            return
        if task.owner is not None and not shiboken6.isValid(task.owner):
            log.debug("dropping the result of %s: its owner is gone", task.name)
            return
        try:
            self._dispatch(task, future)
        finally:
            if task.on_finished is not None:
                self._call(task.on_finished)

    def _dispatch(self, task: _Task[Any], future: Future[Any]) -> None:
        try:
            error = future.exception()
        except CancelledError:
            return
        if error is None:
            if task.on_result is not None:
                self._call(task.on_result, future.result())
        elif isinstance(error, UserFacingError):
            log.info("%s failed: %s", task.name, error)
            if task.on_error is not None:
                self._call(task.on_error, error)
            else:
                (self._bus or messages.bus()).error(str(error))
        else:
            self._crash(error, task.name)

    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except Exception as error:  # noqa: BLE001 - a failing callback is a bug: report it
            self._crash(error, getattr(callback, "__qualname__", "a callback"))

    def _crash(self, error: BaseException, where: str) -> None:
        if self._on_crash is not None:
            self._on_crash(error)
        else:
            crash.report(error, where=where)


class EventRelay(QObject):
    """Batches events posted from any thread into ``batch(list)`` signals on the GUI thread.

    ``post`` is cheap and thread-safe: pass it as the callback to core code. With
    ``key``, only the latest event per key is kept between two flushes (progress of
    one transfer: only its newest figure matters).
    """

    batch = Signal(list)
    _wake = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval_ms: int = 50,
        key: Callable[[Any], Hashable] | None = None,
    ) -> None:
        super().__init__(parent)
        self._key = key
        self._lock = threading.Lock()
        self._events: list[Any] = []
        self._latest: dict[Hashable, Any] = {}
        self._scheduled = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._wake.connect(self._arm, Qt.ConnectionType.QueuedConnection)

    def post(self, event: Any) -> None:
        with self._lock:
            if self._key is not None:
                self._latest[self._key(event)] = event
            else:
                self._events.append(event)
            wake = not self._scheduled
            self._scheduled = True
        if wake:
            self._wake.emit()

    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Deliver what has accumulated now (GUI thread)."""
        with self._lock:
            events = self._events + list(self._latest.values())
            self._events = []
            self._latest = {}
            self._scheduled = False
        if events:
            self.batch.emit(events)


class Latest:
    """Requests of one kind, of which only the newest may deliver (GUI thread only).

    ``ticket = latest.begin()`` starts a new request (a listing, a preview) and makes
    every earlier ticket stale; :meth:`drop` makes them all stale without a new one
    (the user left the folder). Wrap a request's callbacks with ``ticket.only``: a
    stale request still runs to its end on its worker, but its callbacks do nothing.
    """

    def __init__(self) -> None:
        self._number = 0

    def begin(self) -> Ticket:
        self._number += 1
        return Ticket(self, self._number)

    def drop(self) -> None:
        self._number += 1

    def is_current(self, ticket: Ticket) -> bool:
        return ticket.latest is self and ticket.number == self._number


@dataclass(frozen=True)
class Ticket:
    """One request of a :class:`Latest`; :attr:`current` until a newer one begins."""

    latest: Latest
    number: int

    @property
    def current(self) -> bool:
        return self.latest.is_current(self)

    def only(self, callback: Callable[P, None]) -> Callable[P, None]:
        """``callback``, run only while this request is the newest."""

        def while_current(*args: P.args, **kwargs: P.kwargs) -> None:
            if self.current:
                callback(*args, **kwargs)

        return while_current


_bridge: Bridge | None = None


def bridge() -> Bridge:
    """The app's bridge, created on first use and shut down when the app quits.

    Dialogs (the connection wizard, for one) use it without being handed the
    main window; the main window and ``run_app`` use the same one.
    """
    global _bridge  # noqa: PLW0603 - one pool for the whole app is the point
    if _bridge is None or _bridge.closed:
        _bridge = Bridge()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_bridge.shutdown)
    return _bridge
