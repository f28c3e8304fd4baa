"""Which lessons play, and which do not: every lesson's video link checked against the bucket.

A lesson's ``videoId`` is an S3 key since the migration; before it, a Cloudflare
Stream id (32 hex characters, no slash). The check lists ``videos/`` once (a few
pages even for thousands of videos) instead of one HEAD per lesson, and asks
HeadObject only for keys outside that prefix.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from coachadmin.backend.client import BackendClient
from coachadmin.backend.models import Course, Lesson
from coachadmin.media.health import MediaHealth
from coachadmin.s3.listing import ObjectInfo, iter_objects

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.backend")

VIDEOS_PREFIX = "videos/"
_LEGACY_ID = re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)


class LinkState(enum.Enum):
    LINKED = "linked"
    NO_VIDEO = "no-video"
    LEGACY = "legacy"
    BROKEN = "broken"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def needs_attention(self) -> bool:
        return self in (LinkState.LEGACY, LinkState.BROKEN)


_LABELS = {
    LinkState.LINKED: "Linked",
    LinkState.NO_VIDEO: "No video",
    LinkState.LEGACY: "Legacy Cloudflare id: needs a new upload",
    LinkState.BROKEN: "Broken: the video is missing from the bucket",
}


def is_legacy_id(video_id: str) -> bool:
    return "/" not in video_id and bool(_LEGACY_ID.match(video_id))


def is_s3_key(video_id: str) -> bool:
    return "/" in video_id and not video_id.startswith("/")


@dataclass(frozen=True)
class LessonLink:
    course: Course
    lesson: Lesson
    state: LinkState
    size: int | None = None  # the linked object's size, when it exists
    media: MediaHealth | None = None  # when the media were checked (linked videos only)

    @property
    def media_problem(self) -> bool:
        return self.media is not None and not self.media.healthy


@dataclass(frozen=True)
class LinkReport:
    links: list[LessonLink]
    unused_videos: list[ObjectInfo] = field(default_factory=list)

    @property
    def problems(self) -> list[LessonLink]:
        return [link for link in self.links if link.state.needs_attention]

    @property
    def media_problems(self) -> list[LessonLink]:
        """Linked lessons whose video may not play for students (empty without a media check)."""
        return [link for link in self.links if link.media_problem]

    def count(self, state: LinkState) -> int:
        return sum(1 for link in self.links if link.state is state)


def classify(lesson: Lesson, sizes: dict[str, int]) -> tuple[LinkState, int | None]:
    """The link state of one lesson, given the sizes of the objects known to exist."""
    video = lesson.video_id
    if not video:
        return LinkState.NO_VIDEO, None
    if video in sizes:
        return LinkState.LINKED, sizes[video]
    if is_legacy_id(video) or not is_s3_key(video):
        return LinkState.LEGACY, None
    return LinkState.BROKEN, None


def _head_size(client: S3Client, bucket: str, key: str) -> int | None:
    from botocore.exceptions import ClientError  # noqa: PLC0415 - the GUI starts without botocore

    try:
        return int(client.head_object(Bucket=bucket, Key=key)["ContentLength"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def check_links(
    backend: BackendClient,
    s3: S3Client,
    bucket: str,
    *,
    courses: Iterable[Course] | None = None,
    progress: Callable[[str], None] | None = None,
    media: bool = False,
) -> LinkReport:
    """Check every lesson of every course (or of ``courses``) against ``bucket``.

    ``media``: also read each linked video's health, from its first and last bytes
    (:mod:`coachadmin.services.media_health`)."""
    say = progress or (lambda _text: None)
    say("Listing videos in the bucket…")
    videos = list(iter_objects(s3, bucket, VIDEOS_PREFIX))
    sizes = {obj.key: obj.size for obj in videos}
    links: list[LessonLink] = []
    for course in list(courses) if courses is not None else backend.courses():
        say(f"Checking {course.title}…")
        for lesson in backend.lessons(course.id):
            video = lesson.video_id
            if (
                video
                and not video.startswith(VIDEOS_PREFIX)  # the listing already knows those
                and is_s3_key(video)
                and video not in sizes
            ):
                size = _head_size(s3, bucket, video)
                if size is not None:
                    sizes[video] = size
            state, size = classify(lesson, sizes)
            links.append(LessonLink(course=course, lesson=lesson, state=state, size=size))
    if media:
        links = _with_media(s3, bucket, links, say)
    used = {link.lesson.video_id for link in links}
    unused = [obj for obj in videos if obj.key not in used and not obj.key.endswith("/")]
    log.info(
        "link check: %d lessons, %d broken, %d legacy, %d unused videos",
        len(links),
        sum(1 for link in links if link.state is LinkState.BROKEN),
        sum(1 for link in links if link.state is LinkState.LEGACY),
        len(unused),
    )
    return LinkReport(links=links, unused_videos=unused)


def _with_media(
    s3: S3Client, bucket: str, links: list[LessonLink], say: Callable[[str], None]
) -> list[LessonLink]:
    from coachadmin.services.media_health import health_of  # noqa: PLC0415 - the GUI starts without botocore

    linked: dict[str, int] = {}
    for link in links:
        if link.state is LinkState.LINKED and link.lesson.video_id and link.size is not None:
            linked[link.lesson.video_id] = link.size
    say(f"Reading the first and last bytes of {len(linked)} videos…")
    health = health_of(s3, bucket, linked.items())
    return [
        replace(link, media=health.get(link.lesson.video_id or ""))
        if link.state is LinkState.LINKED
        else link
        for link in links
    ]


def link_json(link: LessonLink) -> dict[str, object]:
    """One lesson's link state for scripts (camelCase, as the API writes)."""
    return {
        "courseId": link.course.id,
        "courseTitle": link.course.title,
        "lessonId": link.lesson.id,
        "title": link.lesson.title,
        "order": link.lesson.order,
        "videoId": link.lesson.video_id,
        "state": link.state.value,
        "size": link.size,
        "media": link.media.as_json() if link.media is not None else None,
    }


def report_json(report: LinkReport, bucket: str) -> dict[str, object]:
    """The whole report as one JSON object (``coachadmin check-links --json``)."""
    return {
        "event": "link-report",
        "bucket": bucket,
        "lessons": len(report.links),
        "linked": report.count(LinkState.LINKED),
        "noVideo": report.count(LinkState.NO_VIDEO),
        "legacy": report.count(LinkState.LEGACY),
        "broken": report.count(LinkState.BROKEN),
        "problems": [link_json(link) for link in report.problems],
        "mediaProblems": [link_json(link) for link in report.media_problems],
        "unusedVideos": [{"key": obj.key, "size": obj.size} for obj in report.unused_videos],
    }
