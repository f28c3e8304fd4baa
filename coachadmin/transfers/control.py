"""Pause and cancel, requested from any thread and checked inside the workers.

The reader of every part and every retry wait consult the control, so a
cancel stops even a request whose body is half sent, and a pause stops new
parts from starting while the ones in flight finish.
"""

from __future__ import annotations

import threading

from coachadmin.transfers.errors import TransferCancelled, TransferPaused


class TransferControl:
    def __init__(self, transfer_id: str = "") -> None:
        self.transfer_id = transfer_id
        self._cancel = threading.Event()
        self._pause = threading.Event()
        #: Set on pause or cancel: wakes every backoff wait at once.
        self._wake = threading.Event()

    def pause(self) -> None:
        self._pause.set()
        self._wake.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._wake.set()

    def reset(self) -> None:
        """Clear a pause (before running the transfer again)."""
        self._pause.clear()
        if not self._cancel.is_set():
            self._wake.clear()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return self._pause.is_set()

    @property
    def stopping(self) -> bool:
        return self._cancel.is_set() or self._pause.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise TransferCancelled()

    def check(self) -> None:
        """Raise if the transfer should stop starting new work."""
        self.check_cancelled()
        if self._pause.is_set():
            raise TransferPaused(self.transfer_id)

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` unless a pause or cancel arrives first."""
        self._wake.wait(seconds)
