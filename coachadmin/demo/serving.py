"""Threaded HTTP servers that stop completely: no listening port, no connection thread.

socketserver's ``shutdown()`` only ends the accept loop: a keep-alive connection
keeps its handler thread (and a client's view of a live server) until the
client hangs up. The demo must leave nothing behind when it stops, in the GUI's
process as in a test, so these servers remember every open connection and end
them all on :meth:`TrackingThreadingMixIn.close_connections`.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from typing import Any

LOOPBACK = "127.0.0.1"
POLL_INTERVAL = 0.05  # how quickly serve_forever() notices shutdown()


class TrackingThreadingMixIn(socketserver.ThreadingMixIn):
    """One daemon thread per connection, each remembered until it ends."""

    daemon_threads = True
    block_on_close = False
    thread_label = "demo-http"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections_lock = threading.Lock()
        self._connections: dict[Any, threading.Thread] = {}
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"{self.thread_label}-connection",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.pop(request, None)

    def close_connections(self, timeout: float = 5.0) -> None:
        """End every open connection and wait (up to ``timeout``) for its thread."""
        with self._connections_lock:
            open_now = list(self._connections.items())
        for sock, _thread in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for _sock, thread in open_now:
            thread.join(max(0.0, deadline - time.monotonic()))


def port_is_closed(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when nothing accepts connections on ``host:port`` (for checks after a stop)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return False
    except OSError:
        return True
