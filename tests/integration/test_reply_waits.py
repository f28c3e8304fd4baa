"""A read's reply that brings nothing is given up after ``stall_timeout`` and the read sent
again; a write's reply is waited for ``read_timeout`` (S3 may take minutes to assemble an
object, and a part's last bytes may still be on their way when its reply is awaited).

The proxy holds a reply back (``Fault("hold")``), as a link gone quiet while the reply was
awaited, or a server slow to answer. ``read_timeout`` is 30 s here: a read that waited
for it would take longer than these tests allow.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.config import MiB
from tests.support.faultproxy import Fault, FaultProxy, Request
from tests.support.transfers import SMALL, engine, get_bytes, make_bucket, write_random

CONFIG = replace(SMALL, concurrency=2, stall_timeout=1.0, read_timeout=30.0)
SIZE = 12 * MiB  # three parts of 5 MiB


@pytest.fixture
def proxy(s3_server: str) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server) as running:
        yield running


def _completion(request: Request) -> bool:
    return request.method == "POST" and "uploadId=" in request.target


def test_a_head_whose_reply_never_comes_is_sent_again_after_the_stall_timeout(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    eng = engine(proxy.url, CONFIG)
    eng.client.put_object(Bucket=bucket, Key="v/lesson.mp4", Body=b"lesson")
    proxy.add_fault(lambda r: r.method == "HEAD", Fault("hold", seconds=60))
    began = time.monotonic()
    eng.prepare_download(bucket, "v/lesson.mp4", tmp_path / "lesson.mp4")
    assert time.monotonic() - began < 15
    assert len([r for r in proxy.stats.requests if r.method == "HEAD"]) == 2


def test_a_get_whose_reply_never_comes_is_sent_again_after_the_stall_timeout(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    eng = engine(proxy.url, CONFIG)
    dest = tmp_path / "lesson.mp4"
    data, record = eng.stored_for_download(bucket, "v/lesson.mp4", dest, SIZE)
    proxy.add_fault(lambda r: r.method == "GET", Fault("hold", seconds=60))
    began = time.monotonic()
    eng.downloader(record.id).run()
    assert time.monotonic() - began < 15
    assert dest.read_bytes() == data
    assert len([r for r in proxy.stats.requests if r.method == "GET"]) >= 2


def test_writes_slower_than_the_stall_timeout_are_waited_for(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """A part's reply and the CompleteMultipartUpload's each come 3 s late: both are
    waited for (``read_timeout``), each sent once."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", SIZE)
    proxy.add_fault(lambda r: r.part_number == 2, Fault("hold", seconds=3))
    proxy.add_fault(_completion, Fault("hold", seconds=3))
    eng = engine(proxy.url, CONFIG)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "v/lesson.mp4")
    began = time.monotonic()
    eng.uploader(record.id).run()
    assert time.monotonic() - began >= 6
    assert get_bytes(s3_server, bucket, "v/lesson.mp4") == data
    assert sorted(r.part_number or 0 for r in proxy.stats.upload_parts()) == [1, 2, 3]
    assert len([r for r in proxy.stats.requests if _completion(r)]) == 1


def test_a_listing_whose_reply_never_comes_is_asked_again_after_the_reads_timeout(
    proxy: FaultProxy, s3_server: str
) -> None:
    """The browser's client (botocore's own retries, ``reads_timeout``): a folder whose
    listing brings nothing is listed again after it, not after ``read_timeout``."""
    bucket = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(Bucket=bucket, Key="a.mp4", Body=b"")
    client = make_client(S3Settings(endpoint_url=proxy.url), read_timeout=30, reads_timeout=1)

    def listing(request: Request) -> bool:
        return request.method == "GET" and "list-type=2" in request.target

    proxy.add_fault(listing, Fault("hold", seconds=60))
    began = time.monotonic()
    page = client.list_objects_v2(Bucket=bucket, Prefix="", Delimiter="/")
    assert time.monotonic() - began < 10
    assert [entry["Key"] for entry in page["Contents"]] == ["a.mp4"]
    assert len([r for r in proxy.stats.requests if listing(r)]) == 2
