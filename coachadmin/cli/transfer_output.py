"""How transfer commands report: JSON lines for scripts, a progress bar for people.

Events arrive from worker threads; a lock keeps lines whole. With ``--json``
every event and the final result is one JSON object on stdout. Otherwise a
progress bar is redrawn on stderr when it is a terminal, and a line is
printed now and then when it is not (a log file, CI); results go to stdout.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from coachadmin.cli.common import emit_json
from coachadmin.display import format_size, printable
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.transfers.result import TransferResult

_BAR_WIDTH = 24
_LINE_INTERVAL = 10.0  # seconds between progress lines when stderr is not a terminal


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def progress_line(event: TransferEvent) -> str:
    filled = int(event.fraction * _BAR_WIDTH)
    bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
    name = event.key.rsplit("/", 1)[-1] or event.path
    return (
        f"[{bar}] {event.fraction * 100:5.1f}% {format_size(event.bytes_done)}"
        f"/{format_size(event.total)} {format_size(event.speed)}/s ETA {_eta(event.eta_seconds)} "
        f"{'waiting' if event.waiting else event.state} {printable(name)}"
    )


class TransferOutput:
    def __init__(
        self,
        *,
        json_mode: bool,
        out: TextIO | None = None,
        err: TextIO | None = None,
        tty: bool | None = None,
    ) -> None:
        self.json_mode = json_mode
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.tty = self.err.isatty() if tty is None else tty
        self._lock = threading.Lock()
        self._last_line: dict[str, float] = {}
        self._said: dict[str, str] = {}  # the last message printed for each transfer
        self._waiting: dict[str, str] = {}  # the transfers that wait for the network: why
        self._bar_shown = False

    def event(self, event: TransferEvent) -> None:
        with self._lock:
            if self.json_mode:
                emit_json(event.as_json(), self.out)
                return
            if (
                event.message
                and event.state not in (TransferState.FAILED, TransferState.PAUSED)
                and self._said.get(event.transfer_id) != event.message  # events repeat it
            ):
                self._said[event.transfer_id] = event.message
                self._clear_bar()
                self.err.write(f"coachadmin: {event.transfer_id}: {printable(event.message)}\n")
            self._say_waiting(event)
            if not event.state.is_active:
                self._clear_bar()
                return
            if self.tty:
                self.err.write("\r" + progress_line(event) + "\x1b[K")
                self.err.flush()
                self._bar_shown = True
                return
            now = time.monotonic()
            last = self._last_line.setdefault(event.transfer_id, now)  # first line after a while
            if now - last >= _LINE_INTERVAL:
                self._last_line[event.transfer_id] = now
                self.err.write(progress_line(event) + "\n")
                self.err.flush()

    def _say_waiting(self, event: TransferEvent) -> None:
        """A line when the transfers begin to wait for the network, and one when they go on
        (once for all of them: they share one link to the server)."""
        before = bool(self._waiting)
        if event.waiting and event.state.is_active:
            self._waiting[event.transfer_id] = event.waiting
        else:
            self._waiting.pop(event.transfer_id, None)
        if bool(self._waiting) == before:
            return
        if self._waiting:
            said = event.waiting
        elif event.state.is_active:
            said = "the connection is back; going on"
        else:
            return  # it ended while waiting: its result or error says how
        self._clear_bar()
        self.err.write(f"coachadmin: {printable(said)}\n")

    def result(self, result: TransferResult) -> None:
        with self._lock:
            if self.json_mode:
                emit_json(result.as_json(), self.out)
                return
            self._clear_bar()
            where = f"s3://{result.bucket}/{result.key}"
            if result.kind == "upload":
                text = f"uploaded {result.path} to {where}"
            else:
                text = f"downloaded {where} to {result.path}"
            self.out.write(f"{printable(text)} ({format_size(result.size)}, ETag {result.etag})\n")
            self.out.flush()

    def line(self, text: str, record: dict[str, object] | None = None) -> None:
        """A plain line (text mode) or a JSON object (JSON mode)."""
        with self._lock:
            if self.json_mode:
                emit_json(record if record is not None else {"message": text}, self.out)
            else:
                self._clear_bar()
                self.out.write(printable(text) + "\n")
                self.out.flush()

    def note(self, text: str) -> None:
        """Something the user should know, beside the results: a line on stderr (text
        mode), an ``info`` event (JSON mode)."""
        with self._lock:
            if self.json_mode:
                emit_json({"event": "info", "message": text}, self.out)
            else:
                self._clear_bar()
                self.err.write(f"coachadmin: {printable(text)}\n")
                self.err.flush()

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.err.write("\r\x1b[K")
            self.err.flush()
            self._bar_shown = False
