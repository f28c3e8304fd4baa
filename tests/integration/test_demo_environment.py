"""The demo environment as a user meets it: a seeded bucket over HTTP and streamable videos."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.resource_path import resource
from coachadmin.s3.client import make_client

PLATFORM_KEY = re.compile(
    r"^(images|videos|uploads(/[a-z0-9/]+)?)/[a-z0-9-]+-\d{13}-\d{4}\.[a-z0-9]+$"
)


@pytest.fixture(scope="module")
def env() -> Iterator[DemoEnvironment]:
    with DemoEnvironment() as environment:
        yield environment


@pytest.fixture(scope="module")
def s3(env: DemoEnvironment) -> Iterator[Any]:
    client = make_client(env.info.s3_settings())
    yield client
    client.close()


@pytest.fixture(scope="module")
def keys(env: DemoEnvironment, s3: Any) -> list[str]:
    found: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=env.info.bucket):
        found += [item["Key"] for item in page.get("Contents", [])]
    return found


@pytest.fixture(scope="module")
def lessons(env: DemoEnvironment) -> list[dict[str, Any]]:
    with requests.Session() as http:
        login = http.post(
            f"{env.info.api_url}/api/auth/login",
            json={"email": env.info.author_email, "password": env.info.author_password},
            timeout=10,
        ).json()
        http.headers["Authorization"] = f"Bearer {login['data']['token']}"
        courses = http.get(f"{env.info.api_url}/api/courses", timeout=10).json()["data"]["courses"]
        found: list[dict[str, Any]] = []
        for course in courses:
            url = f"{env.info.api_url}/api/courses/{course['id']}/lessons"
            found += http.get(url, timeout=10).json()["data"]["lessons"]
        return found


def _token(env: DemoEnvironment) -> str:
    body = requests.post(
        f"{env.info.api_url}/api/auth/login",
        json={"email": env.info.admin_email, "password": env.info.admin_password},
        timeout=10,
    ).json()
    return str(body["data"]["token"])


def test_info_describes_a_loopback_demo(env: DemoEnvironment) -> None:
    info = env.info
    assert info.s3_endpoint.startswith("http://127.0.0.1:")
    assert info.api_url.startswith("http://127.0.0.1:")
    assert (info.bucket, info.region, info.access_key, info.secret_key) == (
        "coachadmin-demo", "eu-north-1", "testing", "testing"
    )  # fmt: skip
    assert set(info.as_dict()) == {
        "s3_endpoint", "api_url", "bucket", "region", "access_key", "secret_key",
        "admin_email", "admin_password", "author_email", "author_password",
    }  # fmt: skip
    connection = info.connection()
    assert (connection.name, connection.demo, connection.production) == ("Demo", True, False)
    assert connection.bucket == "coachadmin-demo"
    assert connection.api_url == info.api_url
    assert connection.s3.endpoint_url == info.s3_endpoint
    assert connection.region == "eu-north-1"
    assert (connection.s3.access_key, connection.s3.secret_key) == ("testing", "testing")


def test_bucket_is_in_eu_north_1_with_the_platforms_folders(env: DemoEnvironment, s3: Any) -> None:
    location = s3.get_bucket_location(Bucket=env.info.bucket)["LocationConstraint"]
    assert location == "eu-north-1"
    top = s3.list_objects_v2(Bucket=env.info.bucket, Delimiter="/")
    assert [prefix["Prefix"] for prefix in top["CommonPrefixes"]] == [
        "images/",
        "uploads/",
        "videos/",
    ]
    assert "Contents" not in top  # nothing loose at the top


def test_seeded_objects_follow_the_platform_naming(keys: list[str]) -> None:
    assert len(keys) >= 300
    assert len(set(keys)) == len(keys)
    misnamed = [key for key in keys if not PLATFORM_KEY.match(key)]
    assert misnamed == []
    suffixes = {key.rsplit(".", 1)[1] for key in keys}
    assert {"mp4", "png", "jpg", "txt", "json", "vtt"} <= suffixes
    month_folders = {
        key.rsplit("/", 1)[0] for key in keys if re.match(r"uploads/\d{4}/\d{2}/", key)
    }
    assert len(month_folders) >= 6


def test_paging_through_uploads_by_folder(env: DemoEnvironment, s3: Any) -> None:
    # What the browser does: one folder level at a time, 100 keys per page.
    listing = s3.list_objects_v2(Bucket=env.info.bucket, Prefix="uploads/", Delimiter="/")
    folders = [prefix["Prefix"] for prefix in listing["CommonPrefixes"]]
    assert "uploads/2025/" in folders and "uploads/captions/" in folders
    pages = list(
        s3.get_paginator("list_objects_v2").paginate(
            Bucket=env.info.bucket, Prefix="uploads/2025/", PaginationConfig={"PageSize": 100}
        )
    )
    assert len(pages) >= 2
    assert sum(page["KeyCount"] for page in pages) > 100


def test_lesson_videos_hold_the_sample_videos_bytes(
    env: DemoEnvironment, s3: Any, lessons: list[dict[str, Any]], keys: list[str]
) -> None:
    samples = {
        name: resource("sample-media", name).read_bytes()
        for name in ("sample-video.mp4", "sample-video-moov-at-end.mp4", "sample-video-hevc.mp4")
    }
    linked = [
        lesson["videoId"] for lesson in lessons if (lesson["videoId"] or "").startswith("videos/")
    ]
    existing = [key for key in linked if key in keys]
    missing = [key for key in linked if key not in keys]
    assert len(existing) >= 4
    assert len(missing) == 1  # exactly one lesson points at an object that is not there
    held = []
    for key in existing:
        stored = s3.get_object(Bucket=env.info.bucket, Key=key)
        body = stored["Body"].read()
        held += [name for name, sample in samples.items() if body == sample]
        assert stored["ContentType"] == "video/mp4"
    # every lesson video holds a sample; one has its index at the end, one is HEVC
    assert len(held) == len(existing)
    assert held.count("sample-video-moov-at-end.mp4") == held.count("sample-video-hevc.mp4") == 1
    with pytest.raises(ClientError):
        s3.head_object(Bucket=env.info.bucket, Key=missing[0])
    orphans = [key for key in keys if key.startswith("videos/") and key not in linked]
    assert len(orphans) >= 1  # for the link checker
    legacy = [
        lesson for lesson in lessons if re.fullmatch(r"[0-9a-f]{32}", lesson["videoId"] or "")
    ]
    assert len(legacy) == 1


def test_images_are_the_sample_images(env: DemoEnvironment, s3: Any, keys: list[str]) -> None:
    samples = {
        "png": resource("sample-media", "sample-cover.png").read_bytes(),
        "jpg": resource("sample-media", "sample-portrait.jpg").read_bytes(),
    }
    images = [key for key in keys if key.startswith("images/")]
    assert {key.rsplit(".", 1)[1] for key in images} == {"png", "jpg"}
    for key in images:
        body = s3.get_object(Bucket=env.info.bucket, Key=key)["Body"].read()
        assert body == samples[key.rsplit(".", 1)[1]]


def test_stream_url_plays_the_video_with_range_requests(
    env: DemoEnvironment, lessons: list[dict[str, Any]]
) -> None:
    sample = resource("sample-media", "sample-video.mp4").read_bytes()
    lesson = next(
        lesson for lesson in lessons if lesson["title"] == "Welcome and how this course works"
    )
    answer = requests.get(
        f"{env.info.api_url}/api/videos/{lesson['id']}/stream-url",
        headers={"Authorization": f"Bearer {_token(env)}"},
        timeout=10,
    )
    assert answer.status_code == 200
    url = answer.json()["data"]["streamingUrl"]
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200
    assert whole.content == sample
    part = requests.get(url, headers={"Range": "bytes=100-1099"}, timeout=10)
    assert part.status_code == 206
    assert part.content == sample[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(sample)}"
