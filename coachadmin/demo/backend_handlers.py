"""The demo backend's endpoints, as resources/api/openapi.yaml describes them.

Checks run in the order a real Express backend applies its middleware: the
route, then the session (401), then the role (403), then the body (400), then
the lesson or course (404). The backend trusts the key it is given when a
lesson is linked, as the platform does: checking that the object exists is the
desktop tool's job.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from typing import Any

from coachadmin.demo.backend_context import (
    STREAM_URL_SECONDS,
    BackendContext,
    course_json,
    is_legacy_video_id,
    iso_utc,
    lesson_json,
    user_json,
)
from coachadmin.demo.backend_http import ApiError, ApiRequest, Reply, Route
from coachadmin.demo.backend_uploads import MAX_UPLOAD_BODY, upload_handler

log = logging.getLogger("coachadmin.demo")

MAX_KEY_BYTES = 1024


def _string_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise ApiError(400, f"{name} is required")
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name} must be a non-empty string")
    return value


def _video_key(body: dict[str, Any]) -> str | None:
    """``videoId`` from a PATCH body: a plausible S3 key, or None to unlink."""
    if "videoId" not in body:
        raise ApiError(400, "videoId is required: an S3 key such as videos/intro.mp4, or null")
    value = body["videoId"]
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, "videoId must be a string (an S3 key) or null")
    if not value.strip():
        raise ApiError(400, "videoId must not be empty: send null to unlink the video")
    if value.startswith("/") or ".." in value:
        raise ApiError(400, "videoId must be an S3 key: no leading '/' and no '..'")
    if len(value.encode("utf-8")) > MAX_KEY_BYTES:
        raise ApiError(400, f"videoId is longer than S3's {MAX_KEY_BYTES}-byte limit for keys")
    return value


def _legacy_error(video_id: str, action: str) -> ApiError:
    return ApiError(
        409,
        f"This lesson still links the legacy Cloudflare Stream video {video_id}, which "
        f"{action}: re-upload the video to S3 and link the new key to the lesson",
    )


def login(ctx: BackendContext, request: ApiRequest) -> Reply:
    body = request.json_object()
    email, password = _string_field(body, "email"), _string_field(body, "password")
    user = ctx.store.authenticate(email, password)
    if user is None:
        raise ApiError(401, "Wrong email or password")
    token, expires_at = ctx.store.open_session(user.id, ctx.token_ttl_seconds)
    log.info("demo backend: %s signed in", user.email)
    data = {"token": token, "expiresAt": iso_utc(expires_at), "user": user_json(user)}
    return Reply(data, "Signed in")


def me(ctx: BackendContext, request: ApiRequest) -> Reply:
    return Reply(user_json(ctx.user(request)))


def courses(ctx: BackendContext, request: ApiRequest) -> Reply:
    ctx.user(request)
    return Reply({"courses": [course_json(course) for course in ctx.store.courses()]})


def lessons(ctx: BackendContext, request: ApiRequest) -> Reply:
    ctx.user(request)
    course_id = request.params["courseId"]
    course = ctx.store.course(course_id)
    if course is None:
        raise ApiError(404, f"There is no course with id {course_id}")
    found = [lesson_json(lesson) for lesson in ctx.store.lessons(course_id)]
    return Reply({"course": course_json(course), "lessons": found})


def link_video(ctx: BackendContext, request: ApiRequest) -> Reply:
    ctx.user(request, "admin")
    key = _video_key(request.json_object())
    lesson = ctx.store.set_video(ctx.lesson(request).id, key)
    assert lesson is not None
    return Reply(lesson_json(lesson), "Video linked" if key else "Video unlinked")


def stream_url(ctx: BackendContext, request: ApiRequest) -> Reply:
    ctx.user(request)
    lesson = ctx.lesson(request)
    if lesson.video_id is None:
        raise ApiError(404, "This lesson has no video")
    if is_legacy_video_id(lesson.video_id):
        raise _legacy_error(lesson.video_id, "cannot be streamed any more")
    expiration = iso_utc(datetime.now(UTC).timestamp() + STREAM_URL_SECONDS)
    data = {
        "streamingUrl": ctx.presign(lesson.video_id),
        "lessonId": lesson.id,
        "courseId": lesson.course_id,
        "expiration": expiration,
    }
    return Reply(data, "Streaming URL valid for 1 hour")


def delete_video(ctx: BackendContext, request: ApiRequest) -> Reply:
    ctx.user(request, "admin")
    lesson = ctx.lesson(request)
    if lesson.video_id is None:
        raise ApiError(404, "This lesson has no video")
    if is_legacy_video_id(lesson.video_id):
        raise _legacy_error(lesson.video_id, "is not in the bucket (unlink it instead)")
    ctx.s3.delete_object(Bucket=ctx.bucket, Key=lesson.video_id)
    ctx.store.set_video(lesson.id, None)
    log.info("demo backend: deleted %s of lesson %s", lesson.video_id, lesson.id)
    return Reply({"lessonId": lesson.id, "deletedKey": lesson.video_id}, "Video deleted")


def api_routes(ctx: BackendContext) -> list[Route]:
    """Every endpoint of the API, bound to ``ctx``."""
    routes = [
        Route(method, rule, functools.partial(handler, ctx))
        for method, rule, handler in (
            ("POST", "/api/auth/login", login),
            ("GET", "/api/auth/me", me),
            ("GET", "/api/courses", courses),
            ("GET", "/api/courses/<courseId>/lessons", lessons),
            ("PATCH", "/api/lessons/<lessonId>", link_video),
            ("GET", "/api/videos/<lessonId>/stream-url", stream_url),
            ("DELETE", "/api/videos/<lessonId>", delete_video),
        )
    ]
    for kind in ("image", "video"):
        upload = upload_handler(ctx, kind)
        routes.append(Route("POST", f"/api/upload/{kind}", upload, max_body=MAX_UPLOAD_BODY))
    return routes
