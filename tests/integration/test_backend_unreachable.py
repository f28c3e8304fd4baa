"""Why the backend did not answer, told apart over real sockets: a refused connection, an
unknown name, a connection nobody accepts in time, a server that accepts and stays silent,
TLS spoken to a plain HTTP server. Each says what to check."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coachadmin.backend.client import BackendClient
from coachadmin.backend.errors import BackendUnreachable, Unreachable


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _failure(url: str, **kwargs: object) -> BackendUnreachable:
    with pytest.raises(BackendUnreachable) as raised:
        BackendClient(url, "tok", **kwargs).courses()  # type: ignore[arg-type]
    return raised.value


def test_nothing_listening_is_a_refused_connection() -> None:
    port = _closed_port()
    error = _failure(f"http://127.0.0.1:{port}")
    assert error.why is Unreachable.REFUSED
    assert str(error) == (
        f"Cannot reach the backend at http://127.0.0.1:{port}: the connection was refused "
        f"(nothing listens at 127.0.0.1:{port}). Check that the backend is running and that "
        "the URL's host and port are right."
    )


def test_a_refused_sign_in_is_no_timeout() -> None:
    """POST /api/auth/login (not retried as a request, only its connection)."""
    with pytest.raises(BackendUnreachable) as raised:
        BackendClient(f"http://127.0.0.1:{_closed_port()}").login("a@example.com", "pw")
    assert raised.value.why is Unreachable.REFUSED
    assert "no answer in time" not in str(raised.value)


def test_an_unknown_host_name_says_so() -> None:
    error = _failure("http://no-such-backend.invalid")  # .invalid never resolves (RFC 2606)
    assert error.why is Unreachable.NAME_NOT_FOUND
    assert "no server is known by the name no-such-backend.invalid" in str(error)
    assert "typing mistake" in str(error)


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose listen queue is full: the kernel drops new connections' SYNs, so a
    connect waits and times out (what a firewall that drops packets does)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = int(server.getsockname()[1])
    waiting = []
    for _ in range(8):
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(("127.0.0.1", port))
        waiting.append(client)
    time.sleep(0.1)
    yield port
    for client in waiting:
        client.close()
    server.close()


def test_a_connection_nobody_accepts_in_time_is_a_timeout(full_backlog: int) -> None:
    error = _failure(f"http://127.0.0.1:{full_backlog}", timeout=(0.2, 1.0))
    assert error.why is Unreachable.CONNECT_TIMEOUT
    assert "no answer in time to the connection" in str(error)
    assert "refused" not in str(error)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts, reads the request, answers nothing for 2 s."""

    class Silent(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(2)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_a_silent_backend_is_no_answer_not_unreachable(silent_server: int) -> None:
    error = _failure(f"http://127.0.0.1:{silent_server}", timeout=(1.0, 0.3))
    assert error.why is Unreachable.NO_ANSWER
    assert "accepted the connection but sent no answer in time" in str(error)


def test_https_to_a_plain_http_server_is_a_tls_failure(silent_server: int) -> None:
    error = _failure(f"https://127.0.0.1:{silent_server}", timeout=(1.0, 1.0))
    assert error.why is Unreachable.TLS
    assert "the secure connection (TLS) failed" in str(error)
    assert "http:// or https://" in str(error)
