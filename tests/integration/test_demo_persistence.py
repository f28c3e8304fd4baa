"""The demo keeps what a user puts in it: objects (every version), unfinished multipart
uploads with their parts, tags and the lessons survive a stop, a kill -9 of the demo's
process and a relaunch; a reset starts it fresh; a damaged save starts it fresh too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from coachadmin.backend.client import BackendClient
from coachadmin.backend.models import Lesson
from coachadmin.demo.environment import DemoEnvironment, DemoInfo
from coachadmin.demo.home import DemoBusy, DemoHome, demo_dir, running_demo
from coachadmin.demo.persistence import SNAPSHOT_DELAY
from coachadmin.demo.process import DemoProcess, child_environment
from coachadmin.s3.client import make_client

MiB = 1024 * 1024


def _forget_moto_state() -> None:
    """What a new process starts with: moto's S3 knows no bucket."""
    s3_backends[DEFAULT_ACCOUNT_ID]["aws"].reset()


def _backend(info: DemoInfo) -> BackendClient:
    client = BackendClient(info.api_url)
    client.login(info.admin_email, info.admin_password)
    return client


def _first_lesson(backend: BackendClient) -> Lesson:
    return backend.lessons(backend.courses()[0].id)[0]


def test_everything_a_user_put_in_the_demo_is_there_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    big = os.urandom(7 * MiB)  # larger than moto keeps in memory: read in place after
    with DemoEnvironment(plain_objects=5, data_dir=data_dir) as env:
        assert env.fresh
        info = env.info
        s3 = make_client(info.s3_settings())
        bucket = info.bucket
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=bucket, Key="videos/note.txt", Body=b"first")
        s3.put_object(Bucket=bucket, Key="videos/note.txt", Body=b"second")
        s3.put_object(Bucket=bucket, Key="videos/big.bin", Body=big)
        s3.put_object_tagging(
            Bucket=bucket, Key="videos/note.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
        )
        upload = s3.create_multipart_upload(Bucket=bucket, Key="videos/long.mp4")["UploadId"]
        part = s3.upload_part(
            Bucket=bucket, Key="videos/long.mp4", UploadId=upload, PartNumber=1, Body=b"p" * 5 * MiB
        )
        backend = _backend(info)
        backend.link(_first_lesson(backend).id, "videos/big.bin")
        keys_before = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    _forget_moto_state()

    with DemoEnvironment(plain_objects=5, data_dir=data_dir) as env:
        assert not env.fresh
        info = env.info
        s3 = make_client(info.s3_settings())
        keys_after = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
        assert keys_after == keys_before
        versions = s3.list_object_versions(Bucket=bucket, Prefix="videos/note.txt")["Versions"]
        assert sorted(v["Size"] for v in versions) == [5, 6]
        assert s3.get_object(Bucket=bucket, Key="videos/note.txt")["Body"].read() == b"second"
        assert s3.get_object(Bucket=bucket, Key="videos/big.bin")["Body"].read() == big
        tags = s3.get_object_tagging(Bucket=bucket, Key="videos/note.txt")["TagSet"]
        assert tags == [{"Key": "k", "Value": "v"}]
        parts = s3.list_parts(Bucket=bucket, Key="videos/long.mp4", UploadId=upload)["Parts"]
        assert [(p["PartNumber"], p["ETag"]) for p in parts] == [(1, part["ETag"])]
        # The same users sign in, and the lesson keeps its new link.
        assert _first_lesson(_backend(info)).video_id == "videos/big.bin"
    _forget_moto_state()

    with DemoEnvironment(plain_objects=5, data_dir=data_dir, reset=True) as env:
        assert env.fresh
        s3 = make_client(env.info.s3_settings())
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
        assert "videos/big.bin" not in keys and "videos/note.txt" not in keys
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_damaged_save_starts_the_demo_fresh_without_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "demo"
    with DemoEnvironment(plain_objects=3, data_dir=data_dir) as env:
        make_client(env.info.s3_settings()).put_object(
            Bucket=env.info.bucket, Key="videos/mine.txt", Body=b"mine"
        )
    _forget_moto_state()
    (data_dir / "s3" / "state.pickle").write_bytes(b"\x80\x05garbage")
    with DemoEnvironment(plain_objects=3, data_dir=data_dir) as env:
        assert env.fresh
        keys = {
            o["Key"]
            for o in make_client(env.info.s3_settings()).list_objects_v2(Bucket=env.info.bucket)[
                "Contents"
            ]
        }
        assert "videos/mine.txt" not in keys and len(keys) > 3
    assert "cannot be read" in caplog.text


def test_one_demo_per_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    with DemoEnvironment(plain_objects=0, data_dir=data_dir) as env:
        assert running_demo(data_dir) == env.info.as_dict()
        other = DemoHome(data_dir)
        with pytest.raises(DemoBusy, match="already open"):
            other.acquire(wait=0.3)
    assert running_demo(data_dir) is None


def _start_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], DemoInfo]:
    server = subprocess.Popen(
        [sys.executable, "-P", "-m", "coachadmin", "demo-server"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    return server, DemoInfo(**json.loads(server.stdout.readline()))


@pytest.mark.slow
def test_changes_survive_a_kill_9_of_the_demo_process_and_a_second_window_joins_it() -> None:
    env = dict(os.environ)
    server, info = _start_server(env)
    try:
        s3 = make_client(info.s3_settings())
        s3.put_object(Bucket=info.bucket, Key="videos/kept.txt", Body=b"kept")
        # A second window (DemoProcess) finds this demo rather than starting another.
        joined = DemoProcess()
        assert joined.start().s3_endpoint == info.s3_endpoint and joined.attached
        joined.stop()
        assert server.poll() is None, "leaving a joined demo does not stop it"
        deadline = time.monotonic() + 10 * SNAPSHOT_DELAY + 5
        state = demo_dir() / "s3" / "state.pickle"
        saved_at = state.stat().st_mtime
        while state.stat().st_mtime == saved_at and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    server, info = _start_server(env)
    try:
        s3 = make_client(info.s3_settings())
        assert s3.get_object(Bucket=info.bucket, Key="videos/kept.txt")["Body"].read() == b"kept"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_the_demo_child_runs_the_installed_package_and_gets_no_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started from a folder that holds another `coachadmin` (a clone's root), the child still
    runs this installation; the user's AWS keys and backend token stay out of its environment."""
    decoy = tmp_path / "clone" / "coachadmin"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise SystemExit('the source tree was imported')\n")
    (decoy / "__main__.py").write_text("raise SystemExit('the source tree was imported')\n")
    monkeypatch.chdir(decoy.parent)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "FAKE-user-secret-never-in-child")
    monkeypatch.setenv("COACHADMIN_API_TOKEN", "FAKE-token-never-in-child")
    with DemoProcess(ephemeral=True) as demo:
        assert _backend(demo.info).me().email == demo.info.admin_email
        if sys.platform.startswith("linux"):
            environ = Path(f"/proc/{demo.pid}/environ").read_bytes()
            assert b"FAKE-user-secret" not in environ and b"FAKE-token" not in environ
    assert "AWS_SECRET_ACCESS_KEY" not in child_environment({"AWS_SECRET_ACCESS_KEY": "x"})
