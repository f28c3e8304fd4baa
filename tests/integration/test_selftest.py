"""``coachadmin --self-test`` as the build and a user run it: a real process, unfrozen.

The frozen bundle runs the same self-test in build/build_bundle.py (and .ci/run).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

STEPS = (
    "Qt plugins",
    "keychain",
    "main window",
    "demo environment",
    "list the bucket",
    "upload a file",
    "preview an image",
    "sign in to the backend",
)


def run_self_test(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coachadmin", "--self-test"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        timeout=180,
        check=False,
    )


@pytest.mark.slow
def test_self_test_passes_every_step_and_writes_only_to_the_user_dirs(
    tmp_path: Path, app_home: Path
) -> None:
    result = run_self_test(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for number, step in enumerate(STEPS, 1):
        assert any(line.strip().startswith(f"ok  {number}. {step} (") for line in lines), (
            f"no line for step {number} '{step}' in:\n{result.stdout}"
        )
    assert lines[-1].startswith(f"self-test passed: {len(STEPS)} steps")
    assert "FAILED" not in result.stderr
    # The upload went to the demo bucket and the window showed its rows.
    assert "read back identical" in result.stdout
    assert "uploads/self-test-" in result.stdout
    # Nothing next to the working directory; the log went to the user's (test's) home.
    assert list(tmp_path.iterdir()) == []
    assert (app_home / "logs" / "coachadmin.log").is_file()


@pytest.mark.slow
def test_a_failing_step_is_named_and_the_exit_code_is_not_zero(tmp_path: Path) -> None:
    # A demo-server child that refuses to start (a bad token lifetime in its environment)
    # is a real failure of the "demo environment" step, reported with the child's message.
    result = run_self_test(tmp_path, COACHADMIN_DEMO_TOKEN_TTL="forever")

    assert result.returncode == 1
    assert "self-test FAILED at step 4 'demo environment'" in result.stderr
    assert "COACHADMIN_DEMO_TOKEN_TTL" in result.stderr
    assert "ok  3. main window" in result.stdout
    assert "ok  4." not in result.stdout
    assert "self-test passed" not in result.stdout
