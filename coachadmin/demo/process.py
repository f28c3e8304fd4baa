"""The demo environment in a child process, for the GUI's ``--demo``.

moto, Flask and the demo backend then run outside the GUI's process: their
threads never compete with the event loop, their global state never mixes
with the app's, and stopping the demo is ending a process. The child is
``coachadmin demo-server --watch-parent <our pid>``, so it exits by itself if
the GUI is killed (saving the demo's state as it goes, see
:mod:`coachadmin.demo.home`). It announces itself with one JSON line on stdout.

When a demo already runs over the same data (another window, or
``coachadmin demo-server`` in a terminal), :meth:`DemoProcess.start` uses it
instead of starting a second one, and :meth:`DemoProcess.stop` leaves it running.

The child runs this very installation: ``python -P -m coachadmin`` never puts
the working directory on ``sys.path``, so a source tree there (a clone's root)
cannot stand in for the installed package. It gets no AWS credentials and no
backend token in its environment: the demo needs neither.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from coachadmin.demo.home import running_demo
from coachadmin.demo.info import DemoInfo
from coachadmin.errors import UserFacingError
from coachadmin.redact import redact

log = logging.getLogger("coachadmin.demo")

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
_TAIL_LINES = 30


class DemoStartError(UserFacingError):
    """The demo environment's process did not come up."""


#: Environment variables the demo child never gets: credentials and tokens of the user's.
_SECRET_ENV = re.compile(r"^(AWS_.*|COACHADMIN_API_TOKEN)$", re.IGNORECASE)


def demo_server_command(
    parent_pid: int, *, ephemeral: bool = False, reset: bool = False
) -> list[str]:
    """How to run ``coachadmin demo-server`` from this very installation."""
    if getattr(sys, "frozen", False):  # PyInstaller: the executable is the app itself
        # On Windows the Start menu opens the windowed coachadmin-gui.exe, which has no
        # stdout for the JSON line: the child is the console coachadmin.exe beside it.
        console = Path(sys.executable).with_name("coachadmin.exe")
        use_console = sys.platform == "win32" and console.is_file()
        base = [str(console) if use_console else sys.executable]
    else:
        base = [sys.executable, "-P", "-m", "coachadmin"]
    command = [*base, "demo-server", "--watch-parent", str(parent_pid)]
    if ephemeral:
        command.append("--ephemeral")
    elif reset:
        command.append("--reset")
    return command


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The demo child's environment: ours without credentials or tokens."""
    source = os.environ if base is None else base
    return {name: value for name, value in source.items() if not _SECRET_ENV.match(name)}


class DemoProcess:
    """Start with :meth:`start` (or ``with``), read :attr:`info`, :meth:`stop` when done."""

    def __init__(
        self,
        *,
        startup_timeout: float = STARTUP_TIMEOUT,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] | None = None,
        ephemeral: bool = False,
        reset: bool = False,
    ) -> None:
        """``ephemeral``: a throwaway demo (the self-test's); ``reset``: start it fresh."""
        self._startup_timeout = startup_timeout
        self._env = child_environment(env)
        self._command = (
            list(command)
            if command
            else demo_server_command(os.getpid(), ephemeral=ephemeral, reset=reset)
        )
        #: Join a demo that already runs over the same data (never for a throwaway or a reset).
        self._may_attach = command is None and not ephemeral and not reset
        #: True when :meth:`start` found a running demo: :meth:`stop` leaves it alone.
        self.attached = False
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self._readers: list[threading.Thread] = []
        self._info: DemoInfo | None = None

    @property
    def info(self) -> DemoInfo:
        if self._info is None:
            raise RuntimeError("the demo process is not running: call start() first")
        return self._info

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def poll(self) -> int | None:
        """The child's exit code if it has ended by itself, else None."""
        return self._process.poll() if self._process else None

    def start(self) -> DemoInfo:
        """Launch the child and wait for its JSON line (a DemoStartError if none comes)."""
        if self._info is not None:
            return self._info
        running = running_demo() if self._may_attach else None
        if running is not None:
            try:
                self._info = DemoInfo(**running)
            except TypeError:
                log.warning("the running demo's description is not understood: starting one")
            else:
                self.attached = True
                log.info("using the demo that already runs at %s", self._info.s3_endpoint)
                return self._info
        log.info("starting the demo environment: %s", " ".join(self._command))
        flags = 0
        if sys.platform == "win32":  # no console window flashing up behind the GUI
            flags = subprocess.CREATE_NO_WINDOW
        self._process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
            self._command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=self._env,
            creationflags=flags,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._reader("stdout", self._process.stdout, self._read_stdout)
        self._reader("stderr", self._process.stderr, self._read_stderr)
        try:
            self._info = self._await_info()
        except BaseException:
            self.stop()
            raise
        log.info("demo environment up in process %d", self._process.pid)
        return self._info

    def _reader(self, name: str, stream: IO[str], target: Callable[[IO[str]], None]) -> None:
        thread = threading.Thread(target=target, args=(stream,), name=f"demo-{name}", daemon=True)
        thread.start()
        self._readers.append(thread)

    def _read_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def _read_stderr(self, stream: IO[str]) -> None:
        # Always drained: a full pipe would block the child mid-write.
        for line in stream:
            self._stderr_tail.append(line.rstrip("\n"))
            log.debug("demo-server: %s", line.rstrip())

    def _await_info(self) -> DemoInfo:
        try:
            line = self._lines.get(timeout=self._startup_timeout)
        except queue.Empty:
            raise DemoStartError(
                f"The demo environment did not start within {self._startup_timeout:.0f} s."
                + self._tail()
            ) from None
        if line is None:
            assert self._process is not None
            code = self._process.wait(timeout=STOP_TIMEOUT)
            self._readers[-1].join(timeout=STOP_TIMEOUT)  # the stderr tail, complete
            raise DemoStartError(
                f"The demo environment stopped before it was ready (exit code {code})."
                + self._tail()
            )
        try:
            return DemoInfo(**json.loads(line))
        except (ValueError, TypeError) as error:
            raise DemoStartError(
                f"The demo environment answered something unexpected ({error})." + self._tail()
            ) from None

    def _tail(self) -> str:
        lines = [line for line in self._stderr_tail if line.strip()][-8:]
        if not lines:
            return " It printed nothing; the log file may say more."
        return " Its last messages:\n" + redact("\n".join(lines))

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Ask the child to stop (SIGTERM; on Windows, terminate), kill it if it lingers."""
        process, self._process, self._info = self._process, None, None
        self.attached = False
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("the demo environment did not stop in %.0f s: killing it", timeout)
                process.kill()
                process.wait(timeout=timeout)
        for thread in self._readers:
            thread.join(timeout=timeout)
        self._readers.clear()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        log.info("demo environment process ended with code %s", process.returncode)
        return process.returncode

    def __enter__(self) -> DemoProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
