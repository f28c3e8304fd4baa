"""The lessons panel's background work: plain functions the bridge runs on worker threads.

No Qt here, and botocore at the top: the panel names these through
:class:`~coachadmin.ui.worker_imports.WorkerModule`, so this module loads on the
first worker that runs one. S3 failures become a UserFacingError in plain words,
so they reach the message banner rather than the crash dialog.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from coachadmin.backend.client import BackendClient
from coachadmin.backend.models import Course, Lesson
from coachadmin.errors import UserFacingError
from coachadmin.s3.client import make_client
from coachadmin.s3.explain import explain_error
from coachadmin.s3.listing import ObjectInfo, iter_objects
from coachadmin.s3.objects import head_object
from coachadmin.s3.reply_waits import READS_TIMEOUT
from coachadmin.services.lesson_usage import LessonRef, all_lessons, lesson_refs_linking
from coachadmin.services.lesson_videos import (
    is_video_name,
    refuse_not_video_file,
    refuse_not_video_object,
)
from coachadmin.services.link_check import (
    LessonLink,
    LinkReport,
    LinkState,
    check_course,
    check_links,
)
from coachadmin.services.media_health import health_of
from coachadmin.services.media_readiness import Readiness, fix_indexes, probe_videos
from coachadmin.services.pending_links import PendingLinks, pending_links_path

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from coachadmin.bounded import Flag
    from coachadmin.media.health import MediaHealth
    from coachadmin.s3.settings import S3Settings

T = TypeVar("T")

VIDEOS_PREFIX = "videos/"

_clients_lock = threading.Lock()


class S3Unavailable(UserFacingError):
    """The bucket could not be read; the message says why and what to do."""


@functools.cache
def _client(settings: S3Settings) -> S3Client:
    return make_client(settings, max_pool_connections=8, reads_timeout=READS_TIMEOUT)


def s3_client(settings: S3Settings) -> S3Client:
    with _clients_lock:
        return _client(settings)


def guarded(bucket: str, settings: S3Settings, call: Callable[[], T]) -> T:
    """Run an S3 call; botocore's failures become :class:`S3Unavailable`."""
    try:
        return call()
    except (ClientError, BotoCoreError) as error:
        reason = explain_error(error, endpoint=settings.endpoint_url, profile=settings.profile)
        raise S3Unavailable(f"Could not read s3://{bucket}: {reason}") from error


@dataclass(frozen=True)
class CourseLinks:
    """A course's lessons; ``links`` None (with ``s3_error``) when the bucket could not be read."""

    course: Course
    lessons: list[Lesson]
    links: list[LessonLink] | None
    s3_error: str = ""


def load_course(
    backend: BackendClient, settings: S3Settings | None, bucket: str | None, course: Course
) -> CourseLinks:
    """One course's lessons with their link states (a HEAD per linked key, or a listing)."""
    if settings is None or bucket is None:
        return CourseLinks(course, backend.lessons(course.id), None)
    s3 = s3_client(settings)
    try:
        links = guarded(bucket, settings, lambda: check_course(backend, s3, bucket, course))
    except S3Unavailable as error:
        return CourseLinks(course, backend.lessons(course.id), None, str(error))
    return CourseLinks(course, [link.lesson for link in links], links)


def course_media(
    settings: S3Settings, bucket: str, links: list[LessonLink]
) -> dict[str, MediaHealth]:
    """lesson id → the media health of its linked video (first and last bytes only)."""
    videos = {
        link.lesson.video_id: link.size
        for link in links
        if link.state is LinkState.LINKED and link.lesson.video_id and link.size is not None
    }
    s3 = s3_client(settings)
    found = guarded(bucket, settings, lambda: health_of(s3, bucket, videos.items()))
    return {
        link.lesson.id: found[link.lesson.video_id]
        for link in links
        if link.lesson.video_id in found
    }


def probe_video(path: Path) -> Readiness | None:
    """The probe of a file named like a video (None for others, or one that cannot be read)."""
    return probe_videos([path]).get(path)


def lesson_video(path: Path) -> Readiness | None:
    """:func:`probe_video` of a file that may become a lesson's video; NotAVideo (a message
    for the banner) for one that is no video, as the command line refuses it."""
    refuse_not_video_file(path)
    return probe_video(path)


def fix_video(ready: Readiness, progress: Callable[[int, int], None], cancel: Flag) -> Readiness:
    """The faststart copy of the video, beside it (the caller removes it once uploaded)."""
    return fix_indexes([ready], progress=progress, cancelled=cancel.is_set)[0]


def pending_by_lesson() -> dict[str, str]:
    """lesson id → key of the upload that will link it (the durable pending links)."""
    if not pending_links_path().exists():
        return {}
    with PendingLinks() as store:
        return {link.lesson_id: link.key for link in store.all()}


def full_report(backend: BackendClient, settings: S3Settings, bucket: str) -> LinkReport:
    """Every lesson's link, and each linked video's media health (its first and last bytes)."""
    s3 = s3_client(settings)
    return guarded(bucket, settings, lambda: check_links(backend, s3, bucket, media=True))


@dataclass(frozen=True)
class VideoInfo:
    key: str
    size: int


def object_info(settings: S3Settings, bucket: str, key: str) -> VideoInfo | None:
    """Key and size of one object, or None when it does not exist."""
    info = guarded(bucket, settings, lambda: head_object(s3_client(settings), bucket, key))
    return None if info is None else VideoInfo(key, info.size)


@dataclass(frozen=True)
class ReplaceInfo:
    """Both sides of a link change, for the question that asks before replacing."""

    new: VideoInfo | None
    old: VideoInfo | None
    #: The new object's media health (None when it does not exist).
    health: MediaHealth | None = None


def replace_info(
    settings: S3Settings, bucket: str, new_key: str, old_key: str | None
) -> ReplaceInfo:
    """The object to link and the one it replaces; NotAVideoObject (a message for the
    banner) when the object to link holds no video, as ``coachadmin link`` refuses it."""
    new = object_info(settings, bucket, new_key)
    health = None
    if new is not None:
        s3, size = s3_client(settings), new.size
        health = guarded(
            bucket, settings, lambda: refuse_not_video_object(s3, bucket, new_key, size)
        )
    old = None
    if old_key and "/" in old_key:
        old = object_info(settings, bucket, old_key)
    return ReplaceInfo(new, old, health)


def list_videos(settings: S3Settings, bucket: str) -> list[ObjectInfo]:
    """Every object under ``videos/`` named like a video (a few pages even for thousands):
    the Link dialog offers no caption or image that linking would refuse."""
    s3 = s3_client(settings)
    return guarded(
        bucket,
        settings,
        lambda: [o for o in iter_objects(s3, bucket, VIDEOS_PREFIX) if is_video_name(o.key)],
    )


def lessons_of_all_courses(backend: BackendClient) -> list[LessonRef]:
    return all_lessons(backend)


def other_lessons_using(backend: BackendClient, key: str, lesson_id: str) -> list[LessonRef]:
    refs = lesson_refs_linking(backend, [key]).get(key, [])
    return [ref for ref in refs if ref.lesson.id != lesson_id]
