"""The Lessons tab against a backend that misbehaves on purpose, over real HTTP: the
window shows the same one line as the command line, and nothing crashes."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from coachadmin.s3.settings import S3Settings
from coachadmin.services.sign_in import API_TOKEN_ENV
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.messages import Message, MessageBus
from tests.support.rogue_backend import RogueBackend

USER = {"id": "u1", "email": "testing@example.com", "name": "Testing", "role": "admin"}


@pytest.fixture
def rogue(monkeypatch: pytest.MonkeyPatch) -> Iterator[RogueBackend]:
    monkeypatch.setenv(API_TOKEN_ENV, "testing-token")
    with RogueBackend() as backend:
        backend.data("GET /api/auth/me", USER)
        yield backend


@pytest.fixture
def messages(bus: MessageBus) -> list[Message]:
    posted: list[Message] = []
    bus.posted.connect(posted.append)
    return posted


def _open_lessons(window: MainWindow, make_connection, rogue: RogueBackend, s3: str) -> None:
    connection = make_connection(api_url=rogue.url, s3=S3Settings(endpoint_url=s3))
    boto3.client("s3", endpoint_url=s3).create_bucket(Bucket=connection.bucket)
    window.set_connection(connection)
    window.workspace.tabs.setCurrentWidget(window.lessons)


def test_a_courses_answer_without_courses_is_one_message(
    qtbot, window, make_connection, rogue, s3_server, messages, crash_handler
) -> None:
    rogue.data("GET /api/courses", {})
    _open_lessons(window, make_connection, rogue, s3_server)
    expected = (
        "The backend's answer to GET /api/courses has no 'courses' list; is the backend URL right?"
    )
    qtbot.waitUntil(lambda: any(m.text == expected for m in messages), timeout=20_000)
    assert crash_handler.dialog is None


def test_success_false_with_http_200_is_the_backends_words(
    qtbot, window, make_connection, rogue, s3_server, messages, crash_handler
) -> None:
    rogue.data("GET /api/courses", None, success=False, message="Down for maintenance")
    _open_lessons(window, make_connection, rogue, s3_server)
    expected = "The backend refused GET /api/courses: Down for maintenance."
    qtbot.waitUntil(lambda: any(m.text == expected for m in messages), timeout=20_000)
    assert crash_handler.dialog is None
