"""bench/moto_server.py's S3-like ranged reads answer as moto does, over real HTTP.

The benchmark's capped download row runs on moto with GetObject reading only a range's
bytes (``s3_like_ranges``); its figures mean something only if every answer (status,
headers, bytes, errors) is moto's own. Each request goes to the same loopback server,
once plain and once patched, and the answers are compared.
"""

from __future__ import annotations

import http.client
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from moto.s3.models import FakeKey

from bench.moto_server import s3_like_ranges

SIZE = 1000
RANGES = (
    "bytes=0-0",  # the first byte
    "bytes=999-999",  # the last
    "bytes=0-999",  # all of it, as a range (keeps the checksum)
    "bytes=10-19",
    "bytes=5-5000",  # the end past the last byte
    "bytes=0-",
    "bytes=500-",
    "bytes=999-",
    "bytes=-1",
    "bytes=-10",
    "bytes=-1000",
    "bytes=-5000",  # a suffix longer than the object
    "bytes=1000-",  # out of range: 416
    "bytes=1000-2000",
    "bytes=-0",
    "bytes=10-5",  # moto serves these whole
    "bytes=0-1,5-6",
    "bytes=abc",
    "",
)
#: Headers that differ between any two requests.
VOLATILE = {"date", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2", "server"}

Answer = tuple[int, dict[str, str], bytes]


@pytest.fixture
def objects(s3_server: str) -> Iterator[tuple[Any, str, bytes]]:
    """A bucket with a 1,000-byte object (CRC32 checksum), an empty one and a two-part one."""
    client = boto3.client("s3", endpoint_url=s3_server)
    bucket = f"ranges-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    data = os.urandom(SIZE)
    client.put_object(Bucket=bucket, Key="small", Body=data, ChecksumAlgorithm="CRC32")
    client.put_object(Bucket=bucket, Key="empty", Body=b"")
    upload = client.create_multipart_upload(Bucket=bucket, Key="parts", ChecksumAlgorithm="CRC32")
    parts = []
    for number, body in ((1, os.urandom(5 * 2**20)), (2, os.urandom(100))):
        done = client.upload_part(
            Bucket=bucket, Key="parts", UploadId=upload["UploadId"], PartNumber=number,
            Body=body, ChecksumAlgorithm="CRC32",
        )  # fmt: skip
        parts.append(
            {"PartNumber": number, "ETag": done["ETag"], "ChecksumCRC32": done["ChecksumCRC32"]}
        )
    client.complete_multipart_upload(
        Bucket=bucket, Key="parts", UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    yield client, bucket, data


def ask(
    client: Any, bucket: str, key: str, method: str, headers: dict[str, str], query: str = ""
) -> Answer:
    """One presigned request over HTTP: its status, lasting headers and body."""
    operation = "get_object" if method == "GET" else "head_object"
    url = urlsplit(client.generate_presigned_url(operation, Params={"Bucket": bucket, "Key": key}))
    connection = http.client.HTTPConnection(url.netloc, timeout=30)
    try:
        connection.request(method, f"{url.path}?{url.query}{query}", headers=headers)
        reply = connection.getresponse()
        body = reply.read()
    finally:
        connection.close()
    kept = {k.lower(): v for k, v in reply.getheaders() if k.lower() not in VOLATILE}
    return reply.status, kept, re.sub(rb"<(RequestId|HostId)>[^<]*<", rb"<\1><", body)


def both(
    client: Any, bucket: str, key: str, method: str, headers: dict[str, str], query: str = ""
) -> Answer:
    """The answer plain moto gives; asserts that the patched server gives the same."""
    plain = ask(client, bucket, key, method, headers, query)
    with s3_like_ranges():
        patched = ask(client, bucket, key, method, headers, query)
    assert patched == plain, (method, key, headers, query)
    return plain


@pytest.mark.parametrize("checksums", [False, True], ids=["plain", "checksum-mode"])
def test_ranged_gets_answer_as_moto_does(objects: tuple[Any, str, bytes], checksums: bool) -> None:
    client, bucket, data = objects
    mode = {"x-amz-checksum-mode": "ENABLED"} if checksums else {}
    statuses = set()
    for spec in RANGES:
        headers = mode | ({"Range": spec} if spec else {})
        status, replied, body = both(client, bucket, "small", "GET", headers)
        statuses.add(status)
        if status == 206:
            first, last = map(int, replied["content-range"].split()[1].split("/")[0].split("-"))
            assert body == data[first : last + 1]
        for key in ("empty", "parts"):
            both(client, bucket, key, "GET", headers)
        both(client, bucket, "small", "HEAD", headers)
    assert statuses == {200, 206, 416}
    for number in (1, 2, 3):  # a part of an object, by number
        both(client, bucket, "parts", "GET", mode, f"&partNumber={number}")
        both(client, bucket, "small", "GET", mode, f"&partNumber={number}")
    assert both(client, bucket, "small", "GET", mode)[2] == data


def test_gets_never_copy_the_whole_object(
    objects: tuple[Any, str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, bucket, data = objects
    reads: list[int] = []
    whole = FakeKey.value

    def counted(key: FakeKey) -> bytes:
        reads.append(key.size)
        return bytes(whole.fget(key))  # type: ignore[attr-defined]

    monkeypatch.setattr(FakeKey, "value", property(counted, whole.fset))  # type: ignore[attr-defined]
    with s3_like_ranges():
        for spec in ("bytes=0-0", "bytes=-10", "bytes=500-", "bytes=1000-"):
            ask(client, bucket, "small", "GET", {"Range": spec})
        assert ask(client, bucket, "small", "GET", {})[2] == data  # sent as it is read
        assert reads == []
    assert ask(client, bucket, "small", "GET", {})[2] == data
    assert reads == [SIZE]  # plain moto copies it first
