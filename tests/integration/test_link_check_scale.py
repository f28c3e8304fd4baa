"""The link check at scale, against the demo backend and moto over HTTP: its requests do not
grow with the lessons, its answers stay exact, and a failure leaves no listing behind."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

from coachadmin.backend.client import BackendClient
from coachadmin.backend.errors import BackendError
from coachadmin.demo import backend_seed
from coachadmin.demo.backend_store import Lesson
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.client import make_client
from coachadmin.services.link_check import FEW_KEYS, LinkState, check_course, check_links
from tests.support.faultproxy import FaultProxy, Request

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def s3_proxy(demo: DemoEnvironment) -> Iterator[FaultProxy]:
    with FaultProxy(demo.info.s3_endpoint) as proxy:
        yield proxy


@pytest.fixture
def api_proxy(demo: DemoEnvironment) -> Iterator[FaultProxy]:
    with FaultProxy(demo.info.api_url) as proxy:
        yield proxy


@pytest.fixture
def admin(demo: DemoEnvironment, api_proxy: FaultProxy) -> BackendClient:
    client = BackendClient(api_proxy.url)
    client.login(demo.info.admin_email, demo.info.admin_password)
    api_proxy.stats.requests.clear()
    return client


def s3_via(demo: DemoEnvironment, proxy: FaultProxy) -> S3Client:
    return make_client(replace(demo.info.s3_settings(), endpoint_url=proxy.url))


def kinds(requests: list[Request]) -> Counter[str]:
    found: Counter[str] = Counter()
    for request in requests:
        query = parse_qs(urlsplit(request.target).query, keep_blank_values=True)
        if request.method == "GET" and "list-type" in query:
            found["list"] += 1
        elif request.method == "GET" and "/api/" not in request.target:
            found["read"] += 1
        else:
            found[f"{request.method} {'lessons' if 'lessons' in request.target else 'other'}"] += 1
    return found


def add_course(demo: DemoEnvironment, number: int, videos: list[str | None]) -> None:
    store = demo.backend.store
    course_id = backend_seed.object_id("scale-course", number)
    store.add_course(course_id, f"Scale course {number}", 1000 + number)
    for order, video in enumerate(videos, start=1):
        lesson_id = backend_seed.object_id("scale-lesson", 10_000 * number + order)
        store.add_lesson(Lesson(lesson_id, course_id, f"Scale {number}.{order}", order, video))


def test_the_requests_do_not_grow_with_the_lessons(demo, admin, s3_proxy, api_proxy):
    s3 = s3_via(demo, s3_proxy)
    before = check_links(admin, s3, demo.info.bucket, media=True)
    s3_before = kinds(s3_proxy.stats.requests)
    api_before = kinds(api_proxy.stats.requests)
    courses = len(demo.backend.store.courses())
    assert api_before == Counter({"GET other": 1, "GET lessons": courses})

    linked = sorted({link.lesson.video_id for link in before.links if link.size is not None})
    missing = next(link.lesson.video_id for link in before.problems if link.state.value == "broken")
    # 300 lessons more, in 3 courses: the same videos linked again, broken, legacy and none.
    mix = [*linked, missing, backend_seed.LEGACY_VIDEO_ID, None]
    for number in range(3):
        add_course(demo, number, (mix * 10)[:100])
    s3_proxy.stats.requests.clear()
    api_proxy.stats.requests.clear()
    after = check_links(admin, s3, demo.info.bucket, media=True)

    assert len(after.links) == len(before.links) + 300
    assert kinds(s3_proxy.stats.requests) == s3_before, "S3 requests grew with the lessons"
    assert kinds(api_proxy.stats.requests) == Counter({"GET other": 1, "GET lessons": courses + 3})
    added = Counter(link.state for link in after.links) - Counter(
        link.state for link in before.links
    )
    per_course = Counter(
        LinkState.LINKED if v in linked else LinkState.BROKEN if v == missing
        else LinkState.LEGACY if v else LinkState.NO_VIDEO
        for v in (mix * 10)[:100]
    )  # fmt: skip
    assert added == Counter({state: 3 * count for state, count in per_course.items()})
    health = {link.lesson.video_id: link.media for link in before.links if link.media}
    for link in after.links:
        if link.state is LinkState.LINKED:
            assert link.media == health[link.lesson.video_id]
    assert after.unused_videos == before.unused_videos


@pytest.fixture
def extra(demo: DemoEnvironment) -> Iterator[list[str]]:
    """2,300 small objects under videos/ and one in uploads/, put straight into moto's store
    (seconds, not minutes of PUTs), and deleted the same way: the next demo empties the
    bucket over HTTP."""
    store = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    keys = [f"videos/extra/clip-{number:04d}.mp4" for number in range(2_300)]
    for key in keys:
        store.put_object(demo.info.bucket, key, b"not really a video")
    store.put_object(demo.info.bucket, "uploads/old/intro.mp4", b"x" * 1234)
    yield keys
    for key in [*keys, "uploads/old/intro.mp4"]:
        store.delete_object(demo.info.bucket, key)


def test_many_pages_of_videos_and_keys_outside_videos_stay_exact(demo, admin, s3_proxy, extra):
    info = demo.info
    add_course(
        demo,
        1,
        [
            extra[5],
            extra[2_299],
            "uploads/old/intro.mp4",
            "uploads/old/intro.mp4",
            "uploads/gone.mp4",
        ],
    )
    s3 = s3_via(demo, s3_proxy)
    report = check_links(admin, s3, info.bucket, media=True)

    listed = sorted(
        item["Key"]
        for page in make_client(info.s3_settings())
        .get_paginator("list_objects_v2")
        .paginate(Bucket=info.bucket, Prefix="videos/")
        for item in page.get("Contents", [])
    )
    requests = kinds(s3_proxy.stats.requests)
    assert requests["list"] == len(listed) // 1000 + 1 == 3
    assert requests["HEAD other"] == 2, "one HEAD per distinct key outside videos/"
    scale = {
        link.lesson.title: link for link in report.links if link.course.title.startswith("Scale")
    }
    assert [(link.state, link.size) for link in scale.values()] == [
        (LinkState.LINKED, 18), (LinkState.LINKED, 18), (LinkState.LINKED, 1234),
        (LinkState.LINKED, 1234), (LinkState.BROKEN, None),
    ]  # fmt: skip
    assert all(link.media is not None for link in scale.values() if link.size is not None)
    assert not scale["Scale 1.3"].media.healthy  # type: ignore[union-attr]
    used = {link.lesson.video_id for link in report.links}
    assert [obj.key for obj in report.unused_videos] == [k for k in listed if k not in used]


def _listing_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "link-check-listing"]


def test_a_missing_bucket_is_s3s_error_and_no_listing_stays(demo, admin):
    s3 = make_client(demo.info.s3_settings())
    with pytest.raises(ClientError) as raised:
        check_links(admin, s3, "no-such-bucket-here", media=True)
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"
    assert _listing_threads() == []


def test_a_backend_failure_stops_the_listing(demo, admin):
    s3 = make_client(demo.info.s3_settings())
    demo.backend.expire_all_tokens()
    with pytest.raises(BackendError):
        check_links(admin, s3, demo.info.bucket)
    assert _listing_threads() == []


def test_a_course_is_checked_by_a_head_per_linked_key_not_by_listing_the_bucket(
    demo, admin, s3_proxy
):
    s3 = s3_via(demo, s3_proxy)
    full = {link.lesson.id: link for link in check_links(admin, s3, demo.info.bucket).links}
    course = admin.courses()[0]
    s3_proxy.stats.requests.clear()

    links = check_course(admin, s3, demo.info.bucket, course)

    assert [(link.lesson.id, link.state, link.size) for link in links] == [
        (lesson_id, full[lesson_id].state, full[lesson_id].size)
        for lesson_id in (link.lesson.id for link in links)
    ]
    assert {link.course.id for link in links} == {course.id}
    keys = {link.lesson.video_id for link in links if link.state is not LinkState.NO_VIDEO}
    s3_keys = {key for key in keys if key and "/" in key}
    assert kinds(s3_proxy.stats.requests) == Counter({"HEAD other": len(s3_keys)})


def test_a_course_linking_many_keys_is_checked_by_the_listing(demo, admin, s3_proxy, api_proxy):
    add_course(demo, 7, [f"videos/many-{n}.mp4" for n in range(FEW_KEYS + 1)])
    course = next(c for c in admin.courses() if c.title == "Scale course 7")
    s3_proxy.stats.requests.clear()
    api_proxy.stats.requests.clear()

    links = check_course(admin, s3_via(demo, s3_proxy), demo.info.bucket, course)

    assert len(links) == FEW_KEYS + 1
    assert {link.state for link in links} == {LinkState.BROKEN}
    found = kinds(s3_proxy.stats.requests)
    assert found["list"] >= 1 and "HEAD other" not in found
    assert kinds(api_proxy.stats.requests) == Counter({"GET lessons": 1})  # asked once
