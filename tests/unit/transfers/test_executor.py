"""Bounded parallel work: never more than N in flight, stops on the first failure."""

from __future__ import annotations

import threading
import time

import pytest

from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import TransferPaused
from coachadmin.transfers.executor import run_bounded


def test_at_most_in_flight_items_run_at_once() -> None:
    lock = threading.Lock()
    running = [0, 0]  # now, peak

    def work(_item: int) -> None:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1

    run_bounded(list(range(40)), work, in_flight=3, control=TransferControl(), name="t")
    assert running[1] == 3


def test_a_failure_stops_new_work_and_is_raised() -> None:
    started: list[int] = []

    def work(item: int) -> None:
        started.append(item)
        if item == 2:
            raise ValueError("part 2 failed")
        time.sleep(0.01)

    with pytest.raises(ValueError, match="part 2"):
        run_bounded(list(range(100)), work, in_flight=2, control=TransferControl(), name="t")
    assert len(started) < 10


def test_a_pause_lets_items_in_flight_finish_then_raises() -> None:
    control = TransferControl("abc")
    finished: list[int] = []

    def work(item: int) -> None:
        if item == 3:
            control.pause()
        time.sleep(0.01)
        finished.append(item)

    with pytest.raises(TransferPaused):
        run_bounded(list(range(50)), work, in_flight=2, control=control, name="t")
    assert 3 in finished and len(finished) < 10
