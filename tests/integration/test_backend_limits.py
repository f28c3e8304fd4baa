"""The backend client's overall deadline and body limit, against a real server on loopback
that trickles bytes, asks for long waits, or sends far too much."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from coachadmin.backend.client import DEFAULT_MAX_BODY, BackendClient
from coachadmin.backend.errors import AnswerTooLarge, BackendTooSlow
from coachadmin.display import format_size
from tests.support.rogue_backend import Reply, RogueBackend, envelope

COURSES = "GET /api/courses"
ONE_COURSE = envelope({"courses": [{"id": "c1", "title": "Breathing", "lessonCount": 2}]})
MiB = 1024 * 1024


@pytest.fixture
def rogue() -> Iterator[RogueBackend]:
    with RogueBackend() as backend:
        yield backend


def _too_slow(rogue: RogueBackend, seconds: float) -> str:
    return (
        f"The backend at {rogue.url} did not finish answering {COURSES} within {seconds:g} s. "
        "Check your network connection, or try again later."
    )


def _too_large(rogue: RogueBackend) -> str:
    return (
        f"The backend at {rogue.url} sent more than {format_size(DEFAULT_MAX_BODY)} in answer "
        f"to {COURSES}, far more than the platform's answers need; is the backend URL right?"
    )


@pytest.mark.parametrize("drip_head", [False, True], ids=["body", "status-line"])
def test_a_backend_that_trickles_bytes_is_cut_off_at_the_deadline(
    rogue: RogueBackend, drip_head: bool
) -> None:
    """One byte every 0.1 s keeps the read timeout (30 s) from ever firing."""
    rogue.answer(COURSES, Reply(body=ONE_COURSE, drip=0.1, drip_head=drip_head))
    client = BackendClient(rogue.url, "tok", deadline=1.5)
    started = time.monotonic()
    with pytest.raises(BackendTooSlow) as raised:
        client.courses()
    assert time.monotonic() - started < 4
    assert str(raised.value) == _too_slow(rogue, 1.5)
    assert rogue.exchange(COURSES).cut_short
    assert rogue.hits == {COURSES: 1}  # not tried again after the deadline


def test_a_slow_answer_within_the_deadline_arrives(rogue: RogueBackend) -> None:
    rogue.answer(COURSES, Reply(body=ONE_COURSE, drip=0.005))
    courses = BackendClient(rogue.url, "tok", deadline=10).courses()
    assert [course.title for course in courses] == ["Breathing"]


def test_retry_after_never_waits_past_the_deadline(rogue: RogueBackend) -> None:
    busy = Reply(503, envelope(success=False, message="busy"), headers={"Retry-After": "30"})
    rogue.answer(COURSES, busy)
    client = BackendClient(rogue.url, "tok", deadline=1.5)
    started = time.monotonic()
    with pytest.raises(BackendTooSlow) as raised:
        client.courses()
    assert time.monotonic() - started < 4
    assert str(raised.value) == _too_slow(rogue, 1.5)


@pytest.mark.parametrize("content_length", [True, False], ids=["announced", "unannounced"])
def test_an_endless_body_is_refused_at_16_mib(rogue: RogueBackend, content_length: bool) -> None:
    """A body that never ends the JSON: reading stops past the limit and the socket closes."""
    rogue.answer(COURSES, Reply(body=b'{"x": "', filler=256 * MiB, content_length=content_length))
    with pytest.raises(AnswerTooLarge) as raised:
        BackendClient(rogue.url, "tok").courses()
    assert str(raised.value) == _too_large(rogue)
    exchange = rogue.exchange(COURSES)
    assert exchange.cut_short and exchange.body_bytes_sent < 64 * MiB


def test_a_compressed_body_is_limited_as_it_unpacks(rogue: RogueBackend) -> None:
    """256 MiB of spaces gzip to a few hundred KB: the limit counts the unpacked bytes."""
    rogue.answer(COURSES, Reply(body=b'{"x": "', filler=256 * MiB, gzip_filler=True))
    with pytest.raises(AnswerTooLarge) as raised:
        BackendClient(rogue.url, "tok").courses()
    assert str(raised.value) == _too_large(rogue)


def test_an_answer_just_under_the_limit_is_read(rogue: RogueBackend) -> None:
    body = ONE_COURSE[:-1] + b', "pad": "' + b" " * (MiB - len(ONE_COURSE) - 20) + b'"}'
    rogue.answer(COURSES, Reply(body=body))
    courses = BackendClient(rogue.url, "tok", max_body=MiB).courses()
    assert [course.id for course in courses] == ["c1"]
