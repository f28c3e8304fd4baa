"""parent_is_alive: how a demo server notices that the GUI that started it is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from coachadmin.demo.watch import parent_is_alive


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_this_process_is_alive() -> None:
    assert parent_is_alive(os.getpid())


def test_impossible_pids_are_not_alive() -> None:
    assert not parent_is_alive(0)
    assert not parent_is_alive(-5)


def test_a_process_that_ended_and_was_reaped_is_gone() -> None:
    child = _sleeper()
    assert parent_is_alive(child.pid)
    child.kill()
    child.wait()
    assert not parent_is_alive(child.pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="zombies are read from /proc")
def test_a_killed_but_unreaped_process_counts_as_gone() -> None:
    child = _sleeper()
    try:
        child.kill()
        deadline = time.monotonic() + 10
        while parent_is_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not parent_is_alive(child.pid)
        assert child.poll() is not None  # now reaped; it really was a zombie before
    finally:
        child.kill()
        child.wait()
