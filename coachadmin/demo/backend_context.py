"""What every demo endpoint shares: the session check, presigning, the JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from coachadmin.demo.backend_http import ApiError, ApiRequest
from coachadmin.demo.backend_store import Course, DemoStore, Lesson, SessionExpired, User

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

STREAM_URL_SECONDS = 3600
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="coachadmin-demo"'}


def iso_utc(epoch_seconds: float) -> str:
    """``2026-01-03T09:12:45.123Z``: ISO 8601 in UTC, as the platform writes times."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user_json(user: User) -> dict[str, str]:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role}


def course_json(course: Course) -> dict[str, Any]:
    return {"id": course.id, "title": course.title, "lessonCount": course.lesson_count}


def lesson_json(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.id,
        "courseId": lesson.course_id,
        "title": lesson.title,
        "order": lesson.order,
        "videoId": lesson.video_id,
    }


def is_legacy_video_id(video_id: str) -> bool:
    """Keys have a folder; a Cloudflare Stream id (32 hex characters) has no slash."""
    return "/" not in video_id


@dataclass
class BackendContext:
    """What every handler works with: the data, the bucket, the session rules."""

    store: DemoStore
    s3: S3Client
    bucket: str
    token_ttl_seconds: float

    def user(self, request: ApiRequest, role: str | None = None) -> User:
        """The signed-in user (401 otherwise), holding ``role`` if one is given (403)."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "Sign in first", _CHALLENGE)
        try:
            user = self.store.user_for_token(token)
        except SessionExpired:
            raise ApiError(401, "Your session has expired: sign in again", _CHALLENGE) from None
        if user is None:
            raise ApiError(401, "Sign in first", _CHALLENGE)
        if role is not None and user.role != role:
            raise ApiError(
                403, f"This needs the {role} role; {user.email} is signed in as {user.role}"
            )
        return user

    def presign(self, key: str) -> str:
        return self.s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=STREAM_URL_SECONDS,
        )

    def lesson(self, request: ApiRequest) -> Lesson:
        lesson_id = request.params["lessonId"]
        lesson = self.store.lesson(lesson_id)
        if lesson is None:
            raise ApiError(404, f"There is no lesson with id {lesson_id}")
        return lesson
