"""The same command run again after Ctrl-C or a kill goes on with the first run's transfer:
what is on the server (or on disk) is not sent again, and no second transfer is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.config import MiB
from tests.support.faultproxy import FaultProxy
from tests.support.transfers import get_bytes, make_bucket, run_cli, write_random


def _wait_for_parts(proxy: FaultProxy, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(proxy.stats.upload_parts()) < count:
        assert time.monotonic() < deadline, "the upload did not get going"
        time.sleep(0.05)


def _upload_command(path: Path, destination: str, endpoint: str) -> list[str]:
    """Small parts, two at a time: a throttled upload that Ctrl-C finds half done."""
    return [
        sys.executable, "-m", "coachadmin", "upload", str(path), destination,
        "--endpoint-url", endpoint, "--part-size", "5MiB", "--concurrency", "2",
    ]  # fmt: skip


def _start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _unfinished(kind: str) -> list[dict[str, object]]:
    listed = run_cli(f"{kind}s", "--json")
    return [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]


def test_an_upload_interrupted_then_run_again_sends_only_what_is_missing(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 40 * MiB)
    with FaultProxy(s3_server, rate=16 * MiB) as proxy:
        command = _upload_command(tmp_path / "lesson.mp4", f"s3://{bucket}/videos/", proxy.url)
        first = _start(command)
        _wait_for_parts(proxy, 3)
        first.send_signal(signal.SIGINT)  # pause: the parts in flight finish
        _out, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        assert "run the same command again" in err
        [paused] = _unfinished("upload")
        sent_first = {r.part_number for r in proxy.stats.upload_parts()}
        assert 0 < len(sent_first) < 8

        # The endpoint written with a / at its end is the same endpoint.
        slashed = [*command[: command.index(proxy.url)], f"{proxy.url}/"]
        slashed += command[command.index(proxy.url) + 1 :]
        again = subprocess.run(slashed, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{paused['id']}: going on with the unfinished upload" in again.stderr
    parts = [r.part_number for r in proxy.stats.upload_parts()]
    assert sorted(parts) == list(range(1, 9))  # each of the 8 parts sent once, in all
    assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data
    assert _unfinished("upload") == []


def test_a_killed_upload_run_again_goes_on_and_another_key_is_another_upload(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 30 * MiB)
    with FaultProxy(s3_server, rate=16 * MiB) as proxy:
        command = _upload_command(tmp_path / "lesson.mp4", f"s3://{bucket}/videos/", proxy.url)
        first = _start(command)
        _wait_for_parts(proxy, 2)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=30)
        [killed] = _unfinished("upload")
        elsewhere = run_cli(
            "upload", str(tmp_path / "lesson.mp4"), f"s3://{bucket}/copy/",
            "--endpoint-url", proxy.url,
        )  # fmt: skip
        assert elsewhere.returncode == 0 and "going on with" not in elsewhere.stderr
        # Run again with an option the first run did not have: the upload keeps its own.
        with_option = [*command, "--metadata", "course=new"]
        again = subprocess.run(
            with_option, capture_output=True, text=True, timeout=120, check=False
        )
    assert again.returncode == 0, again.stderr
    assert f"{killed['id']}: going on with the unfinished upload" in again.stderr
    assert "it keeps the options it began with (no --cache-control, no --metadata)" in again.stderr
    assert f"`coachadmin abort {killed['id']}`, then upload again" in again.stderr
    assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data
    head = make_client(S3Settings(endpoint_url=s3_server)).head_object(
        Bucket=bucket, Key="videos/lesson.mp4"
    )
    assert head["Metadata"] == {}
    assert get_bytes(s3_server, bucket, "copy/lesson.mp4") == data
    assert _unfinished("upload") == []


def test_a_download_interrupted_then_run_again_fetches_only_what_is_missing(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = os.urandom(40 * MiB)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=bucket, Key="videos/lesson.mp4", Body=data
    )
    dest = tmp_path / "lesson.mp4"
    with FaultProxy(s3_server, rate=16 * MiB) as proxy:
        command = [
            sys.executable, "-m", "coachadmin", "download", f"s3://{bucket}/videos/lesson.mp4",
            str(dest), "--endpoint-url", proxy.url,
        ]  # fmt: skip
        first = _start(command)
        time.sleep(1.5)
        first.send_signal(signal.SIGINT)
        _out, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        [paused] = _unfinished("download")
        again = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{paused['id']}: going on with the unfinished download" in again.stderr
    assert dest.read_bytes() == data
    assert _unfinished("download") == []


@pytest.mark.parametrize(
    ("signals", "code"),
    [((signal.SIGINT, signal.SIGINT), 130), ((signal.SIGTERM,), 143)],
    ids=["a-second-ctrl-c", "sigterm"],
)
def test_a_second_ctrl_c_or_sigterm_stops_at_once_and_names_what_to_resume(
    s3_server: str, tmp_path: Path, signals: tuple[signal.Signals, ...], code: int
) -> None:
    """Neither waits for the parts in flight; SIGTERM (`kill PID`, a logout) exits with the
    shell's 143."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 20 * MiB)
    with FaultProxy(s3_server, rate=2 * MiB) as proxy:  # a part in flight takes seconds
        command = _upload_command(tmp_path / "lesson.mp4", f"s3://{bucket}/videos/", proxy.url)
        first = _start(command)
        _wait_for_parts(proxy, 2)
        for earlier in signals[:-1]:
            first.send_signal(earlier)
            time.sleep(0.3)
        asked = time.monotonic()
        first.send_signal(signals[-1])  # do not wait for the parts in flight
        _out, err = first.communicate(timeout=60)
        took = time.monotonic() - asked
        assert first.returncode == code, err
        assert took < 2, took  # the two 5 MiB parts in flight would take 5 s at 2 MiB/s
        [stopped] = _unfinished("upload")
        assert stopped["state"] == "interrupted"
        assert f"`coachadmin resume {stopped['id']}`" in err and "same command again" in err
        assert "interrupted" not in err
        again = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{stopped['id']}: going on with the unfinished upload" in again.stderr
    assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data
