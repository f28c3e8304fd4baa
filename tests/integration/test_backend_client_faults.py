"""The backend client against answers the demo backend never gives: HTML, 503s, silence."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coachadmin.backend.client import BackendClient
from coachadmin.backend.errors import (
    BackendError,
    BackendUnreachable,
    Forbidden,
    NotSignedIn,
    ServerError,
    SessionExpired,
)
from coachadmin.redact import redact


class Script:
    """What the fake server answers, per path: a list of (status, body, content type)."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, str, str]]] = {}
        self.hits: dict[str, int] = {}
        self.delay: float = 0.0


@pytest.fixture
def fake_backend() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            key = f"{self.command} {self.path}"
            script.hits[key] = script.hits.get(key, 0) + 1
            if script.delay:
                threading.Event().wait(script.delay)
            answers = script.answers.get(key) or [(404, '{"success":false}', "application/json")]
            status, body, ctype = answers.pop(0) if len(answers) > 1 else answers[0]
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PATCH = do_DELETE = do_POST = _answer

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


def envelope(data: object = None, *, success: bool = True, message: str = "") -> str:
    return json.dumps({"success": success, "data": data, "message": message})


JSON = "application/json"


def test_an_html_page_means_the_wrong_url(fake_backend: tuple[str, Script]) -> None:
    url, script = fake_backend
    script.answers["GET /api/courses"] = [(200, "<html>Welcome to nginx</html>", "text/html")]
    with pytest.raises(BackendError, match="check the backend URL"):
        BackendClient(url, "tok").courses()


def test_gets_are_retried_on_503(fake_backend: tuple[str, Script]) -> None:
    url, script = fake_backend
    script.answers["GET /api/courses"] = [
        (503, "busy", "text/plain"),
        (503, "busy", "text/plain"),
        (200, envelope({"courses": [{"id": 7, "title": "Breathing", "lessonCount": 3}]}), JSON),
    ]
    courses = BackendClient(url, "tok").courses()
    assert [(c.id, c.title, c.lesson_count) for c in courses] == [("7", "Breathing", 3)]
    assert script.hits["GET /api/courses"] == 3


def test_a_link_is_never_sent_twice(fake_backend: tuple[str, Script]) -> None:
    url, script = fake_backend
    script.answers["PATCH /api/lessons/l1"] = [
        (503, envelope(success=False, message="try later"), JSON)
    ]
    with pytest.raises(ServerError, match="try later"):
        BackendClient(url, "tok").link("l1", "videos/a.mp4")
    assert script.hits["PATCH /api/lessons/l1"] == 1


@pytest.mark.parametrize(
    ("status", "message", "error"),
    [
        (401, "Sign in first", NotSignedIn),
        (401, "Token expired", SessionExpired),
        (403, "Admins only", Forbidden),
    ],
)
def test_statuses_become_typed_errors_with_the_backends_message(
    fake_backend: tuple[str, Script], status: int, message: str, error: type[BackendError]
) -> None:
    url, script = fake_backend
    script.answers["GET /api/auth/me"] = [(status, envelope(success=False, message=message), JSON)]
    with pytest.raises(error) as raised:
        BackendClient(url, "tok").me()
    assert message in str(raised.value)
    assert raised.value.status == status


def test_success_false_with_200_is_still_a_failure(fake_backend: tuple[str, Script]) -> None:
    url, script = fake_backend
    script.answers["GET /api/courses"] = [(200, envelope(success=False, message="DB down"), JSON)]
    with pytest.raises(ServerError, match="DB down"):
        BackendClient(url, "tok").courses()


def test_a_silent_backend_times_out_with_a_message(fake_backend: tuple[str, Script]) -> None:
    url, script = fake_backend
    script.delay = 1.0
    client = BackendClient(url, "tok", timeout=(1.0, 0.3))
    with pytest.raises(BackendUnreachable, match="no answer in time"):
        client.courses()


def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(BackendUnreachable, match="Check that the backend is running"):
        BackendClient(f"http://127.0.0.1:{port}", "tok").courses()


def test_the_token_never_shows_in_an_error(fake_backend: tuple[str, Script]) -> None:
    url, script = fake_backend
    secret = "tok-DISTINCTIVE-123456"
    script.answers["GET /api/auth/me"] = [(401, envelope(success=False, message=secret), JSON)]
    with pytest.raises(NotSignedIn) as raised:
        BackendClient(url, secret).me()

    assert secret not in redact(str(raised.value))
