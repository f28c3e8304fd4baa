"""Progress events: what a transfer tells the GUI and the command line.

Events are immutable and delivered from background threads. A
:class:`ProgressTracker` batches byte counts so that a transfer emits at most
``max_per_second`` progress events (state changes always go through), and
smooths the speed with an exponentially weighted moving average so that the
ETA does not jump around.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger("coachadmin.transfers")


class TransferState(StrEnum):
    QUEUED = "queued"
    UPLOADING = "uploading"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (TransferState.DONE, TransferState.FAILED, TransferState.CANCELLED)

    @property
    def is_active(self) -> bool:
        return self in (
            TransferState.UPLOADING,
            TransferState.DOWNLOADING,
            TransferState.VERIFYING,
        )


class TransferKind(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"


@dataclass(frozen=True)
class TransferEvent:
    """One snapshot of a transfer. ``speed`` is bytes/s (smoothed); ``eta_seconds`` may be None."""

    transfer_id: str
    kind: TransferKind
    state: TransferState
    bytes_done: int
    total: int
    speed: float = 0.0
    eta_seconds: float | None = None
    message: str = ""
    bucket: str = ""
    key: str = ""
    path: str = ""
    #: Why a moving transfer stands still: the network it waits for ("" while it moves).
    waiting: str = ""

    @property
    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.bytes_done / self.total)

    def as_json(self) -> dict[str, object]:
        """The command line's JSON form (camelCase, as scripts expect)."""
        return {
            "event": "progress",
            "id": self.transfer_id,
            "kind": str(self.kind),
            "state": str(self.state),
            "bytesDone": self.bytes_done,
            "total": self.total,
            "speed": round(self.speed, 1),
            "eta": None if self.eta_seconds is None else round(self.eta_seconds, 1),
            "message": self.message,
            "bucket": self.bucket,
            "key": self.key,
            "path": self.path,
            "waiting": self.waiting,
        }


EventSink = Callable[[TransferEvent], None]

#: Time constant of the speed average, in seconds.
SPEED_WINDOW = 3.0


class ProgressTracker:
    """Thread-safe byte counter for one transfer; emits rate-limited events to ``sink``."""

    def __init__(
        self,
        sink: EventSink,
        *,
        transfer_id: str,
        kind: TransferKind,
        total: int,
        bucket: str = "",
        key: str = "",
        path: str = "",
        max_per_second: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._id = transfer_id
        self._kind = kind
        self._bucket, self._key, self._path = bucket, key, path
        self._min_interval = 1.0 / max_per_second if max_per_second > 0 else 0.0
        self._clock = clock
        self._lock = threading.Lock()
        # Held while delivering, so that subscribers see events in order (re-entrant
        # so that a subscriber may call back into the tracker).
        self._emit_lock = threading.RLock()
        self._total = total
        self._done = 0
        self._state = TransferState.QUEUED
        self._message = ""
        self._waiting = ""
        self._speed = 0.0
        now = clock()
        self._last_emit = -math.inf
        self._sample_time = now
        self._sample_bytes = 0

    @property
    def bytes_done(self) -> int:
        with self._lock:
            return self._done

    @property
    def state(self) -> TransferState:
        with self._lock:
            return self._state

    def reset(self, total: int, done: int = 0) -> None:
        """Start counting afresh (a restarted upload), without emitting."""
        with self._lock:
            self._total, self._done = total, done
            self._sample_bytes, self._sample_time = done, self._clock()
            self._speed = 0.0

    def add(self, count: int) -> None:
        """Count ``count`` more bytes (negative when an attempt is rolled back)."""
        with self._emit_lock:
            with self._lock:
                self._done = max(0, self._done + count)
                event = self._maybe_event(force=False)
            if event is not None:
                self._deliver(event)

    def set_state(self, state: TransferState, message: str = "") -> None:
        """Change state; always emits, whatever the rate limit."""
        with self._emit_lock:
            with self._lock:
                self._state = state
                self._message = message
                if state is TransferState.DONE:
                    self._done = self._total
                event = self._maybe_event(force=True)
            if event is not None:
                self._deliver(event)

    def notify(self, message: str) -> None:
        """Tell the user something without changing state (e.g. "starting over")."""
        self.set_state(self.state, message)

    def set_waiting(self, why: str) -> None:
        """The transfer waits for the network (``why``), or moves again (``""``): emits when
        that changes while it moves (only a moving transfer's events show it)."""
        with self._emit_lock:
            with self._lock:
                if why == self._waiting:
                    return
                self._waiting = why
                if not self._state.is_active:
                    return
                self._speed = 0.0  # what it did before the wait says nothing of after it
                self._sample_time, self._sample_bytes = self._clock(), self._done
                event = self._maybe_event(force=True)
            if event is not None:
                self._deliver(event)

    def snapshot(self) -> TransferEvent:
        with self._lock:
            return self._event(self._clock())

    def _maybe_event(self, *, force: bool) -> TransferEvent | None:
        now = self._clock()
        self._update_speed(now)
        if not force and now - self._last_emit < self._min_interval:
            return None
        self._last_emit = now
        return self._event(now)

    def _update_speed(self, now: float) -> None:
        elapsed = now - self._sample_time
        if elapsed < 0.05:
            return
        instant = max(0.0, (self._done - self._sample_bytes) / elapsed)
        weight = 1.0 - math.exp(-elapsed / SPEED_WINDOW)
        self._speed = (
            instant if self._speed == 0.0 else self._speed + weight * (instant - self._speed)
        )
        self._sample_time, self._sample_bytes = now, self._done

    def _event(self, now: float) -> TransferEvent:
        del now
        remaining = max(0, self._total - self._done)
        eta = remaining / self._speed if self._speed > 0 else None
        waiting = self._waiting if self._state.is_active else ""
        if self._state.is_final or self._state is TransferState.PAUSED or waiting:
            eta = None
        return TransferEvent(
            transfer_id=self._id,
            kind=self._kind,
            state=self._state,
            bytes_done=self._done,
            total=self._total,
            speed=self._speed if self._state.is_active else 0.0,
            eta_seconds=eta,
            message=self._message,
            bucket=self._bucket,
            key=self._key,
            path=self._path,
            waiting=waiting,
        )

    def _deliver(self, event: TransferEvent) -> None:
        try:
            self._sink(event)
        except Exception:  # a subscriber's bug must never break a transfer
            log.exception("a progress subscriber failed")
