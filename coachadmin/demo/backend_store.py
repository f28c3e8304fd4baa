"""The demo backend's data: users, sessions, courses and lessons in SQLite.

One connection behind a lock: the HTTP server answers on several threads, and
the demo's load (one desktop user) never needs more. Passwords are stored as
scrypt hashes and session tokens as SHA-256 digests, as a real backend would,
so the demo does not teach bad habits to whoever reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}

_SCHEMA = """
CREATE TABLE users (
    id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'author')),
    salt BLOB NOT NULL, password_hash BLOB NOT NULL
);
CREATE TABLE sessions (
    token_digest TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    expires_at REAL NOT NULL
);
CREATE TABLE courses (id TEXT PRIMARY KEY, title TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE lessons (
    id TEXT PRIMARY KEY, course_id TEXT NOT NULL REFERENCES courses(id),
    title TEXT NOT NULL, position INTEGER NOT NULL, video_id TEXT
);
CREATE INDEX lessons_by_course ON lessons (course_id, position);
"""


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    lesson_count: int


@dataclass(frozen=True)
class Lesson:
    id: str
    course_id: str
    title: str
    order: int
    video_id: str | None


class SessionExpired(Exception):
    """The token was issued here but its time is up."""


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class DemoStore:
    """All reads and writes of the demo backend, each one a short transaction."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA foreign_keys = ON")
        #: True when the file had no schema yet: the caller seeds it.
        self.fresh = int(self._db.execute("PRAGMA user_version").fetchone()[0]) == 0
        if self.fresh:
            self._db.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version = 1; COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- users and sessions

    def add_user(self, user: User, password: str) -> None:
        salt = secrets.token_bytes(16)
        with self._lock:
            self._db.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
                (user.id, user.email, user.name, user.role, salt, _hash_password(password, salt)),
            )

    def authenticate(self, email: str, password: str) -> User | None:
        """The user with these credentials, or None (the same time either way)."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, email, name, role, salt, password_hash FROM users "
                "WHERE email = ? COLLATE NOCASE",
                (email.strip(),),
            ).fetchone()
        salt, stored = (row[4], row[5]) if row else (b"\0" * 16, b"")
        matches = hmac.compare_digest(_hash_password(password, salt), stored)
        return User(*row[:4]) if row and matches else None

    def open_session(self, user_id: str, ttl_seconds: float) -> tuple[str, float]:
        """A new random token for ``user_id`` and its expiry (epoch seconds)."""
        token = secrets.token_urlsafe(32)
        expires_at = time.time() + ttl_seconds
        with self._lock:
            self._db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?)", (_digest(token), user_id, expires_at)
            )
        return token, expires_at

    def user_for_token(self, token: str) -> User | None:
        """The token's user; None if the token is unknown; SessionExpired if it expired."""
        with self._lock:
            row = self._db.execute(
                "SELECT u.id, u.email, u.name, u.role, s.expires_at FROM sessions s "
                "JOIN users u ON u.id = s.user_id WHERE s.token_digest = ?",
                (_digest(token),),
            ).fetchone()
        if row is None:
            return None
        if row[4] <= time.time():
            raise SessionExpired
        return User(*row[:4])

    def expire_all_sessions(self) -> None:
        with self._lock:
            self._db.execute("UPDATE sessions SET expires_at = ?", (time.time() - 1,))

    # -- courses and lessons

    def add_course(self, course_id: str, title: str, position: int) -> None:
        with self._lock:
            self._db.execute("INSERT INTO courses VALUES (?, ?, ?)", (course_id, title, position))

    def add_lesson(self, lesson: Lesson) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO lessons VALUES (?, ?, ?, ?, ?)",
                (lesson.id, lesson.course_id, lesson.title, lesson.order, lesson.video_id),
            )

    _COURSE_SQL = (
        "SELECT c.id, c.title, (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id) "
        "FROM courses c"
    )

    def courses(self) -> list[Course]:
        with self._lock:
            rows = self._db.execute(self._COURSE_SQL + " ORDER BY c.position").fetchall()
        return [Course(*row) for row in rows]

    def course(self, course_id: str) -> Course | None:
        with self._lock:
            row = self._db.execute(self._COURSE_SQL + " WHERE c.id = ?", (course_id,)).fetchone()
        return Course(*row) if row else None

    def lessons(self, course_id: str) -> list[Lesson]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, course_id, title, position, video_id FROM lessons "
                "WHERE course_id = ? ORDER BY position",
                (course_id,),
            ).fetchall()
        return [Lesson(*row) for row in rows]

    def lesson(self, lesson_id: str) -> Lesson | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, course_id, title, position, video_id FROM lessons WHERE id = ?",
                (lesson_id,),
            ).fetchone()
        return Lesson(*row) if row else None

    def set_video(self, lesson_id: str, video_id: str | None) -> Lesson | None:
        """Link ``video_id`` (None unlinks); the updated lesson, or None if there is none."""
        with self._lock:
            self._db.execute("UPDATE lessons SET video_id = ? WHERE id = ?", (video_id, lesson_id))
        return self.lesson(lesson_id)
