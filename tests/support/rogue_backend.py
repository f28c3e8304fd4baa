"""A backend that misbehaves on purpose, over real HTTP on loopback.

Each ``METHOD PATH`` gets scripted :class:`Reply` objects: any status and body, the
answer trickled one byte at a time (from the status line on, or only the body), or a
body padded with megabytes that never end the JSON. The server counts what it sent
and notices when the client hangs up before the end, so a test can show that the
client stopped reading, not only that it raised.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

JSON = "application/json"
_CHUNK = 64 * 1024


def envelope(data: object = None, *, success: bool = True, message: str = "") -> bytes:
    return json.dumps({"success": success, "data": data, "message": message}).encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": JSON})
    #: Seconds between single bytes; the head too when ``drip_head``.
    drip: float = 0.0
    drip_head: bool = False
    #: Bytes of padding (spaces) after ``body``; the JSON never ends.
    filler: int = 0
    #: The padding gzip-compressed (``Content-Encoding: gzip``): a small download, a big body.
    gzip_filler: bool = False
    #: Send Content-Length (the full length); without it the body ends when the server closes.
    content_length: bool = True


@dataclass
class Exchange:
    """One answer as the server saw it."""

    request: str
    body_bytes_sent: int = 0
    #: The client hung up (a write failed) before the server sent everything.
    cut_short: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class RogueBackend:
    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.hits: dict[str, int] = {}
        self.exchanges: list[Exchange] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                backend._serve(self)

            do_GET = do_PATCH = do_DELETE = do_POST = _answer

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RogueBackend:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    # -- the script --------------------------------------------------------------------

    def answer(self, request: str, *replies: Reply) -> None:
        """``request`` ("GET /api/courses") gets these replies in turn, the last one for good."""
        self.replies[request] = list(replies)

    def data(self, request: str, data: Any, *, status: int = 200, **envelope_fields: Any) -> None:
        """A well-formed envelope around ``data``."""
        self.answer(request, Reply(status=status, body=envelope(data, **envelope_fields)))

    def exchange(self, request: str, timeout: float = 10.0) -> Exchange:
        """The first finished answer to ``request`` (waits for the server to finish it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [e for e in self.exchanges if e.request == request]
            if found and found[0].done.wait(max(0.0, deadline - time.monotonic())):
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no finished answer to {request}")

    # -- serving -----------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = f"{handler.command} {handler.path}"
        with self._lock:
            self.hits[request] = self.hits.get(request, 0) + 1
            queue = self.replies.get(request) or [
                Reply(404, envelope(success=False, message="Not found"))
            ]
            reply = queue.pop(0) if len(queue) > 1 else queue[0]
            exchange = Exchange(request)
            self.exchanges.append(exchange)
        try:
            self._send(handler, reply, exchange)
        except OSError:  # BrokenPipeError, ConnectionResetError: the client hung up
            exchange.cut_short = True
        finally:
            handler.close_connection = True
            exchange.done.set()

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply, exchange: Exchange) -> None:
        payload, filler = reply.body, reply.filler
        if reply.gzip_filler:
            payload, filler = _gzip(reply.body, reply.filler), 0
        head = [f"HTTP/1.1 {reply.status} Whatever", "Connection: close"]
        head += [f"{name}: {value}" for name, value in reply.headers.items()]
        if reply.gzip_filler:
            head.append("Content-Encoding: gzip")
        if reply.content_length:
            head.append(f"Content-Length: {len(payload) + filler}")
        out = handler.wfile
        self._write(out, ("\r\n".join(head) + "\r\n\r\n").encode(), reply.drip * reply.drip_head)
        exchange.body_bytes_sent += self._write(out, payload, reply.drip)
        while filler > 0 and not self.stopping.is_set():
            size = min(_CHUNK, filler)
            out.write(b" " * size)
            exchange.body_bytes_sent += size
            filler -= size
        out.flush()

    def _write(self, out: Any, data: bytes, drip: float) -> int:
        """Write ``data`` at once, or one byte every ``drip`` seconds; the bytes sent."""
        if not drip:
            out.write(data)
            return len(data)
        for index in range(len(data)):
            out.write(data[index : index + 1])
            out.flush()
            if self.stopping.wait(drip):
                return index + 1
        return len(data)


def _gzip(body: bytes, spaces: int) -> bytes:
    """``body`` and ``spaces`` spaces, gzip-compressed (the spaces to a thousandth)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1024 * 1024)
    parts = [packer.compress(body)]
    parts += [packer.compress(block) for _ in range(spaces // len(block))]
    parts.append(packer.compress(b" " * (spaces % len(block))))
    parts.append(packer.flush())
    return b"".join(parts)
