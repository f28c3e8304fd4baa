"""The CI steps that are shell or platform code, run here on stand-ins (Linux)."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BUILD))

import install_check  # noqa: E402

FAKE_APP = """#!/bin/sh
case "$1" in
    --version) echo "coachadmin 0.2.0rc1" ;;
    --self-test) echo "self-test passed: 8 steps in 0.1 s"; exit ${SELF_TEST_STATUS:-0} ;;
esac
"""


def _tarball(path: Path, script: str) -> Path:
    data = script.encode()
    info = tarfile.TarInfo("coachadmin/coachadmin")
    info.size, info.mode = len(data), 0o755
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(info, io.BytesIO(data))
    return path


def test_tarball_is_unpacked_and_its_app_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _tarball(tmp_path / "coachadmin-0.2.0rc1-linux-x86_64.tar.gz", FAKE_APP)
    assert install_check.main([str(archive), "0.2.0rc1"]) == 0
    out = capsys.readouterr().out
    assert "--version: coachadmin 0.2.0rc1" in out
    assert "self-test passed" in out


def test_a_wrong_version_or_a_failing_self_test_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _tarball(tmp_path / "coachadmin-0.2.0-linux-x86_64.tar.gz", FAKE_APP)
    assert install_check.main([str(archive), "0.2.0"]) == 1
    assert "--version printed 'coachadmin 0.2.0rc1'" in capsys.readouterr().err
    monkeypatch.setenv("SELF_TEST_STATUS", "1")
    assert install_check.main([str(archive), "0.2.0rc1"]) == 1
    assert "--self-test exited with 1" in capsys.readouterr().err


def _retry(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"source {BUILD / 'macos' / 'retry.sh'}; {script}"],
        capture_output=True,
        text=True,
        env={"RETRY_DELAY": "0", "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_retry_runs_until_the_command_succeeds(tmp_path: Path) -> None:
    counter = tmp_path / "n"
    # Fails twice ("Resource busy"), then succeeds.
    flaky = f'echo x >> {counter}; [ "$(wc -l < {counter})" -ge 3 ]'
    result = _retry(f"retry 5 bash -c '{flaky}'; echo status=$?")
    assert "status=0" in result.stdout
    assert counter.read_text().count("x") == 3
    assert result.stderr.count("failed (attempt") == 2


def test_retry_gives_up() -> None:
    result = _retry("retry 3 false; echo status=$?")
    assert "status=1" in result.stdout
    assert "'false' failed 3 times, giving up" in result.stderr
