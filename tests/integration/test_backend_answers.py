"""Every answer is checked against the platform's API: what breaks it is one BackendError
that names the request, over real HTTP from a backend that misbehaves on purpose."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from coachadmin.backend.client import BackendClient
from coachadmin.backend.errors import BackendError, Refused, ServerError, UnexpectedAnswer
from tests.support.rogue_backend import Reply, RogueBackend, envelope

Call = Callable[[BackendClient], Any]

ME = "GET /api/auth/me"
COURSES = "GET /api/courses"
LESSONS = "GET /api/courses/c1/lessons"
LINK = "PATCH /api/lessons/l1"
STREAM = "GET /api/videos/l1/stream-url"
DELETE = "DELETE /api/videos/l1"
LOGIN = "POST /api/auth/login"

CALLS: dict[str, Call] = {
    ME: lambda client: client.me(),
    COURSES: lambda client: client.courses(),
    LESSONS: lambda client: client.lessons("c1"),
    LINK: lambda client: client.link("l1", "videos/a.mp4"),
    STREAM: lambda client: client.stream_url("l1"),
    DELETE: lambda client: client.delete_video("l1"),
    LOGIN: lambda client: client.login("testing@example.com", "testing"),
}

URL_HINT = "; is the backend URL right?"
MAYBE_DONE = " The change may have been made: refresh to see."


@pytest.fixture
def rogue() -> Iterator[RogueBackend]:
    with RogueBackend() as backend:
        yield backend


def _fails(rogue: RogueBackend, request: str) -> BackendError:
    with pytest.raises(BackendError) as raised:
        CALLS[request](BackendClient(rogue.url, "tok"))
    return raised.value


@pytest.mark.parametrize(
    ("request_", "data", "problem"),
    [
        (ME, None, "has no user"),
        (ME, {"id": "u1", "email": "a@b.c"}, "has a user without 'role'"),
        (ME, {"id": ["u1"], "role": "admin"}, "has a user whose 'id' is not an id"),
        (COURSES, None, "has no 'courses' list"),
        (COURSES, {}, "has no 'courses' list"),
        (COURSES, {"courses": "all of them"}, "has no 'courses' list"),
        (COURSES, {"courses": [7]}, "has a course that is not an object"),
        (COURSES, {"courses": [{"title": "Breathing"}]}, "has a course without 'id'"),
        (
            COURSES,
            {"courses": [{"id": 1, "lessonCount": "many"}]},
            "has a course whose 'lessonCount' is not a whole number",
        ),
        (COURSES, {"courses": [{"id": 1, "title": {}}]}, "has a course whose 'title' is not text"),
        (LESSONS, {"course": {"id": "c1"}}, "has no 'lessons' list"),
        (
            LESSONS,
            {"lessons": [{"id": "l1", "videoId": 5}]},
            "has a lesson whose 'videoId' is neither a key nor null",
        ),
        (STREAM, {}, "has no 'streamingUrl'"),
        (
            STREAM,
            {"streamingUrl": "file:///etc/passwd"},
            "has a 'streamingUrl' that is no http(s) URL",
        ),
        (LOGIN, {"user": {"id": "u1", "role": "admin"}}, "has no 'token'"),
        (LOGIN, {"token": "t0k"}, "has no 'user'"),
    ],
)
def test_an_answer_that_breaks_the_api_names_the_request_and_what_is_wrong(
    rogue: RogueBackend, request_: str, data: object, problem: str
) -> None:
    rogue.data(request_, data)
    error = _fails(rogue, request_)
    assert isinstance(error, UnexpectedAnswer)
    assert str(error) == f"The backend's answer to {request_} {problem}{URL_HINT}"


@pytest.mark.parametrize(
    ("request_", "data", "problem"),
    [
        (LINK, None, "has no lesson"),
        (LINK, {"lesson": "l1"}, "has a lesson without 'id'"),
        (DELETE, {}, "has no 'deletedKey'"),
    ],
)
def test_a_change_with_a_broken_answer_says_it_may_have_been_made(
    rogue: RogueBackend, request_: str, data: object, problem: str
) -> None:
    rogue.data(request_, data)
    assert str(_fails(rogue, request_)) == (
        f"The backend's answer to {request_} {problem}{URL_HINT}{MAYBE_DONE}"
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": {"courses": []}}',
        b'{"success": "yes", "data": {"courses": []}}',
        b'{"success": 1, "data": {"courses": []}}',
    ],
)
def test_an_envelope_without_success_true_is_refused(rogue: RogueBackend, body: bytes) -> None:
    rogue.answer(COURSES, Reply(body=body))
    assert str(_fails(rogue, COURSES)) == (
        f"The backend's answer to {COURSES} has no 'success': true{URL_HINT}"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Welcome to nginx!</body></html>", "text/html"),
        (b"[1, 2, 3]", "application/json"),
        (b'"courses"', "application/json"),
        (b"null", "application/json"),
        (b'{"success": true, "data": ', "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b"", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "application/json"),
    ],
    ids=[
        "html",
        "list",
        "string",
        "null",
        "cut",
        "not-utf8",
        "empty",
        "nested-lists",
        "nested-objects",
    ],
)
def test_what_is_not_the_platforms_json_names_the_request(
    rogue: RogueBackend, body: bytes, content_type: str
) -> None:
    rogue.answer(COURSES, Reply(body=body, headers={"Content-Type": content_type}))
    assert str(_fails(rogue, COURSES)) == (
        f"The backend at {rogue.url} did not answer {COURSES} with the platform's JSON; "
        "check the backend URL."
    )


def test_an_html_404_is_another_site_not_a_missing_item(rogue: RogueBackend) -> None:
    page = b"<html><h1>404 Not Found</h1></html>"
    rogue.answer(LESSONS, Reply(404, page, headers={"Content-Type": "text/html"}))
    assert str(_fails(rogue, LESSONS)) == (
        f"The backend at {rogue.url} did not answer {LESSONS} with the platform's JSON "
        "(HTTP 404); check the backend URL."
    )


def test_a_proxys_error_page_names_the_request_that_failed(rogue: RogueBackend) -> None:
    page = Reply(500, b"<html>Internal Server Error</html>", headers={"Content-Type": "text/html"})
    rogue.answer(COURSES, page)
    error = _fails(rogue, COURSES)
    assert isinstance(error, ServerError) and error.status == 500
    assert str(error) == (
        f"The backend failed on {COURSES} (HTTP 500): Whatever. "
        "Try again in a minute; if it goes on, tell the platform's developers."
    )


def test_success_false_with_http_200_is_the_backends_refusal_not_http_500(
    rogue: RogueBackend,
) -> None:
    rogue.data(COURSES, None, success=False, message="The database is\nbeing migrated")
    error = _fails(rogue, COURSES)
    assert isinstance(error, Refused) and error.status == 200
    assert str(error) == f"The backend refused {COURSES}: The database is being migrated."
    assert "HTTP 500" not in str(error)


def test_success_false_without_a_message_says_so(rogue: RogueBackend) -> None:
    rogue.answer(COURSES, Reply(body=b'{"success": false, "message": {"code": 7}}'))
    assert str(_fails(rogue, COURSES)) == f"The backend refused {COURSES} without saying why."


def test_a_redirect_is_not_followed(rogue: RogueBackend) -> None:
    elsewhere = Reply(302, b"", headers={"Location": "http://203.0.113.9/steal"})
    rogue.answer(ME, elsewhere)
    assert str(_fails(rogue, ME)) == (
        f"The backend's answer to {ME} is a redirect (HTTP 302) to http://203.0.113.9/steal"
        f"{URL_HINT}"
    )
    assert rogue.hits == {ME: 1}


def test_the_backends_long_message_is_cut_to_one_readable_line(rogue: RogueBackend) -> None:
    rogue.answer(ME, Reply(403, envelope(success=False, message="no\r\n" + "x" * 5000)))
    text = str(_fails(rogue, ME))
    assert "\n" not in text and "\r" not in text
    assert "no " + "x" * 297 + "…" in text and len(text) < 500
