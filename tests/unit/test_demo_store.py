"""The demo backend's SQLite store: hashed passwords, expiring server-side sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coachadmin.demo.backend_store import DemoStore, Lesson, SessionExpired, User

ADA = User("u1", "ada@demo.test", "Ada", "admin")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DemoStore]:
    store = DemoStore(tmp_path / "db.sqlite3")
    store.add_user(ADA, "correct horse")
    yield store
    store.close()


def test_password_is_not_stored_in_clear(tmp_path: Path, store: DemoStore) -> None:
    raw = (tmp_path / "db.sqlite3").read_bytes()
    assert b"correct horse" not in raw
    assert b"ada@demo.test" in raw  # the file is the one we think it is


def test_authenticate(store: DemoStore) -> None:
    assert store.authenticate("ada@demo.test", "correct horse") == ADA
    assert store.authenticate("ADA@demo.test ", "correct horse") == ADA
    assert store.authenticate("ada@demo.test", "wrong") is None
    assert store.authenticate("nobody@demo.test", "correct horse") is None


def test_sessions_expire(store: DemoStore) -> None:
    token, _ = store.open_session(ADA.id, 3600)
    assert store.user_for_token(token) == ADA
    assert store.user_for_token(token + "x") is None
    store.expire_all_sessions()
    with pytest.raises(SessionExpired):
        store.user_for_token(token)
    fresh, _ = store.open_session(ADA.id, 3600)  # signing in again works
    assert store.user_for_token(fresh) == ADA


def test_session_with_zero_ttl_is_expired_at_once(store: DemoStore) -> None:
    token, _ = store.open_session(ADA.id, 0)
    with pytest.raises(SessionExpired):
        store.user_for_token(token)


def test_tokens_are_random_and_stored_as_digests(tmp_path: Path, store: DemoStore) -> None:
    first, _ = store.open_session(ADA.id, 60)
    second, _ = store.open_session(ADA.id, 60)
    assert first != second
    assert len(first) >= 32
    assert first.encode() not in (tmp_path / "db.sqlite3").read_bytes()


def test_courses_lessons_and_links(store: DemoStore) -> None:
    store.add_course("c1", "Course", 1)
    store.add_lesson(Lesson("l2", "c1", "Second", 2, None))
    store.add_lesson(Lesson("l1", "c1", "First", 1, "videos/a.mp4"))
    assert [course.lesson_count for course in store.courses()] == [2]
    assert [lesson.id for lesson in store.lessons("c1")] == ["l1", "l2"]
    updated = store.set_video("l2", "videos/b.mp4")
    assert updated is not None and updated.video_id == "videos/b.mp4"
    assert store.lesson("l2") == Lesson("l2", "c1", "Second", 2, "videos/b.mp4")
    assert store.set_video("missing", None) is None
    assert store.course("nope") is None
