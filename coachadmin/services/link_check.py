"""Which lessons play, and which do not: every lesson's video link checked against the bucket.

A lesson's ``videoId`` is an S3 key since the migration; before it, a Cloudflare
Stream id (32 hex characters, no slash). The check lists ``videos/`` once (a few
pages even for thousands of videos) instead of one HEAD per lesson, and asks
HeadObject only for keys outside that prefix. The listing runs beside the
backend's requests and the media reads, so 1,000 lessons against 10,000 videos
take seconds (bench/bench_check_links.py, docs/performance.md).
"""

from __future__ import annotations

import enum
import itertools
import logging
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coachadmin.backend.client import BackendClient
from coachadmin.backend.models import Course, Lesson
from coachadmin.bounded import run_each
from coachadmin.media.health import MediaHealth
from coachadmin.s3.listing import ObjectInfo, Page, iter_pages

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.backend")

VIDEOS_PREFIX = "videos/"
#: HEADs at once, of keys outside ``videos/`` (the media reads: media_health.IN_FLIGHT).
IN_FLIGHT = 8
#: A course linking at most this many keys is checked by a HEAD per key, not a listing of
#: all of ``videos/`` (10 pages at 10,000 videos, 100 at 100,000).
FEW_KEYS = 64
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


class _VideoListing:
    """``videos/`` listed on a thread of its own, page by page, while the rest goes on.

    Iterate it (once) for the objects as their pages arrive; :attr:`objects` holds
    those seen. :meth:`close` stops the listing after the page in flight."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3, self._bucket = s3, bucket
        self._pages: queue.SimpleQueue[Page | BaseException | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.objects: list[ObjectInfo] = []
        self._thread = threading.Thread(target=self._list, name="link-check-listing", daemon=True)
        self._thread.start()

    def _list(self) -> None:
        try:
            for page in iter_pages(self._s3, self._bucket, VIDEOS_PREFIX, delimiter=None):
                self._pages.put(page)
                if self._stop.is_set():
                    break
        except BaseException as error:  # noqa: BLE001 - raised where the pages are read
            self._pages.put(error)
        self._pages.put(None)

    def __iter__(self) -> Iterator[ObjectInfo]:
        while (page := self._pages.get()) is not None:
            if isinstance(page, BaseException):
                raise page
            self.objects.extend(page.objects)
            yield from page.objects

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


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
    (:mod:`coachadmin.services.media_health`).

    The requests do not grow with the lessons: one listing of ``videos/`` (a page per
    1,000 objects), on a thread of its own while the backend gives the lessons (one
    request per course); a HEAD only for each distinct key outside ``videos/``. The
    media are read as the listing's pages name the linked videos, eight at a time
    (:data:`coachadmin.services.media_health.IN_FLIGHT`)."""
    say = progress or (lambda _text: None)
    return _checked(s3, bucket, lambda: _lessons(backend, courses, say), say, media=media)


def _checked(
    s3: S3Client,
    bucket: str,
    lessons_of: Callable[[], list[tuple[Course, Lesson]]],
    say: Callable[[str], None],
    *,
    media: bool,
) -> LinkReport:
    """:func:`check_links` for the lessons ``lessons_of()`` gives, called while ``videos/``
    is being listed."""
    say("Listing videos in the bucket…")
    listing = _VideoListing(s3, bucket)
    try:
        lessons = lessons_of()
        linked = {lesson.video_id for _course, lesson in lessons if lesson.video_id}
        outside = _head_sizes(s3, bucket, sorted(k for k in linked if _outside_videos(k)))
        health: dict[str, MediaHealth] = {}
        if media:
            say("Reading the first and last bytes of the linked videos…")
            listed = ((obj.key, obj.size) for obj in listing if obj.key in linked)
            health = _health_of(s3, bucket, itertools.chain(outside.items(), listed))
        else:
            for _obj in listing:
                pass
    finally:
        listing.close()
    videos = listing.objects
    sizes = {obj.key: obj.size for obj in videos} | outside
    links: list[LessonLink] = []
    for course, lesson in lessons:
        state, size = classify(lesson, sizes)
        found = health.get(lesson.video_id or "") if state is LinkState.LINKED else None
        links.append(LessonLink(course=course, lesson=lesson, state=state, size=size, media=found))
    unused = [obj for obj in videos if obj.key not in linked and not obj.key.endswith("/")]
    log.info(
        "link check: %d lessons, %d broken, %d legacy, %d unused videos",
        len(links),
        sum(1 for link in links if link.state is LinkState.BROKEN),
        sum(1 for link in links if link.state is LinkState.LEGACY),
        len(unused),
    )
    return LinkReport(links=links, unused_videos=unused)


def check_course(
    backend: BackendClient, s3: S3Client, bucket: str, course: Course
) -> list[LessonLink]:
    """One course's lessons with their link states, for the window's course view.

    A course links a few dozen videos: a HEAD for each, :data:`IN_FLIGHT` at a time, costs
    less than listing every video of the bucket, whose time grows with the bucket. A
    course with more than :data:`FEW_KEYS` linked keys is checked by the listing."""
    lessons = backend.lessons(course.id)
    keys = sorted(
        {lesson.video_id for lesson in lessons if lesson.video_id and is_s3_key(lesson.video_id)}
    )
    if len(keys) > FEW_KEYS:
        pairs = [(course, lesson) for lesson in lessons]
        return _checked(s3, bucket, lambda: pairs, lambda _text: None, media=False).links
    sizes = _head_sizes(s3, bucket, keys)
    links = []
    for lesson in lessons:
        state, size = classify(lesson, sizes)
        links.append(LessonLink(course=course, lesson=lesson, state=state, size=size))
    return links


def _lessons(
    backend: BackendClient, courses: Iterable[Course] | None, say: Callable[[str], None]
) -> list[tuple[Course, Lesson]]:
    """Every lesson with its course, in order: one request per course."""
    found: list[tuple[Course, Lesson]] = []
    for course in list(courses) if courses is not None else backend.courses():
        say(f"Checking {course.title}…")
        found.extend((course, lesson) for lesson in backend.lessons(course.id))
    return found


def _outside_videos(video: str) -> bool:
    """A key the listing of ``videos/`` does not answer for: one HEAD tells."""
    return is_s3_key(video) and not video.startswith(VIDEOS_PREFIX)


def _head_sizes(s3: S3Client, bucket: str, keys: list[str]) -> dict[str, int]:
    """key → size of those of ``keys`` that exist, :data:`IN_FLIGHT` HEADs at a time."""
    sizes: dict[str, int] = {}

    def head(key: str) -> None:
        size = _head_size(s3, bucket, key)
        if size is not None:
            sizes[key] = size

    if keys:
        run_each(keys, head, in_flight=IN_FLIGHT, name="link-check-head")
    return {key: sizes[key] for key in keys if key in sizes}


def _health_of(
    s3: S3Client, bucket: str, objects: Iterable[tuple[str, int]]
) -> dict[str, MediaHealth]:
    from coachadmin.services.media_health import health_of  # noqa: PLC0415 - the GUI starts without botocore

    return health_of(s3, bucket, objects)


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
