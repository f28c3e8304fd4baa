"""The demo's data directory: one running demo at a time, and how others find it.

``coachadmin --demo`` and ``coachadmin demo-server`` keep the demo under
:func:`demo_dir` (``COACHADMIN_HOME`` moves it): the S3 snapshot (see
:mod:`coachadmin.demo.persistence`), the demo backend's database, a lock file held
by the process that serves the demo, and ``server.json`` (that process's id and
where it listens) while it runs. A second window, or ``coachadmin resume`` of an
upload made on the demo, finds the running demo through :func:`running_demo`
rather than starting another over the same files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path
from typing import IO

from coachadmin import paths
from coachadmin.demo.watch import parent_is_alive
from coachadmin.errors import UserFacingError
from coachadmin.json_text import parse_json

log = logging.getLogger("coachadmin.demo")

LOCK_FILE = "lock"
SERVER_FILE = "server.json"
#: Seconds a new demo waits for one that is stopping to finish saving.
ACQUIRE_WAIT = 60.0


def demo_dir() -> Path:
    """Where the demo keeps what a user puts in it."""
    return paths.data_dir() / "demo"


class DemoBusy(UserFacingError):
    """Another process serves the demo from this directory."""


class DemoHome:
    """The demo's directory, locked by the one process that serves it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or demo_dir()
        self._lock_handle: IO[bytes] | None = None

    @property
    def server_file(self) -> Path:
        return self.path / SERVER_FILE

    def acquire(self, wait: float = ACQUIRE_WAIT) -> None:
        """Take the directory for this process; :class:`DemoBusy` if another keeps it.

        A demo that is stopping (its window was closed or killed) still saves its state:
        its lock is waited for, up to ``wait`` seconds.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        handle = (self.path / LOCK_FILE).open("a+b")
        deadline = time.monotonic() + wait
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                handle.close()
                raise DemoBusy(
                    "The demo is already open in another coachadmin window or "
                    "`coachadmin demo-server`; use that one, or close it first."
                )
            time.sleep(0.1)
        self._lock_handle = handle

    def withdraw(self) -> None:
        """No longer announce this demo (it is stopping): others start their own."""
        if self._lock_handle is not None:  # only the holder speaks for the directory
            self.server_file.unlink(missing_ok=True)

    def release(self) -> None:
        self.withdraw()
        if self._lock_handle is not None:
            _unlock(self._lock_handle)
            self._lock_handle.close()
            self._lock_handle = None

    def reset(self) -> None:
        """Delete everything the demo saved (the directory must be held)."""
        assert self._lock_handle is not None, "acquire() first"
        for child in self.path.iterdir():
            if child.name == LOCK_FILE:
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        log.info("demo data in %s deleted: the demo starts fresh", self.path)

    def publish(self, info: dict[str, str], *, owner: int | None = None) -> None:
        """Say where this process serves the demo (read by :func:`running_demo`);
        ``owner``: the window it serves, whose end ends it."""
        record = {"pid": os.getpid(), "owner": owner, "info": info}
        temporary = self.server_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        temporary.replace(self.server_file)


def running_demo(path: Path | None = None) -> dict[str, str] | None:
    """The demo's JSON line (see ``coachadmin demo-server``) if a live process serves it."""
    home = DemoHome(path)
    try:
        record = parse_json(home.server_file.read_text(encoding="utf-8"))
        pid, info, owner = int(record["pid"]), dict(record["info"]), record.get("owner")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not parent_is_alive(pid) or not _is_locked(home.path / LOCK_FILE):
        return None
    if isinstance(owner, int) and not parent_is_alive(owner):
        return None  # its window is gone: it is saving and stopping

    return {str(k): str(v) for k, v in info.items()}


def _is_locked(lock_file: Path) -> bool:
    """True while some process holds the lock (a probe that takes and drops it)."""
    try:
        handle = lock_file.open("a+b")
    except OSError:
        return False
    with handle:
        if _try_lock(handle):
            _unlock(handle)
            return False
        return True


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
