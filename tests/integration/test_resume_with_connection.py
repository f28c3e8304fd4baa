"""A transfer belongs to its connection: after kill -9 it resumes with that connection's
credentials, wherever they live (a real keychain, an AWS profile, the environment).

Every command runs as a real process, as a user runs it, with no AWS credentials in its
environment unless the connection's source is the environment: a resume that fell back
to boto3's default chain would fail with "no AWS credentials were found".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coachadmin.transfers.config import MiB
from tests.support.faultproxy import Fault, FaultProxy, Request
from tests.support.keychain import gnome_keyring
from tests.support.transfers import (
    get_bytes,
    json_lines,
    make_bucket,
    multipart_uploads,
    run_cli,
    write_random,
)

ACCESS_KEY = "AKIATESTINGKEYCHAIN1"
SECRET = "testing-secret-not-real"


def _user_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a user whose credentials are not in environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env | extra


def cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`coachadmin ARGS` in the user's environment ``env``."""
    return run_cli(*args, env=env, stdin=stdin, timeout=120)


@pytest.fixture(params=["keychain", "aws-profile", "environment"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """(the `connection add` flags, the environment every command runs with) per source."""
    kind = request.param
    if kind == "keychain":
        with gnome_keyring(tmp_path / "desktop") as desktop:
            yield f"--keychain {ACCESS_KEY} --secret-stdin", _user_env(desktop)
    elif kind == "aws-profile":
        credentials = tmp_path / "aws-credentials"
        credentials.write_text(
            f"[media]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET}\n"
        )
        yield "--aws-profile media", _user_env({"AWS_SHARED_CREDENTIALS_FILE": str(credentials)})
    else:
        env = _user_env({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
        yield "--environment", env


def add_connection(env: dict[str, str], name: str, bucket: str, endpoint: str, flags: str) -> None:
    added = cli(
        env,
        "connection", "add", name, "--bucket", bucket, "--endpoint-url", endpoint,
        "--region", "us-east-1", *flags.split(), "--no-test", "--use",
        stdin=SECRET + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def upload_killed_midway(
    env: dict[str, str], proxy: FaultProxy, path: Path, bucket: str, *, at_parts: int = 3
) -> str:
    """`coachadmin upload` through the connection, killed with SIGKILL once parts are in;
    returns the transfer's id."""
    known = {str(u["id"]) for u in json_lines(cli(env, "uploads", "--json").stdout)}
    before = len(proxy.stats.requests)
    process = subprocess.Popen(
        [
            sys.executable, "-m", "coachadmin", "upload", str(path), f"s3://{bucket}/videos/",
            "--part-size", "5MiB", "--concurrency", "2", "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while (
        len({r.part_number for r in proxy.stats.requests[before:] if r.is_upload_part}) < at_parts
    ):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the upload did not get going"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    new = [u for u in json_lines(cli(env, "uploads", "--json").stdout) if u["id"] not in known]
    assert len(new) == 1, new
    return str(new[0]["id"])


@pytest.mark.slow
def test_kill_9_then_resume_uses_the_connections_own_credentials(
    s3_server: str, tmp_path: Path, source: tuple[str, dict[str, str]]
) -> None:
    flags, env = source
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 30 * MiB)
    with FaultProxy(s3_server, rate=5 * MiB) as proxy:
        add_connection(env, "media", bucket, proxy.url, flags)
        transfer_id = upload_killed_midway(env, proxy, tmp_path / "lesson.mp4", bucket)
        row = json_lines(cli(env, "uploads", "--json").stdout)[0]
        assert row["connection"] == "media"
        proxy.up_limit = None
        resumed = cli(env, "resume", "--all", "--json")
        assert resumed.returncode == 0, resumed.stderr
    results = [e for e in json_lines(resumed.stdout) if e["event"] == "result"]
    assert [r["id"] for r in results] == [transfer_id]
    assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data
    assert json_lines(cli(env, "uploads", "--json").stdout) == []
    assert multipart_uploads(s3_server, bucket) == []


@pytest.mark.slow
def test_a_transfer_whose_connection_is_gone_says_so_and_can_be_given_another_or_forgotten(
    s3_server: str, tmp_path: Path
) -> None:
    env = _user_env({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 30 * MiB)
    write_random(tmp_path / "intro.mp4", 30 * MiB)
    with FaultProxy(s3_server, rate=5 * MiB) as proxy:
        add_connection(env, "media", bucket, proxy.url, "--environment")
        first = upload_killed_midway(env, proxy, tmp_path / "lesson.mp4", bucket)
        removed = cli(env, "connection", "remove", "media")
        assert removed.returncode == 0, removed.stderr
        note = removed.stderr.strip()  # the user is told the upload waits, and how it goes on
        assert note.startswith(f"coachadmin: 1 unfinished transfer ({first}) was started with")
        assert f"another connection to s3://{bucket}" in note
        assert "resume ID --connection NAME" in note and "abort --forget ID" in note

        refused = cli(env, "resume", first)
        assert refused.returncode != 0
        message = refused.stderr.strip().splitlines()
        assert len(message) == 1, refused.stderr
        assert "connection 'media', which no longer exists" in message[0]
        assert "Traceback" not in refused.stderr
        assert get_bytes_or_none(s3_server, bucket, "videos/lesson.mp4") is None

        add_connection(env, "media-2", bucket, proxy.url, "--environment")
        proxy.up_limit = None
        resumed = cli(env, "resume", first, "--connection", "media-2")
        assert resumed.returncode == 0, resumed.stderr
        assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data
    # A second upload, then its connection and its server both gone: it can still be removed.
    with FaultProxy(s3_server, rate=5 * MiB) as proxy:
        add_connection(env, "elsewhere", bucket, proxy.url, "--environment")
        second = upload_killed_midway(env, proxy, tmp_path / "intro.mp4", bucket)
    gone = cli(env, "connection", "remove", "elsewhere")
    assert gone.returncode == 0 and f"({second}) was started with 'elsewhere'" in gone.stderr
    assert first not in gone.stderr  # resumed and done: not waiting
    forgotten = cli(env, "abort", "--forget", second, "--json")
    assert forgotten.returncode == 0, forgotten.stderr
    event = json_lines(forgotten.stdout)[0]
    assert event["event"] == "forgotten" and "no longer exists" in event["orphan"]
    assert json_lines(cli(env, "uploads", "--json").stdout) == []
    direct = _user_env({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
    orphans = cli(direct, "orphans", f"s3://{bucket}", "--endpoint-url", s3_server, "--json")
    assert [o["key"] for o in json_lines(orphans.stdout)] == ["videos/intro.mp4"]


def get_bytes_or_none(endpoint: str, bucket: str, key: str) -> bytes | None:
    try:
        return get_bytes(endpoint, bucket, key)
    except Exception:  # noqa: BLE001 - absent is what the test asks about
        return None


def _is_completion(request: Request) -> bool:
    return request.method == "POST" and "uploadId=" in request.target


@pytest.mark.slow
def test_a_completion_whose_reply_was_lost_is_recognised_and_never_sent_again(
    s3_server: str, tmp_path: Path
) -> None:
    """kill -9 while CompleteMultipartUpload is answered: the resume finds the object is the
    file's (its checksum), marks the upload done and sends no part again, also while the
    server has not finished making the object (its first HEADs answer 404)."""
    env = _user_env({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 24 * MiB)
    with FaultProxy(s3_server) as proxy:
        proxy.add_fault(_is_completion, Fault("mute"))
        add_connection(env, "media", bucket, proxy.url, "--environment")
        process = subprocess.Popen(
            [
                sys.executable, "-m", "coachadmin", "upload", str(tmp_path / "lesson.mp4"),
                f"s3://{bucket}/videos/", "--part-size", "5MiB", "--json",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not proxy.stats.faults:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        not_yet = Fault("status", code=404, body=b"")
        proxy.add_fault(lambda r: r.method == "HEAD", not_yet, times=2)
        before = len(proxy.stats.requests)
        resumed = cli(env, "resume", "--all", "--json")
        after = proxy.stats.requests[before:]
    assert resumed.returncode == 0, resumed.stderr
    assert len([r for r in after if r.method == "HEAD"]) >= 3, "it waited for the object"
    assert not [r for r in after if r.is_upload_part], "no part is sent again"
    assert not [r for r in after if _is_completion(r)], "nor the completion"
    assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data
    assert json_lines(cli(env, "uploads", "--json").stdout) == []
    assert multipart_uploads(s3_server, bucket) == []
    again = cli(env, "resume", "--all")
    assert again.returncode == 0 and "nothing to resume" in again.stdout
