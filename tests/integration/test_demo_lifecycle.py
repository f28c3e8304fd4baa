"""Starting and stopping the demo environment in-process: nothing left behind, resets clean.

No module-wide environment here: each test runs its own, one at a time (moto's
state is process-global, and these tests are about exactly that).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.demo.s3_seed import seed_bucket
from coachadmin.demo.s3_server import DemoS3Server
from coachadmin.demo.serving import port_is_closed
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def _all_keys(client: Any, bucket: str) -> list[str]:
    keys: list[str] = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys += [item["Key"] for item in page.get("Versions", []) + page.get("DeleteMarkers", [])]
    return sorted(keys)


def _login(session: requests.Session, env: DemoEnvironment) -> str:
    answer = session.post(
        f"{env.info.api_url}/api/auth/login",
        json={"email": env.info.admin_email, "password": env.info.admin_password},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["token"])


def _open_api_connection(env: DemoEnvironment) -> socket.socket:
    """A connection the API is serving: its request's body has not come yet."""
    connection = socket.create_connection(("127.0.0.1", _port(env.info.api_url)), timeout=5)
    connection.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: demo\r\nContent-Length: 9\r\n\r\n")
    deadline = time.monotonic() + 5
    while not any(thread.name == "demo-api-connection" for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "the API did not take the connection"
        time.sleep(0.01)
    return connection


def test_stop_leaves_no_port_thread_or_file() -> None:
    before = {thread.ident for thread in threading.enumerate()}
    env = DemoEnvironment(plain_objects=10)
    info = env.start()
    session = requests.Session()
    token = _login(session, env)
    s3 = make_client(info.s3_settings())
    assert s3.list_objects_v2(Bucket=info.bucket)["KeyCount"] > 10
    s3.close()
    data_dir = env.backend.data_dir
    assert data_dir is not None and any(data_dir.iterdir())
    waiting = _open_api_connection(env)

    env.stop()

    assert port_is_closed("127.0.0.1", _port(info.api_url))
    assert port_is_closed("127.0.0.1", _port(info.s3_endpoint))
    leftover = [thread.name for thread in threading.enumerate() if thread.ident not in before]
    assert leftover == []
    assert not data_dir.exists()
    with contextlib.suppress(ConnectionResetError):  # the open connection was ended too
        assert waiting.recv(1024) == b""
    waiting.close()
    with pytest.raises(requests.ConnectionError):
        session.get(
            f"{info.api_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
    session.close()
    env.stop()  # a second stop is harmless
    with pytest.raises(RuntimeError, match="start"):
        _ = env.info


def test_a_second_environment_resets_the_bucket_cleanly() -> None:
    with DemoEnvironment(plain_objects=12) as first:
        s3 = make_client(first.info.s3_settings())
        bucket = first.info.bucket
        seeded = _all_keys(s3, bucket)
        # Leave the kinds of state a reset must clear: versions, delete markers, an upload.
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=bucket, Key="uploads/leftover.txt", Body=b"one")
        s3.put_object(Bucket=bucket, Key="uploads/leftover.txt", Body=b"two")
        s3.delete_object(Bucket=bucket, Key=seeded[0])
        s3.create_multipart_upload(Bucket=bucket, Key="videos/unfinished.mp4")
        s3.close()

    with DemoEnvironment(plain_objects=12) as second:
        s3 = make_client(second.info.s3_settings())
        assert second.info.bucket == bucket
        assert _all_keys(s3, bucket) == seeded  # the same keys again, and nothing else
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
        assert s3.get_bucket_versioning(Bucket=bucket).get("Status") is None
        assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-north-1"
        s3.close()


def test_seeding_twice_leaves_exactly_the_seeded_objects() -> None:
    # How long seeding takes is measured by bench/bench_demo_seed.py, not here.
    server = DemoS3Server()
    server.start()
    settings = S3Settings(
        endpoint_url=server.endpoint_url,
        region="eu-north-1",
        access_key="testing",
        secret_key="testing",
    )
    client = make_client(settings)
    bucket = f"coachadmin-seed-{uuid.uuid4().hex[:8]}"
    try:
        first = seed_bucket(client, bucket, "eu-north-1", plain_objects=300)
        second = seed_bucket(client, bucket, "eu-north-1", plain_objects=300)
        assert first.object_count == second.object_count >= 300
        listed = client.list_objects_v2(Bucket=bucket, MaxKeys=1000)
        assert listed["KeyCount"] == second.object_count
    finally:
        client.close()
        server.stop()


def test_tokens_expire_after_the_configured_lifetime() -> None:
    with DemoEnvironment(token_ttl_seconds=2.0, plain_objects=0) as env, requests.Session() as http:
        token = _login(http, env)
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{env.info.api_url}/api/auth/me"
        while (answer := http.get(url, headers=headers, timeout=10)).status_code == 200:
            assert time.monotonic() - started < 15, "the token never expired"
            time.sleep(0.1)
        assert answer.status_code == 401
        assert "expired" in answer.json()["message"]
        assert time.monotonic() - started >= 1.5  # not before its time
