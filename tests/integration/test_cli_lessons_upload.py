"""`coachadmin upload-link`: upload into videos/ under the platform's naming, link once verified,
also after a kill -9 and a `coachadmin resume`."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coachadmin import paths
from coachadmin.backend.client import BackendClient
from coachadmin.cli import main
from coachadmin.demo.environment import DemoEnvironment, DemoInfo
from coachadmin.demo.s3_seed import sample_bytes
from coachadmin.s3.client import make_client
from coachadmin.services.pending_links import PendingLinks
from coachadmin.services.sign_in import API_TOKEN_ENV, API_URL_ENV
from tests.support.faultproxy import FaultProxy

MiB = 1024 * 1024
PLATFORM_KEY = re.compile(r"^videos/lesson-video-\d{13}-\d{4}\.mp4$")


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def signed_in(demo: DemoEnvironment, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A script's environment: the backend and its token, no keychain."""
    info = demo.info
    token = BackendClient(info.api_url).login(info.admin_email, info.admin_password).token
    env = {API_URL_ENV: info.api_url, API_TOKEN_ENV: token}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def lesson_id(demo: DemoEnvironment, title: str) -> str:
    for course in demo.backend.store.courses():
        for lesson in demo.backend.store.lessons(course.id):
            if lesson.title == title:
                return lesson.id
    raise AssertionError(title)


def video_bytes(size: int) -> bytes:
    """A real video (the demo's sample: upload-link refuses what is none) of ``size`` bytes:
    random bytes fill a ``free`` box after it, which players skip."""
    sample = sample_bytes("sample-video.mp4")
    filler = size - len(sample)
    assert filler >= 8
    return sample + struct.pack(">I4s", filler, b"free") + os.urandom(filler - 8)


def object_bytes(info: DemoInfo, key: str) -> bytes:
    client = make_client(info.s3_settings())
    return client.get_object(Bucket=info.bucket, Key=key)["Body"].read()


def test_upload_link_uploads_under_the_platform_naming_then_links(
    demo, signed_in, tmp_path: Path, capsys
):
    info = demo.info
    video = tmp_path / "Lesson Video.mp4"
    video.write_bytes(video_bytes(300_000))
    target = lesson_id(demo, "The coaching mindset")
    code = main(
        ["upload-link", target, str(video), "--bucket", info.bucket,
         "--endpoint-url", info.s3_endpoint, "--json"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    key = demo.backend.store.lesson(target).video_id
    assert key is not None and PLATFORM_KEY.match(key), key
    assert object_bytes(info, key) == video.read_bytes()
    events = [json.loads(line) for line in out.splitlines()]
    assert {"event": "pending-link", "outcome": "linked", "key": key}.items() <= events[-1].items()
    with PendingLinks() as store:
        assert store.all() == []


def test_upload_link_refuses_to_replace_without_asking(demo, signed_in, tmp_path, capsys):
    info = demo.info
    video = tmp_path / "new.mp4"
    video.write_bytes(video_bytes(100_000))
    target = lesson_id(demo, "Welcome and how this course works")
    before = demo.backend.store.lesson(target).video_id
    code = main(["upload-link", target, str(video), "--bucket", info.bucket,
                 "--endpoint-url", info.s3_endpoint])  # fmt: skip
    assert code == 2
    assert "--replace" in capsys.readouterr().err
    assert demo.backend.store.lesson(target).video_id == before


def test_an_author_cannot_upload_and_link(demo, tmp_path, capsys, monkeypatch):
    info = demo.info
    token = BackendClient(info.api_url).login(info.author_email, info.author_password).token
    monkeypatch.setenv(API_URL_ENV, info.api_url)
    monkeypatch.setenv(API_TOKEN_ENV, token)
    video = tmp_path / "new.mp4"
    video.write_bytes(video_bytes(100_000))
    code = main(["upload-link", lesson_id(demo, "The coaching mindset"), str(video),
                 "--bucket", info.bucket, "--endpoint-url", info.s3_endpoint])  # fmt: skip
    assert code == 1
    assert "Only admins can link videos" in capsys.readouterr().err
    client = make_client(info.s3_settings())
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=info.bucket).get("Contents", [])]
    assert not any("new-" in key for key in keys), "nothing was uploaded"


def _journal_parts(transfer_id: str) -> int:
    with sqlite3.connect(paths.journal_path()) as db:
        return int(
            db.execute("SELECT COUNT(*) FROM parts WHERE transfer_id=?", (transfer_id,)).fetchone()[
                0
            ]
        )


@pytest.mark.slow
def test_upload_and_link_survives_a_kill_and_a_resume(demo, signed_in, tmp_path):
    info = demo.info
    video = tmp_path / "Lesson Video.mp4"
    data = video_bytes(30 * MiB)  # 6 parts of 5 MiB
    video.write_bytes(data)
    target = lesson_id(demo, "Setting goals that stick")
    env = {**os.environ, **signed_in}
    with FaultProxy(info.s3_endpoint, rate=5 * MiB) as proxy:  # slow enough to kill midway
        process = subprocess.Popen(
            [sys.executable, "-m", "coachadmin", "upload-link", target, str(video),
             "--bucket", info.bucket, "--endpoint-url", proxy.url, "--part-size", "5MiB",
             "--concurrency", "2", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        while started["event"] != "upload-link":  # the queue's first progress event may lead
            started = json.loads(process.stdout.readline())
        key, transfer_id = started["key"], started["id"]
        assert PLATFORM_KEY.match(key)
        deadline = time.monotonic() + 60
        while _journal_parts(transfer_id) < 2 and time.monotonic() < deadline:
            process.stdout.readline()  # progress events: the upload is moving
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
        assert 2 <= _journal_parts(transfer_id) < 6, "the kill should land midway"
        assert demo.backend.store.lesson(target).video_id is None, "not linked before verified"
        with PendingLinks() as store:
            [pending] = store.all()
        assert (pending.key, pending.lesson_id, pending.transfer_id) == (key, target, transfer_id)

        proxy.up_limit = None  # days later, on a fast network
        resumed = subprocess.run(
            [sys.executable, "-m", "coachadmin", "resume", "--all", "--json"],
            capture_output=True, text=True, timeout=120, env=env, check=False,
        )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert demo.backend.store.lesson(target).video_id == key
    assert object_bytes(info, key) == data
    events = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert any(e.get("event") == "pending-link" and e["outcome"] == "linked" for e in events)
    with PendingLinks() as store:
        assert store.all() == []
