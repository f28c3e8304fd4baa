"""werkzeug's HTTP server for the demo's two servers, stopping completely and logging quietly.

socketserver's ``shutdown()`` only ends the accept loop: an open connection
keeps its handler thread (and a client's view of a live server) until the
client hangs up. The demo must leave nothing behind when it stops, in the GUI's
process as in a test, so these servers remember every open connection and end
them all on :meth:`TrackingWSGIServer.close_connections`.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
import time
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

log = logging.getLogger("coachadmin.demo")

LOOPBACK = "127.0.0.1"
POLL_INTERVAL = 0.05  # how quickly serve_forever() notices shutdown()


class TrackingWSGIServer(socketserver.ThreadingMixIn, BaseWSGIServer):
    """werkzeug's server with one daemon thread per connection, each remembered until it ends.

    werkzeug ends every connection after one answer (``Connection: close``): it
    drains what the client still sends so that an early refusal (a 413) reaches
    it, which a kept-alive connection would not allow.
    """

    multithread = True
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

    def server_bind(self) -> None:
        # HTTPServer.server_bind() asks DNS for the host's FQDN, which can hang for
        # seconds on a machine with a broken resolver; loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, logging to our logger instead of to stderr."""

    log_label = "http"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s %s %s", self.log_label, self.requestline, code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.DEBUG if type == "info" else logging.WARNING
        log.log(level, f"{self.log_label} server: {message}", *args)


def port_is_closed(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when nothing accepts connections on ``host:port`` (for checks after a stop)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return False
    except OSError:
        return True
