"""The real CLI against a backend that misbehaves on purpose: one line on stderr that names
the request, the right exit status, never a traceback."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import boto3
import pytest

from coachadmin.services.sign_in import (
    API_DEADLINE_ENV,
    API_MAX_BYTES_ENV,
    API_TOKEN_ENV,
    API_URL_ENV,
)
from tests.support.rogue_backend import Reply, RogueBackend, envelope
from tests.support.transfers import run_cli

ME = "GET /api/auth/me"
COURSES = "GET /api/courses"
LESSONS = "GET /api/courses/c1/lessons"
URL_HINT = "; is the backend URL right?"


@pytest.fixture
def rogue() -> Iterator[RogueBackend]:
    with RogueBackend() as backend:
        yield backend


def cli(rogue: RogueBackend, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``coachadmin ARGS`` as a script runs it: the backend and token from the environment."""
    base = {**os.environ, API_URL_ENV: rogue.url, API_TOKEN_ENV: "testing-token"}
    return run_cli(*args, env={**base, **env}, timeout=60)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("args", "request_", "data", "problem"),
    [
        (("whoami",), ME, None, "has no user"),
        (("whoami", "--json"), ME, {"id": "u1"}, "has a user without 'role'"),
        (("courses",), COURSES, {}, "has no 'courses' list"),
        (("courses", "--json"), COURSES, {"courses": [None]}, "has a course that is not an object"),
        (("lessons", "c1"), LESSONS, {"course": {"id": "c1"}}, "has no 'lessons' list"),
    ],
)
def test_an_answer_that_breaks_the_api_is_one_line_naming_the_request(
    rogue: RogueBackend, args: tuple[str, ...], request_: str, data: object, problem: str
) -> None:
    rogue.data(request_, data)
    result = cli(rogue, *args)
    assert result.returncode == 1
    assert one_line(result) == f"coachadmin: The backend's answer to {request_} {problem}{URL_HINT}"


def test_check_links_with_a_broken_courses_answer(rogue: RogueBackend, s3_server: str) -> None:
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket="check-links-rogue")
    rogue.data(COURSES, {"items": []})
    result = cli(rogue, "check-links", "--bucket", "check-links-rogue", "--endpoint-url", s3_server)
    assert result.returncode == 1
    assert one_line(result) == (
        f"coachadmin: The backend's answer to {COURSES} has no 'courses' list{URL_HINT}"
    )


@pytest.mark.parametrize(
    "body",
    [b"<!doctype html><title>Sign in to Wi-Fi</title>", b"[" * 200_000 + b"]" * 200_000],
    ids=["html", "nested-200000-deep"],
)
def test_what_is_not_json_is_one_line(rogue: RogueBackend, body: bytes) -> None:
    rogue.answer(COURSES, Reply(body=body, headers={"Content-Type": "text/html"}))
    result = cli(rogue, "courses")
    assert result.returncode == 1
    assert one_line(result) == (
        f"coachadmin: The backend at {rogue.url} did not answer {COURSES} with the "
        "platform's JSON; check the backend URL."
    )


def test_success_false_with_http_200_is_not_called_http_500(rogue: RogueBackend) -> None:
    rogue.data(COURSES, None, success=False, message="Down for maintenance")
    result = cli(rogue, "courses")
    assert result.returncode == 1
    assert one_line(result) == f"coachadmin: The backend refused {COURSES}: Down for maintenance."


def test_a_rejected_environment_token_is_named_as_the_variable(rogue: RogueBackend) -> None:
    rogue.answer(ME, Reply(401, envelope(success=False, message="Invalid token")))
    result = cli(rogue, "whoami")
    assert result.returncode == 3
    line = one_line(result)
    assert line == (
        f"coachadmin: The backend at {rogue.url} refused the token in {API_TOKEN_ENV} "
        f"(expired or revoked): unset {API_TOKEN_ENV}, or set it to a fresh token printed by: "
        f"coachadmin login --api-url {rogue.url} --email EMAIL --print-token"
    )
    assert "saved sign-in" not in line and "testing-token" not in line


def test_an_expired_environment_token_says_so(rogue: RogueBackend) -> None:
    rogue.answer(COURSES, Reply(401, envelope(success=False, message="Token expired")))
    result = cli(rogue, "courses")
    assert result.returncode == 3
    assert one_line(result) == (
        f"coachadmin: The token in {API_TOKEN_ENV} has expired: unset {API_TOKEN_ENV}, or set "
        f"it to a fresh token printed by: coachadmin login --api-url {rogue.url} --email EMAIL "
        "--print-token"
    )


def test_a_trickling_backend_is_given_up_at_the_deadline(rogue: RogueBackend) -> None:
    rogue.answer(COURSES, Reply(body=envelope({"courses": []}), drip=0.2))
    result = cli(rogue, "courses", **{API_DEADLINE_ENV: "1.5"})
    assert result.returncode == 1
    assert one_line(result) == (
        f"coachadmin: The backend at {rogue.url} did not finish answering {COURSES} within "
        "1.5 s. Check your network connection, or try again later."
    )


def test_an_endless_body_is_refused_at_the_limit(rogue: RogueBackend) -> None:
    rogue.answer(COURSES, Reply(body=b'{"success": true, "data": "', filler=64 * 1024 * 1024))
    result = cli(rogue, "courses", **{API_MAX_BYTES_ENV: "65536"})
    assert result.returncode == 1
    assert one_line(result) == (
        f"coachadmin: The backend at {rogue.url} sent more than 65.5 KB in answer to "
        f"{COURSES}, far more than the platform's answers need; is the backend URL right?"
    )
    assert rogue.exchange(COURSES).cut_short


def test_a_limit_that_is_no_number_is_a_usage_error(rogue: RogueBackend) -> None:
    result = cli(rogue, "courses", **{API_DEADLINE_ENV: "soon"})
    assert result.returncode == 2
    assert one_line(result) == (
        f"coachadmin: {API_DEADLINE_ENV} must be a positive number, not 'soon'."
    )
    assert rogue.hits == {}
