"""bench/keep_alive.py serves moto's answers over connections kept open, over real HTTP.

The benchmark's ``--keep-alive`` rows mean something only if the answers are moto's own
and the connections really stay open: the same requests go to moto on werkzeug's server
(which closes each connection) and on the keep-alive handler, and the answers are compared.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from bench.keep_alive import KeepAliveHandler, serve

Scenario = Callable[[Any, str], list[object]]


@pytest.fixture
def servers() -> Iterator[dict[str, str]]:
    """moto on werkzeug's server and on the keep-alive handler, in this process."""
    plain, plain_thread = serve(keep_alive=False)
    kept, kept_thread = serve(keep_alive=True)
    yield {
        name: f"http://127.0.0.1:{server.server_address[1]}"
        for name, server in (("plain", plain), ("kept", kept))
    }
    for server, thread in ((plain, plain_thread), (kept, kept_thread)):
        server.shutdown()
        thread.join()


def client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=1, retries={"total_max_attempts": 1}),
    )


def scenario(s3: Any, bucket: str) -> list[object]:
    """Uploads (small, with metadata, multipart, chunked), reads, listings and errors."""
    seen: list[object] = []
    s3.create_bucket(Bucket=bucket)
    chance = random.Random(7)  # the same bytes for both servers: ETags and checksums compare
    small = chance.randbytes(1000)
    s3.put_object(Bucket=bucket, Key="a b/ü+x.txt", Body=small, Metadata={"lesson_id": "7"})
    s3.put_object(Bucket=bucket, Key="sum", Body=small, ChecksumAlgorithm="CRC32")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    part = chance.randbytes(5 * 1024 * 1024)
    etags = [
        s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=n, Body=part)["ETag"]
        for n in (1, 2)
    ]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]},
    )
    head = s3.head_object(Bucket=bucket, Key="a b/ü+x.txt")
    seen += [head["ContentLength"], head["ETag"], head["Metadata"]]
    seen.append(s3.get_object(Bucket=bucket, Key="a b/ü+x.txt")["Body"].read() == small)
    ranged = s3.get_object(Bucket=bucket, Key="big", Range="bytes=5242870-5242889")
    seen += [ranged["ContentRange"], ranged["Body"].read() == (part + part)[5242870:5242890]]
    summed = s3.get_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    seen += [summed["ChecksumCRC32"], summed["Body"].read() == small]
    seen.append(s3.head_object(Bucket=bucket, Key="big")["ETag"])
    seen.append([o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]])
    for call in (
        lambda: s3.head_object(Bucket=bucket, Key="missing"),
        lambda: s3.get_object(Bucket=bucket, Key="missing"),
        lambda: s3.put_object(Bucket=bucket, Key="sum", Body=b"x", IfNoneMatch="*"),
    ):
        try:
            call()
            seen.append("no error")
        except ClientError as error:
            seen.append(
                (
                    error.response["Error"]["Code"],
                    error.response["ResponseMetadata"]["HTTPStatusCode"],
                )
            )
    s3.delete_object(Bucket=bucket, Key="sum")
    seen.append(sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]))
    return seen


def test_the_keep_alive_server_answers_as_moto_does_on_one_connection(
    servers: dict[str, str],
) -> None:
    answers = {}
    for name, endpoint in servers.items():
        before = KeepAliveHandler.connections
        answers[name] = scenario(client(endpoint), f"ka-{uuid.uuid4().hex[:12]}")
        opened = KeepAliveHandler.connections - before
        if name == "kept":
            assert opened == 1  # some 20 requests, one connection (the pool holds one)
    assert answers["kept"] == answers["plain"]
    assert ("404", 404) in answers["kept"]
    assert ("PreconditionFailed", 412) in answers["kept"]
