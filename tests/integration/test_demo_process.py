"""`coachadmin demo-server` and DemoProcess as real child processes."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import pytest
import requests

from coachadmin.demo.environment import DemoInfo
from coachadmin.demo.process import DemoProcess, DemoStartError, demo_server_command
from coachadmin.demo.serving import port_is_closed
from coachadmin.demo.watch import parent_is_alive

INFO_KEYS = [
    "s3_endpoint", "api_url", "bucket", "region", "access_key", "secret_key",
    "admin_email", "admin_password", "author_email", "author_password",
]  # fmt: skip


def _ports(info: DemoInfo) -> list[int]:
    return [urlsplit(url).port or 0 for url in (info.s3_endpoint, info.api_url)]


def _first_line(stream: IO[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def _aws() -> str:
    beside = Path(sys.executable).with_name("aws")
    found = str(beside) if beside.exists() else shutil.which("aws")
    assert found, "awscli is in the test extra: pip install -e '.[test]'"
    return found


def _poll_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _login(info: DemoInfo) -> str:
    answer = requests.post(
        f"{info.api_url}/api/auth/login",
        json={"email": info.admin_email, "password": info.admin_password},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["token"])


@pytest.mark.slow
def test_demo_server_announces_itself_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    stderr = (tmp_path / "stderr.txt").open("w")
    env = {**os.environ, "COACHADMIN_DEMO_TOKEN_TTL": "1.5"}
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "coachadmin", "demo-server"],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        line = _first_line(server.stdout, timeout=10)
        assert time.monotonic() - started < 10
        announced = json.loads(line)
        assert list(announced) == INFO_KEYS
        info = DemoInfo(**announced)

        aws_env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": info.access_key,
            "AWS_SECRET_ACCESS_KEY": info.secret_key,
            "AWS_DEFAULT_REGION": info.region,
        }
        listing = subprocess.run(
            [_aws(), "s3", "ls", f"s3://{info.bucket}/", "--endpoint-url", info.s3_endpoint],
            capture_output=True, text=True, env=aws_env, timeout=60, check=True,
        )  # fmt: skip
        assert [line.split() for line in listing.stdout.splitlines()] == [
            ["PRE", "images/"], ["PRE", "uploads/"], ["PRE", "videos/"],
        ]  # fmt: skip

        # COACHADMIN_DEMO_TOKEN_TTL reached the backend: the token expires within seconds.
        token = _login(info)
        me = f"{info.api_url}/api/auth/me"

        def expired() -> bool:
            answer = requests.get(me, headers={"Authorization": f"Bearer {token}"}, timeout=10)
            return answer.status_code == 401 and "expired" in answer.json()["message"]

        _poll_until(expired, 15, "the token to expire")

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        assert all(port_is_closed("127.0.0.1", port) for port in _ports(info))
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        if server.stdout is not None:
            server.stdout.close()
        stderr.close()
    assert "demo environment stopped" in (tmp_path / "stderr.txt").read_text()


@pytest.mark.slow
def test_demo_process_starts_and_stops_the_child() -> None:
    with DemoProcess() as demo:
        info = demo.info
        pid = demo.pid
        assert pid is not None and parent_is_alive(pid)
        assert _login(info)
        assert demo.poll() is None
        code = demo.stop()
    assert code == 0
    assert all(port_is_closed("127.0.0.1", port) for port in _ports(info))
    assert demo.stop() is None  # already stopped


@pytest.mark.slow
def test_demo_server_exits_when_the_watched_parent_dies() -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    demo = DemoProcess(command=demo_server_command(parent.pid))
    try:
        info = demo.start()
        parent.kill()
        parent.wait()
        _poll_until(lambda: demo.poll() is not None, 15, "the demo server to notice")
        assert demo.poll() == 0
        assert all(port_is_closed("127.0.0.1", port) for port in _ports(info))
    finally:
        demo.stop()
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_demo_server_command_runs_this_installation() -> None:
    command = demo_server_command(4321)
    assert command[0] == sys.executable
    assert command[-3:] == ["demo-server", "--watch-parent", "4321"]
    # -P: a source tree in the working directory cannot stand in for this installation.
    assert command[1:4] == ["-P", "-m", "coachadmin"]


def test_a_child_that_dies_at_start_reports_its_last_words() -> None:
    script = "import sys; sys.stderr.write('port trouble: cannot bind\\n'); sys.exit(3)"
    demo = DemoProcess(command=[sys.executable, "-c", script])
    with pytest.raises(DemoStartError) as error:
        demo.start()
    assert "exit code 3" in str(error.value)
    assert "port trouble: cannot bind" in str(error.value)
    assert demo.pid is None


def test_a_child_that_never_announces_itself_times_out_and_is_stopped() -> None:
    demo = DemoProcess(
        command=[sys.executable, "-c", "import time; time.sleep(60)"], startup_timeout=0.5
    )
    with pytest.raises(DemoStartError, match="did not start within"):
        demo.start()
    assert demo.pid is None  # stopped, not left running


def test_a_child_that_says_something_else_is_refused() -> None:
    script = "print('hello, I am not JSON', flush=True); import time; time.sleep(60)"
    demo = DemoProcess(command=[sys.executable, "-c", script])
    with pytest.raises(DemoStartError, match="unexpected"):
        demo.start()
    assert demo.pid is None
