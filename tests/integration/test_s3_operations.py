"""The browser's S3 operations against moto's server over HTTP."""

from __future__ import annotations

import socket
import threading
import uuid
from typing import Any

import pytest
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID
from support.faultproxy import Fault, FaultProxy

from coachadmin.bounded import Flag
from coachadmin.errors import UsageError
from coachadmin.s3 import operations
from coachadmin.s3.client import make_client
from coachadmin.s3.copying import COPY_WORKERS, copy_part_size
from coachadmin.s3.failures import (
    BrowseError,
    FolderAccessDenied,
    ObjectAccessDenied,
    OperationCancelled,
)
from coachadmin.s3.properties import object_properties
from coachadmin.s3.settings import S3Settings

MiB = 1024 * 1024
DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


@pytest.fixture
def s3(s3_server: str) -> Any:
    return make_client(S3Settings(endpoint_url=s3_server, region="us-east-1"))


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"ops-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def all_keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    found: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found += [o["Key"] for o in page.get("Contents", [])]
    return sorted(found)


def test_create_folder_and_refuse_an_existing_one(s3, bucket):
    assert operations.create_folder(s3, bucket, "", "videos") == "videos/"
    assert operations.create_folder(s3, bucket, "videos/", "2025") == "videos/2025/"
    assert all_keys(s3, bucket) == ["videos/", "videos/2025/"]
    s3.put_object(Bucket=bucket, Key="images/a.png", Body=b"x")  # a folder without a marker
    with pytest.raises(operations.DestinationTaken):
        operations.create_folder(s3, bucket, "", "images")
    with pytest.raises(UsageError):
        operations.create_folder(s3, bucket, "", "a/b")


