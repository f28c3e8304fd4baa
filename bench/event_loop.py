"""What the window benchmarks measure of Qt's event loop: a wait that keeps it running,
and the gaps between a 10 ms timer's ticks (the longest is the worst stall a user saw)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def spin_until(predicate: Callable[[], bool], timeout: float) -> None:
    """Run the event loop until ``predicate()`` holds; give up after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        QApplication.processEvents()
        time.sleep(0.001)


class StallMeter:
    """A timer ticking every 10 ms while it runs; :meth:`figures` after :meth:`stop`."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def figures(self) -> dict[str, float]:
        gaps = sorted(self.gaps)
        return {
            "worst_stall_ms": gaps[-1] * 1000,
            "p99_gap_ms": gaps[int(len(gaps) * 0.99)] * 1000,
            "ticks": float(len(gaps)),
        }

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now
