"""How a ``coachadmin`` process ends (coachadmin.cli.process_exit): at once after a
command, with everything it said delivered; normally where something is left to finish."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Registered by each snippet: printed only when the interpreter tears itself down.
TEARDOWN = "import atexit\natexit.register(lambda: print('teardown', flush=True))\n"


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as users run it
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env=env | {"COACHADMIN_HOME": str(tmp_path / "home")},
    )


def test_a_command_ends_without_teardown_and_its_output_arrives_whole(tmp_path: Path) -> None:
    """Through a pipe stdout is block-buffered: 200 KB still in the buffer must arrive."""
    code = (
        TEARDOWN + "import sys\nfrom coachadmin.cli.process_exit import end_process\n"
        "sys.stdout.write('x' * 200_000)\n"
        "sys.stdout.write('end\\n')\n"  # small: it waits in the buffer
        "sys.stderr.write('said on stderr\\n')\n"
        "end_process(3)\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 3
    assert result.stdout == "x" * 200_000 + "end\n"  # and no "teardown": none ran
    assert result.stderr == "said on stderr\n"


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    code = (
        TEARDOWN + "import threading, time, pathlib\n"
        "from coachadmin.cli.process_exit import end_process\n"
        "def finish():\n"
        "    time.sleep(0.5)\n"
        "    pathlib.Path('finished').write_text('yes')\n"
        "threading.Thread(target=finish).start()\n"
        "end_process(0)\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "finished").read_text() == "yes"
    assert result.stdout == "teardown\n"


def test_once_qt_is_loaded_the_process_ends_normally(tmp_path: Path) -> None:
    pytest.importorskip("PySide6.QtCore")
    code = (
        TEARDOWN + "import PySide6.QtCore\n"
        "from coachadmin.cli.process_exit import end_process\n"
        "end_process(5)\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 5
    assert result.stdout == "teardown\n"


def test_a_failed_command_says_why_and_its_log_line_is_written(tmp_path: Path) -> None:
    """The real program: the message on stderr, the exit status, the log flushed."""
    command = ["download", "s3://b/k", str(tmp_path / "x"), "--endpoint-url", "http://127.0.0.1:9"]
    result = subprocess.run(
        [sys.executable, "-m", "coachadmin", *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=os.environ | {"COACHADMIN_HOME": str(tmp_path / "home")},
    )
    assert result.returncode == 2
    assert "'b' is not a valid bucket name" in result.stderr
    log = (tmp_path / "home" / "logs" / "coachadmin.log").read_text()
    assert "download failed: 'b' is not a valid bucket name" in log


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_is_not_a_success(tmp_path: Path) -> None:
    """`coachadmin uploads --json > out.json` on a full disk must not exit 0."""
    code = (
        "import sys\nfrom coachadmin.cli.process_exit import end_process\n"
        "sys.stdout.write('a line that waits in the buffer\\n')\n"
        "end_process(0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-c", code], stdout=full, stderr=subprocess.PIPE, text=True,
            timeout=60, check=False, env=env,
        )  # fmt: skip
    assert result.returncode == 120
    assert "the output could not be written" in result.stderr