def test_move_a_large_object_with_a_multipart_copy_and_progress(s3, bucket):
    data = bytes(range(256)) * (12 * MiB // 256)
    s3.put_object(
        Bucket=bucket, Key="big.bin", Body=data, ContentType="video/mp4", Metadata={"k": "v"}
    )
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def progress(done: int, total: int) -> None:
        with lock:
            seen.append((done, total))

    operations.move_object(
        s3,
        bucket,
        "big.bin",
        "moved/big.bin",
        progress=progress,
        copy_threshold=5 * MiB,  # as S3 does above 5 GiB, here above 5 MiB
        copy_part=5 * MiB,
    )
    assert all_keys(s3, bucket) == ["moved/big.bin"]
    copied = s3.get_object(Bucket=bucket, Key="moved/big.bin")
    assert copied["Body"].read() == data
    assert copied["ContentType"] == "video/mp4"
    assert copied["Metadata"] == {"k": "v"}
    assert copied["ETag"].strip('"').endswith("-3")  # three UploadPartCopy parts
    done = sorted(d for d, _ in seen)  # parts finish in any order; the count only grows
    assert done[-1] == 12 * MiB
    assert sorted(b - a for a, b in zip([0, *done], done, strict=False)) == [
        2 * MiB,
        5 * MiB,
        5 * MiB,
    ]
    assert {t for _, t in seen} == {12 * MiB}


def test_a_cancelled_copy_leaves_no_parts_and_keeps_the_source(s3, bucket):
    s3.put_object(Bucket=bucket, Key="big.bin", Body=b"z" * (11 * MiB))
    cancel = Flag()
    cancel.set()
    with pytest.raises(OperationCancelled):
        operations.move_object(
            s3, bucket, "big.bin", "other.bin", cancel=cancel, copy_threshold=MiB, copy_part=5 * MiB
        )
    assert all_keys(s3, bucket) == ["big.bin"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_failed_part_copy_stops_the_parts_not_begun(s3, bucket, s3_server):
    """Part 1's UploadPartCopy is refused at once while the others take a round trip of
    0.3 s: parts 5 and 6 are never asked for, and the multipart upload is aborted."""
    s3.put_object(Bucket=bucket, Key="big.bin", Body=b"q" * (26 * MiB))  # 6 parts of 5 MiB

    def is_part_copy(request: Any) -> bool:
        return request.part_number is not None and "x-amz-copy-source" in request.headers

    with FaultProxy(s3_server, latency=0.3) as proxy:
        proxy.add_fault(
            lambda r: is_part_copy(r) and r.part_number == 1, Fault("status", code=403, body=DENIED)
        )
        client = make_client(S3Settings(endpoint_url=proxy.url, region="us-east-1"))
        with pytest.raises(ObjectAccessDenied):
            operations.move_object(
                client, bucket, "big.bin", "copy.bin", copy_threshold=5 * MiB, copy_part=5 * MiB
            )
        asked = sorted(r.part_number or 0 for r in proxy.stats.requests if is_part_copy(r))
    assert COPY_WORKERS == 4
    assert asked[0] == 1 and asked[-1] <= COPY_WORKERS  # the first round only
    assert all_keys(s3, bucket) == ["big.bin"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_cancelled_delete_deletes_nothing(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    cancel = Flag()
    cancel.set()
    with pytest.raises(OperationCancelled):
        operations.delete_keys(s3, bucket, ["a.txt"], cancel=cancel)
    assert all_keys(s3, bucket) == ["a.txt"]


def test_move_refuses_an_existing_target(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="b.txt", Body=b"b")
    with pytest.raises(operations.DestinationTaken):
        operations.move_object(s3, bucket, "a.txt", "b.txt")
    assert s3.get_object(Bucket=bucket, Key="b.txt")["Body"].read() == b"b"


def test_move_a_folder(s3, bucket):
    for key in ("course/", "course/a.txt", "course/deep/b.txt", "other/c.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    moved = operations.move_prefix(s3, bucket, "course/", "archive/course/")
    assert moved == 3
    assert all_keys(s3, bucket) == [
        "archive/course/",
        "archive/course/a.txt",
        "archive/course/deep/b.txt",
        "other/c.txt",
    ]
    with pytest.raises(UsageError):
        operations.move_prefix(s3, bucket, "archive/", "archive/inside/")


def test_delete_in_batches_of_1000(s3, bucket, s3_server):
    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    for number in range(2500):
        backend.put_object(bucket, f"many/{number:05d}", b"x")
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"k")
    summary = operations.summarise(s3, bucket, "many/")
    assert (summary.objects, summary.bytes) == (2500, 2500)
    with FaultProxy(s3_server) as proxy:
        via_proxy = make_client(S3Settings(endpoint_url=proxy.url, region="us-east-1"))
        assert operations.delete_prefix(via_proxy, bucket, "many/") == 2501  # marker included
        deletes = [r for r in proxy.stats.requests if r.method == "POST" and "delete" in r.target]
    assert len(deletes) == 3
    assert all_keys(s3, bucket) == ["keep.txt"]


def test_free_names_for_keep_both(s3, bucket):
    for key in ("v/intro.mp4", "v/intro (1).mp4", "v/archive.tar.gz"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert operations.free_key(s3, bucket, "v/new.mp4") == "v/new.mp4"
    assert operations.free_key(s3, bucket, "v/intro.mp4") == "v/intro (2).mp4"
    taken: set[str] = set()
    assert operations.free_key(s3, bucket, "v/archive.tar.gz", taken) == "v/archive (1).tar.gz"
    assert operations.free_key(s3, bucket, "v/archive.tar.gz", taken) == "v/archive (2).tar.gz"
    found = operations.existing_objects(s3, bucket, ["v/intro.mp4", "v/none.mp4"])
    assert list(found) == ["v/intro.mp4"]
    stored = s3.head_object(Bucket=bucket, Key="v/intro.mp4")
    assert found["v/intro.mp4"].size == stored["ContentLength"]
    assert found["v/intro.mp4"].last_modified == stored["LastModified"]


def test_properties_with_and_without_versioning(s3, bucket):
    s3.put_object(
        Bucket=bucket, Key="a.mp4", Body=b"abc", ContentType="video/mp4", Metadata={"x": "1"}
    )
    props = object_properties(s3, bucket, "a.mp4")
    assert (props.size, props.content_type, props.metadata) == (3, "video/mp4", {"x": "1"})
    assert props.etag == "900150983cd24fb0d6963f7d28e17f72"
    assert props.versioning == "" and props.version_id is None
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="a.mp4", Body=b"abcd")
    props = object_properties(s3, bucket, "a.mp4")
    assert props.versioning == "Enabled" and props.version_id
    with pytest.raises(BrowseError, match="no longer exists"):
        object_properties(s3, bucket, "gone.mp4")


def test_a_refused_folder_is_a_plain_sentence(s3, bucket, s3_server):
    s3.put_object(Bucket=bucket, Key="private/a.txt", Body=b"a")
    with FaultProxy(s3_server) as proxy:
        proxy.add_fault(
            lambda r: "prefix=private" in r.target, Fault("status", code=403, body=DENIED), times=5
        )
        client = make_client(S3Settings(endpoint_url=proxy.url, region="us-east-1"))
        assert operations.list_folder(client, bucket, "").folders == ("private/",)
        with pytest.raises(FolderAccessDenied, match="permission to open the folder 'private/'"):
            operations.list_folder(client, bucket, "private/")


def test_no_network_is_a_plain_sentence(bucket):
    client = make_client(
        S3Settings(endpoint_url="http://127.0.0.1:9", region="us-east-1"),
        max_attempts=1,
        connect_timeout=1,
    )
    with pytest.raises(BrowseError, match="Could not connect") as raised:
        operations.list_folder(client, bucket, "")
    assert "Traceback" not in str(raised.value)


def test_copy_parts_fit_in_10000():
    assert copy_part_size(6 * 1024**3) == 512 * MiB
    assert copy_part_size(5 * 1024**4) * 10_000 >= 5 * 1024**4


def test_a_server_that_stopped_answering_is_named_not_aws() -> None:
    """A connection to a local or company S3 server that went away: the message names it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    endpoint = f"http://127.0.0.1:{port}"
    s3 = make_client(S3Settings(endpoint_url=endpoint, region="us-east-1"))
    with pytest.raises(BrowseError) as failed:
        operations.list_folder(s3, "media", "videos/")
    assert str(failed.value).startswith("Listing the folder failed.")
    assert endpoint in str(failed.value) and "AWS" not in str(failed.value)
