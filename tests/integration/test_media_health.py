"""Media health of objects in the bucket, read with ranged GETs through a proxy that counts
every byte S3 serves: a few hundred KiB at most per object, whatever its size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.media import make, padded
from support.mediaproxy import MediaProxy

from coachadmin.media.health import READ_BUDGET, Issue
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.services.media_health import health_of, object_health
from tests.support.transfers import make_bucket

MEDIA = 8 * 1024 * 1024  # each object's media: far more than the budget


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def proxy(s3_server: str) -> Iterator[MediaProxy]:
    with MediaProxy(s3_server) as running:
        yield running


@pytest.fixture
def bucket(s3_server: str) -> str:
    return make_bucket(s3_server)


def _put(s3_server, bucket, key, body, content_type="video/mp4"):
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=bucket, Key=key, Body=body, ContentType=content_type
    )
    return len(body)


def _check(proxy, bucket, key, size):
    client = make_client(S3Settings(endpoint_url=proxy.url))
    before = proxy.served
    health = object_health(client, bucket, key, size)
    return health, proxy.served - before


@pytest.mark.parametrize(
    ("recipe", "index_first", "issues"),
    [
        ("faststart.mp4", True, ()),
        ("faststart.mp4", False, (Issue.NOT_STREAMABLE,)),
        ("hevc.mp4", True, (Issue.UNUSUAL_CODEC,)),
        ("hevc.mp4", False, (Issue.NOT_STREAMABLE, Issue.UNUSUAL_CODEC)),
    ],
)
def test_a_large_video_is_judged_from_its_first_and_last_bytes(
    s3_server, proxy, bucket, media, recipe, index_first, issues
):
    size = _put(
        s3_server,
        bucket,
        "videos/v.mp4",
        padded(make(media, recipe), MEDIA, index_first=index_first),
    )
    health, served = _check(proxy, bucket, "videos/v.mp4", size)
    assert health.issues == issues
    assert health.streamable is index_first
    assert health.info is not None and health.info.video is not None
    assert health.info.duration == pytest.approx(2.0, abs=0.1)
    assert health.bytes_read <= READ_BUDGET
    assert 0 < served <= READ_BUDGET + 16 * 1024  # the bodies, and the answers' headers
    gets = proxy.gets("videos/v.mp4")
    assert 1 <= len(gets) <= 3
    assert all(r.headers.get("range", "").startswith("bytes=") for r in gets), gets


def test_a_wrong_content_type_and_a_quicktime_movie(s3_server, proxy, bucket, media):
    body = make(media, "quicktime-named.mp4").read_bytes()
    size = _put(s3_server, bucket, "videos/q.mp4", body, content_type="video/mp4")
    health, _ = _check(proxy, bucket, "videos/q.mp4", size)
    assert health.issues == (Issue.WRONG_CONTENT_TYPE,)
    assert health.describe() == "stored as video/mp4, but it is video/quicktime"
    body = make(media, "faststart.mp4").read_bytes()
    size = _put(s3_server, bucket, "videos/o.mp4", body, content_type="binary/octet-stream")
    assert _check(proxy, bucket, "videos/o.mp4", size)[0].issues == (Issue.WRONG_CONTENT_TYPE,)


def test_an_empty_object_is_not_read_at_all(s3_server, proxy, bucket):
    _put(s3_server, bucket, "videos/empty.mp4", b"")
    health, served = _check(proxy, bucket, "videos/empty.mp4", 0)
    assert health.issues == (Issue.EMPTY,)
    assert served == 0 and proxy.gets("videos/empty.mp4") == []


def test_not_a_video(s3_server, proxy, bucket):
    size = _put(s3_server, bucket, "videos/page.mp4", b"<html>" + bytes(MEDIA))
    health, served = _check(proxy, bucket, "videos/page.mp4", size)
    assert health.issues == (Issue.NOT_VIDEO,)
    assert served <= 64 * 1024 + 16 * 1024


def test_many_objects_side_by_side_and_one_that_vanished(s3_server, proxy, bucket, media):
    sizes = {
        f"videos/{n}.mp4": _put(
            s3_server, bucket, f"videos/{n}.mp4",
            padded(make(media, "faststart.mp4"), MEDIA, index_first=n % 2 == 0),
        )
        for n in range(6)
    }  # fmt: skip
    sizes["videos/gone.mp4"] = 1000
    client = make_client(S3Settings(endpoint_url=proxy.url))
    found = health_of(client, bucket, sizes.items())
    assert set(found) == set(sizes) - {"videos/gone.mp4"}
    assert [found[f"videos/{n}.mp4"].streamable for n in range(6)] == [True, False] * 3
    assert proxy.served <= 7 * (READ_BUDGET + 16 * 1024)
