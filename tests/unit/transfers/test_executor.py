"""A transfer's parts through the bounded executor: its control pauses and cancels it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from coachadmin.bounded import Slots
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import TransferCancelled, TransferPaused
from coachadmin.transfers.executor import run_bounded
from coachadmin.transfers.runner import Restart

HANG = 10.0


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_at_most_in_flight_items_run_at_once() -> None:
    lock = threading.Lock()
    running = [0, 0]  # now, peak
    meet = threading.Barrier(3, timeout=HANG)

    def work(_item: int) -> None:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        meet.wait()
        with lock:
            running[0] -= 1

    run_bounded(list(range(39)), work, in_flight=3, control=TransferControl(), name="t")
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


def test_a_restart_is_raised_before_other_errors() -> None:
    meet = threading.Barrier(2, timeout=HANG)

    def work(item: int) -> None:
        meet.wait()
        raise (OSError("disk") if item == 0 else Restart("the file changed"))

    with pytest.raises(Restart):
        run_bounded(
            [0, 1], work, in_flight=2, control=TransferControl(), name="t", first=(Restart,)
        )


def test_a_pause_lets_items_in_flight_finish_then_raises() -> None:
    control = TransferControl("abc")
    finished: list[int] = []

    def work(item: int) -> None:
        if item == 3:
            control.pause()
        elif item > 3:
            assert control.halted.wait(HANG)
        finished.append(item)

    with pytest.raises(TransferPaused):
        run_bounded(list(range(50)), work, in_flight=2, control=control, name="t")
    assert sorted(finished) in ([0, 1, 2, 3], [0, 1, 2, 3, 4])


def test_a_cancel_wins_over_an_error() -> None:
    control = TransferControl("abc")
    meet = threading.Barrier(2, timeout=HANG)

    def work(item: int) -> None:
        meet.wait()
        if item == 0:
            raise OSError("reset")
        control.cancel()

    with pytest.raises(TransferCancelled):
        run_bounded([0, 1, 2], work, in_flight=2, control=control, name="t")


def test_a_transfer_paused_while_it_waits_for_a_shared_slot_stops_waiting() -> None:
    """Another transfer holds every slot of the queue's pool: pausing this one returns
    at once, while the other still holds them."""
    shared = Slots(1)
    hold = threading.Event()
    holding = threading.Event()

    def other(_item: int) -> None:
        holding.set()
        assert hold.wait(HANG)

    first = threading.Thread(
        target=run_bounded,
        args=([0], other),
        kwargs={
            "in_flight": 1,
            "control": TransferControl("a"),
            "name": "a",
            "shared_slots": shared,
        },
        daemon=True,
    )
    first.start()
    assert holding.wait(HANG)
    control = TransferControl("b")
    raised: list[BaseException] = []

    def paused_one() -> None:
        try:
            run_bounded(
                [0, 1], lambda _i: None, in_flight=2, control=control, name="b", shared_slots=shared
            )
        except BaseException as error:  # noqa: BLE001 - handed to the test
            raised.append(error)

    second = threading.Thread(target=paused_one, daemon=True)
    second.start()
    until(lambda: shared.waiting == 1)
    control.pause()
    second.join(HANG)
    assert not second.is_alive() and [type(e) for e in raised] == [TransferPaused]
    assert first.is_alive() and shared.free == 0
    hold.set()
    first.join(HANG)
    assert shared.free == 1
