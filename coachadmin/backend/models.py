"""The backend's data, parsed defensively: ids may come as numbers, fields may be missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coachadmin.backend.errors import BackendError

ADMIN = "admin"
AUTHOR = "author"


def _field(data: dict[str, Any], name: str, kind: str) -> Any:
    if name not in data:
        raise BackendError(f"The backend sent a {kind} without '{name}'; is this the right URL?")
    return data[name]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_time(value: str) -> datetime:
    """ISO 8601 with a ``Z`` or an offset, as the backend writes it."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        return cls(
            id=_text(_field(data, "id", "user")),
            email=_text(data.get("email")),
            name=_text(data.get("name")) or _text(data.get("email")),
            role=_text(_field(data, "role", "user")),
        )


@dataclass(frozen=True)
class Session:
    token: str
    user: User
    expires_at: datetime | None


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    lesson_count: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Course:
        return cls(
            id=_text(_field(data, "id", "course")),
            title=_text(data.get("title")),
            lesson_count=int(data.get("lessonCount") or 0),
        )


@dataclass(frozen=True)
class Lesson:
    id: str
    course_id: str
    title: str
    order: int
    video_id: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lesson:
        video = data.get("videoId")
        return cls(
            id=_text(_field(data, "id", "lesson")),
            course_id=_text(data.get("courseId")),
            title=_text(data.get("title")),
            order=int(data.get("order") or 0),
            video_id=None if video in (None, "") else str(video),
        )


@dataclass(frozen=True)
class StreamUrl:
    url: str
    lesson_id: str
    course_id: str
    expires_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StreamUrl:
        expiration = data.get("expiration")
        return cls(
            url=_text(_field(data, "streamingUrl", "stream URL")),
            lesson_id=_text(data.get("lessonId")),
            course_id=_text(data.get("courseId")),
            expires_at=parse_time(expiration) if isinstance(expiration, str) else None,
        )
