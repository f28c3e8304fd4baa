"""moto's WSGI app served over connections kept open between requests, as S3 keeps them.

werkzeug's development server, which moto runs on, answers every request with
``Connection: close``: each request then costs the client a new TCP connection and the
server a new thread, whichever client sends it. On a folder of small files that is
most of the server's work per file, and it hides what the clients themselves cost.
:class:`KeepAliveHandler` reads each request's whole body before handing it to moto and
answers with a Content-Length, so the next request follows on the same connection
(HTTP/1.1 keep-alive); the answers are moto's own (tests/unit/test_bench_keep_alive.py
sends the same requests to both servers and compares them).
"""

from __future__ import annotations

import io
import socket
import threading
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

#: Answers that carry no body, whatever their headers say.
_NO_BODY = frozenset({204, 304})


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler, answering each request on the connection it came on and
    keeping that connection for the next (unless the client asks to close it)."""

    protocol_version = "HTTP/1.1"
    #: Connections this handler class has accepted (for the tests).
    connections = 0
    _count_lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        # Every answer goes at once, as S3's do: no small write held back (Nagle) waiting
        # for the client's delayed acknowledgement of the one before (a "100 Continue").
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with KeepAliveHandler._count_lock:
            KeepAliveHandler.connections += 1

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's dechunking reader
            body = environ["wsgi.input"].read()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        answer: list[Any] = []
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_exc_info: Any) -> Any:
            answer[:] = [status, headers]
            return written.append

        result = self.server.app(environ, start_response)
        try:
            written.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = answer
        code = int(status.split(" ", 1)[0])
        self.send_response(code, status.split(" ", 1)[1] if " " in status else "")
        named = set()
        for name, value in headers:
            if name.lower() in ("connection", "transfer-encoding"):
                continue
            named.add(name.lower())
            self.send_header(name, value)
        data = b"".join(written)
        if "content-length" not in named and self.command != "HEAD" and code not in _NO_BODY:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and code not in _NO_BODY:
            self.wfile.write(data)
        self.wfile.flush()


def serve(port: int = 0, *, keep_alive: bool) -> tuple[BaseWSGIServer, threading.Thread]:
    """moto on 127.0.0.1:``port`` in a thread of this process; its server and thread."""
    app = DomainDispatcherApplication(create_backend_app)
    handler = KeepAliveHandler if keep_alive else MotoRequestHandler
    server = make_server("127.0.0.1", port, app, True, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()
    return server, thread
