"""A real OS keychain for tests: GNOME Keyring's Secret Service on a private D-Bus session.

What a Linux desktop user has: keyring picks its SecretService backend, secrets go
over D-Bus to gnome-keyring-daemon, unlocked with a (test) password. Both daemons
are this test's own (a private bus, a throwaway HOME) and stop with it. Where the
daemons are not installed the test is skipped, except in CI (``CI=true``), whose
``.ci/run`` installs them: there a missing keychain is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

UNLOCK_PASSWORD = "testing"
_PROBE = (
    "import keyring, sys; k = keyring.get_keyring(); "
    "sys.exit(0 if type(k).__module__.endswith('SecretService') else 3)"
)


def _require(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        message = f"no real keychain here ({', '.join(missing)} missing)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": .ci/run installs gnome-keyring and dbus")
        pytest.skip(message)


@contextlib.contextmanager
def gnome_keyring(home: Path) -> Iterator[dict[str, str]]:
    """Run a session bus and an unlocked gnome-keyring; yields the variables that reach them."""
    _require("dbus-daemon", "gnome-keyring-daemon")
    runtime = home / "run"
    runtime.mkdir(parents=True, mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    daemon: subprocess.Popen[str] | None = None
    try:
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert daemon.stdin is not None
        daemon.stdin.write(UNLOCK_PASSWORD)
        daemon.stdin.close()
        _wait_for_secret_service(env)
        yield {name: env[name] for name in ("HOME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS")}
    finally:
        for process in (daemon, bus):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_for_secret_service(env: dict[str, str]) -> None:
    deadline = time.monotonic() + 20
    while True:
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, check=False
        )
        if probe.returncode == 0:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"gnome-keyring did not come up: {probe.stderr.decode()[-500:]}")
        time.sleep(0.1)
