"""The backend's data, checked against the API description (resources/api/openapi.yaml).

What the tool relies on must be there and of the right kind, or parsing raises
:class:`Malformed` saying what is wrong ("has no 'courses' list"); the client adds
which request it was. Within that, parsing is lenient where the answer stays usable:
ids may come as numbers, a missing title reads as "", and a time that is no ISO 8601
(only ever shown) reads as unknown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("coachadmin.backend")

ADMIN = "admin"
AUTHOR = "author"


class Malformed(ValueError):
    """What is wrong with an answer, as the end of a sentence: "has no 'courses' list"."""


def parse_time(value: str) -> datetime:
    """ISO 8601 with a ``Z`` or an offset, as the backend writes it (UTC when it has none)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time(value: Any) -> datetime | None:
    """A time the tool only shows: None when absent or unreadable (never a failure)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        log.debug("the backend sent a time that is no ISO 8601: %.40r", value)
        return None


def an_object(value: Any, missing: str) -> dict[str, Any]:
    """``value`` if it is a JSON object; else Malformed("has no " + missing)."""
    if not isinstance(value, dict):
        raise Malformed(f"has no {missing}")
    return value


def object_list(data: Any, name: str, kind: str) -> list[dict[str, Any]]:
    """``data[name]`` (or ``data`` itself, a bare list) as a list of objects."""
    items = data.get(name) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise Malformed(f"has no '{name}' list")
    for item in items:
        if not isinstance(item, dict):
            raise Malformed(f"has a {kind} that is not an object")
    return items


def _id(data: dict[str, Any], name: str, kind: str) -> str:
    value = data.get(name)
    if value is None or value == "":
        raise Malformed(f"has a {kind} without '{name}'")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Malformed(f"has a {kind} whose '{name}' is not an id")
    return str(value)


def _text(data: dict[str, Any], name: str, kind: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Malformed(f"has a {kind} whose '{name}' is not text")
    return str(value)


def _required_text(data: dict[str, Any], name: str, kind: str) -> str:
    text = _text(data, name, kind)
    if not text:
        raise Malformed(f"has a {kind} without '{name}'")
    return text


def _whole(data: dict[str, Any], name: str, kind: str) -> int:
    value = data.get(name)
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise Malformed(f"has a {kind} whose '{name}' is not a whole number")


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
        email = _text(data, "email", "user")
        return cls(
            id=_id(data, "id", "user"),
            email=email,
            name=_text(data, "name", "user") or email,
            role=_required_text(data, "role", "user"),
        )


@dataclass(frozen=True)
class Session:
    token: str
    user: User
    expires_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        token = data.get("token")
        if not isinstance(token, str) or not token.strip():
            raise Malformed("has no 'token'")
        return cls(
            token=token.strip(),
            user=User.from_json(an_object(data.get("user"), "'user'")),
            expires_at=_time(data.get("expiresAt")),
        )


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    lesson_count: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Course:
        return cls(
            id=_id(data, "id", "course"),
            title=_text(data, "title", "course"),
            lesson_count=_whole(data, "lessonCount", "course"),
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
        if video is not None and not isinstance(video, str):
            raise Malformed("has a lesson whose 'videoId' is neither a key nor null")
        course = data.get("courseId")
        return cls(
            id=_id(data, "id", "lesson"),
            course_id="" if course in (None, "") else _id(data, "courseId", "lesson"),
            title=_text(data, "title", "lesson"),
            order=_whole(data, "order", "lesson"),
            video_id=video or None,
        )


@dataclass(frozen=True)
class StreamUrl:
    url: str
    lesson_id: str
    course_id: str
    expires_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StreamUrl:
        url = data.get("streamingUrl")
        if not isinstance(url, str) or not url.strip():
            raise Malformed("has no 'streamingUrl'")
        if not url.lower().startswith(("https://", "http://")):
            raise Malformed("has a 'streamingUrl' that is no http(s) URL")
        return cls(
            url=url,
            lesson_id=_text(data, "lessonId", "stream URL"),
            course_id=_text(data, "courseId", "stream URL"),
            expires_at=_time(data.get("expiration")),
        )
