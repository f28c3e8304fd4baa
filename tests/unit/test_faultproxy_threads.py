"""The test proxy (tests/support/faultproxy.py) leaves no thread behind once stopped.

Each connection it carries runs three threads; one waited for the end of its queue twice
and stayed forever, so a whole test run held a hundred idle threads (and a crash dump,
which shows at most a hundred, no longer reached the thread that crashed).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.support.faultproxy import FaultProxy


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _proxy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "faultproxy" in repr(getattr(t, "_target", ""))]


def test_no_thread_is_left_once_the_connections_are_done(server: str) -> None:
    before = len(_proxy_threads())
    with FaultProxy(server) as proxy:
        parts = urlsplit(proxy.url)
        for _ in range(5):  # a connection each
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            connection.request("GET", "/")
            assert connection.getresponse().read() == b"hello"
            connection.close()
    deadline = time.monotonic() + 10
    while len(_proxy_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_proxy_threads()) == before
