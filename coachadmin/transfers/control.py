"""Pause and cancel, requested from any thread and checked inside the workers.

The reader of every part and every retry wait consult the control, so a
cancel stops even a request whose body is half sent, and a pause stops new
parts from starting while the ones in flight finish. :attr:`TransferControl.halted`
wakes whatever waits on the transfer's behalf: a backoff, or the part submitter
waiting for a slot (its own, or one of a pool shared with other transfers).
"""

from __future__ import annotations

import threading

from coachadmin.bounded import Flag
from coachadmin.transfers.errors import TOLD_TO_STOP, TransferCancelled, TransferPaused
from coachadmin.transfers.outage import Link


class TransferControl:
    def __init__(self, transfer_id: str = "") -> None:
        self.transfer_id = transfer_id
        self._cancel = threading.Event()
        self._pause = threading.Event()
        #: Set on pause or cancel (after the flag it reflects): wakes every backoff wait
        #: and every wait for a slot at once (the ``stop`` of :func:`~coachadmin.bounded.run_each`).
        self.halted = Flag()
        #: The server has answered a request of this run (or made a connection for it):
        #: a lost network is then waited for (:mod:`coachadmin.transfers.outage`).
        self.answered = False
        #: The link to the server: the outage the transfer may be riding out, with others.
        self.link = Link()
        #: A part (or range) failed for good: the others stop waiting for the network.
        self.failing = Flag()

    def pause(self) -> None:
        self._pause.set()
        self.halted.set()

    def cancel(self) -> None:
        self._cancel.set()
        self.halted.set()

    def reset(self) -> None:
        """Clear a pause (before running the transfer again)."""
        self._pause.clear()
        self.answered = False
        self.failing.clear()
        if not self._cancel.is_set():
            self.halted.clear()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return self._pause.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise TransferCancelled()

    def check(self) -> None:
        """Raise if the transfer should stop starting new work."""
        self.check_cancelled()
        if self._pause.is_set():
            raise TransferPaused(self.transfer_id)

    def part_failed(self, error: BaseException) -> None:
        """A part's error: one of its own (not a pause, a cancel or a sibling's) tells the
        parts waiting for the network to stop (:attr:`failing`)."""
        if not isinstance(error, TOLD_TO_STOP):
            self.failing.set()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` unless a pause or cancel arrives first."""
        self.halted.wait(seconds)
