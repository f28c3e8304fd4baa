"""An overall deadline for one call to the backend, which requests and urllib3 lack.

Their read timeout bounds each wait for the next bytes and starts again with every
byte, so a server that sends one byte every 10 s never times out. A :class:`Deadline`
is a timer: when it fires it shuts down the socket the call is using, which wakes
whatever is blocked on it (the status line, the headers, the body) at once, and a
retry that would start after it is refused before it sends anything. Waits between
retries (backoff, ``Retry-After``) are cut short to the time that is left.

The socket in use is found through a thread-local: the thread that makes the call is
the one that connects and sends on it (:class:`DeadlineAdapter` mounts connection
classes that report to the deadline of their thread).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

_local = threading.local()


class DeadlinePassed(Exception):
    """Raised instead of connecting or sending after the deadline. Not an OSError, so
    urllib3 does not take it for a network failure worth a retry."""


class Deadline:
    """``with Deadline(60):`` around one call, on the thread that makes it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._outer: Deadline | None = None

    @property
    def expired(self) -> bool:
        with self._lock:
            return self._expired

    def remaining(self) -> float:
        return max(0.0, self._ends - time.monotonic())

    def __enter__(self) -> Deadline:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self
        self._timer.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        with self._lock:
            self._sock = None
        _local.deadline = self._outer

    def watch(self, connection: HTTPConnection) -> None:
        """``connection`` is the one in use now; DeadlinePassed if the time is up.

        Its socket is kept, not the connection: http.client lets go of the socket of an
        answer that ends with ``Connection: close`` while its body is still being read."""
        with self._lock:
            if self._expired:
                raise DeadlinePassed
            if isinstance(connection.sock, socket.socket):
                self._sock = connection.sock

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            sock = self._sock
        if sock is not None:
            # The plain socket's shutdown, also under TLS: it wakes a blocked recv.
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _current() -> Deadline | None:
    deadline: Deadline | None = getattr(_local, "deadline", None)
    return deadline


def _watch(connection: HTTPConnection) -> None:
    deadline = _current()
    if deadline is not None:
        deadline.watch(connection)


class _WatchedHTTPConnection(HTTPConnection):
    """Tells the current deadline which socket to shut down (HTTPS inherits it first)."""

    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": _WatchedHTTPPool,
    "https": _WatchedHTTPSPool,
}


class DeadlineRetry(Retry):
    """urllib3's retries, never sleeping past the deadline of the call."""

    def get_backoff_time(self) -> float:
        return _clip(super().get_backoff_time())

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else _clip(seconds)


def _clip(seconds: float) -> float:
    deadline = _current()
    return seconds if deadline is None else min(seconds, deadline.remaining())


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections report to the :class:`Deadline` of their thread.
    (Behind a SOCKS proxy they do not: there only the checks between reads apply.)"""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager
