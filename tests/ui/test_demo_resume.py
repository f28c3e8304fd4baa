"""The headline feature on the demo: an upload in the window, the app killed with SIGKILL
midway, the app opened again: the upload goes on from where it was and completes
byte-exact (the demo kept the unfinished multipart upload and its parts)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from coachadmin.demo.home import running_demo
from coachadmin.transfers.journal import Journal

SCRIPT = Path(__file__).resolve().parents[1] / "support" / "demo_window.py"
MiB = 1024 * 1024


def _window(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_an_upload_on_the_demo_survives_a_kill_9_of_the_app(tmp_path: Path) -> None:
    video = tmp_path / "masterclass.mp4"
    data = os.urandom(160 * MiB)
    video.write_bytes(data)

    first = _window("upload", str(video))
    assert first.stdout is not None
    transfer_id = json.loads(first.stdout.readline())["id"]
    # Read on, so the window never waits on a full pipe, until parts are journaled.
    threading.Thread(target=first.stdout.read, daemon=True).start()
    deadline = time.monotonic() + 120
    with Journal() as journal:
        while len(journal.parts(transfer_id)) < 3:
            assert first.poll() is None and time.monotonic() < deadline, "no parts journaled"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        parts = journal.parts(transfer_id)
        assert journal.get_upload(transfer_id).state == "uploading"
    assert 3 <= len(parts) < 20, "killed midway"

    second = _window("finish", transfer_id)
    try:
        assert second.stdout is not None
        lines = [json.loads(line) for line in second.stdout]
        assert second.wait(timeout=60) == 0, lines[-3:]
    finally:
        if second.poll() is None:
            second.kill()
    assert lines[-1] == {"sha256": hashlib.sha256(data).hexdigest()}
    # Progress restarts from what the demo kept: every part journaled before the kill.
    resumed_from = next(e["done"] for e in lines if e.get("state") == "uploading" and e["done"])
    assert resumed_from >= len(parts) * 8 * MiB, "it went on from where it was"
    deadline = time.monotonic() + 30
    while running_demo() is not None:  # the demo child stops with its window
        assert time.monotonic() < deadline
        time.sleep(0.1)
