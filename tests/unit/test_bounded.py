"""The bounded executor (coachadmin.bounded): threads only, no servers.

Orderings are asserted with events, not with timings: a test waits for what it
expects to happen (with a generous timeout that only guards against a hang).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from coachadmin.bounded import Flag, Slots, Stopped, run_each

HANG = 10.0  # seconds: only ever reached when the code under test is broken


class Peak:
    """Counts the items running at once, and the most seen."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.now -= 1


def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (a test's own observation loop, not the code's)."""
    deadline = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def in_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    raised: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, raised


def test_never_more_than_in_flight_and_exactly_that_many() -> None:
    peak = Peak()
    meet = threading.Barrier(3, timeout=HANG)  # passes only when 3 items run together

    def work(_item: int) -> None:
        with peak:
            meet.wait()

    run_each(range(30), work, in_flight=3, name="t")
    assert peak.most == 3


def test_the_submitter_blocks_while_every_slot_is_taken() -> None:
    log: list[str] = []
    lock = threading.Lock()
    release = {n: threading.Event() for n in range(6)}

    def note(entry: str) -> None:
        with lock:
            log.append(entry)

    def items() -> Iterator[int]:
        for n in range(6):
            note(f"take {n}")
            yield n

    def work(n: int) -> None:
        note(f"start {n}")
        assert release[n].wait(HANG)
        note(f"end {n}")

    thread, raised = in_thread(lambda: run_each(items(), work, in_flight=2, name="t"))
    until(lambda: "start 1" in log)
    # Two items hold the two slots: the third is not even taken from the iterable
    # (the submitter waits for a slot first, so no item waits in memory for one).
    thread.join(0.05)
    assert thread.is_alive() and "take 2" not in log
    release[0].set()
    until(lambda: "start 2" in log)
    assert log.index("end 0") < log.index("take 2")
    for event in release.values():
        event.set()
    thread.join(HANG)
    assert not raised and log.count("end 5") == 1


def test_the_first_failure_stops_submission_and_is_raised_after_those_in_flight() -> None:
    taken: list[int] = []
    finished: list[int] = []
    slow = threading.Event()

    def items() -> Iterator[int]:
        for n in range(100):
            taken.append(n)
            yield n

    def work(n: int) -> None:
        if n == 1:
            raise ValueError("item 1 failed")
        assert slow.wait(HANG)  # item 0 is still running when item 1 fails
        finished.append(n)

    thread, raised = in_thread(lambda: run_each(items(), work, in_flight=2, name="t"))
    until(lambda: len(taken) == 2)
    thread.join(0.05)
    assert thread.is_alive()  # item 0 runs on: the failure is raised after it
    slow.set()
    thread.join(HANG)
    assert [type(e) for e in raised] == [ValueError]
    assert taken == [0, 1] and finished == [0]  # item 1's free slot took nothing more


def test_which_error_is_raised() -> None:
    class Preferred(Exception):
        pass

    class Quiet(Exception):
        pass

    def failing(errors: dict[int, BaseException]) -> Callable[[int], None]:
        meet = threading.Barrier(3, timeout=HANG)  # all three in flight before any fails

        def work(n: int) -> None:
            meet.wait()
            if n in errors:
                raise errors[n]

        return work

    # the first (in the order taken) of a preferred type, before any other
    with pytest.raises(Preferred, match="second"):
        run_each(
            range(3),
            failing({0: ValueError("first"), 1: Preferred("second")}),
            in_flight=3,
            name="t",
            first=(Preferred,),
        )
    # else the first error that is not quiet
    with pytest.raises(KeyError):
        run_each(
            range(3),
            failing({0: Quiet(), 2: KeyError("third")}),
            in_flight=3,
            name="t",
            quiet=(Quiet,),
        )
    # quiet errors alone: the run was told to stop
    with pytest.raises(Stopped):
        run_each(range(3), failing({1: Quiet()}), in_flight=3, name="t", quiet=(Quiet,))


def test_stop_lets_items_in_flight_finish_then_raises_stopped() -> None:
    stop = Flag()
    finished: list[int] = []

    def work(n: int) -> None:
        if n == 3:
            stop.set()
        elif n > 3:  # beside item 3: holds its slot until the stop
            assert stop.wait(HANG)
        finished.append(n)

    with pytest.raises(Stopped):
        run_each(range(50), work, in_flight=2, name="t", stop=stop)
    # 3 and at most the one beside it; no slot was free when the stop came
    assert sorted(finished) in ([0, 1, 2, 3], [0, 1, 2, 3, 4])


def test_a_stop_set_before_the_run_runs_nothing() -> None:
    stop = Flag()
    stop.set()
    ran: list[int] = []
    with pytest.raises(Stopped):
        run_each(range(5), ran.append, in_flight=2, name="t", stop=stop)
    assert ran == []


def test_a_stop_after_the_last_item_of_a_list_was_submitted_is_no_failure() -> None:
    """One slot: the submitter would wait for item 2 before it could see the end of
    an iterator, and item 2 sets the stop; a list's end is known without a slot."""

    def stopping_at_the_last(stop: Flag) -> Callable[[int], None]:
        def work(n: int) -> None:
            if n == 2:
                stop.set()

        return work

    stop = Flag()
    run_each([0, 1, 2], stopping_at_the_last(stop), in_flight=1, name="t", stop=stop)
    stop = Flag()
    with pytest.raises(Stopped):
        run_each(iter([0, 1, 2]), stopping_at_the_last(stop), in_flight=1, name="t", stop=stop)


def test_a_waiting_submitter_wakes_at_a_stop_without_a_slot_freeing() -> None:
    """Run A holds every slot of a shared pool; run B waits for one and is stopped:
    B returns while A's items still hold the slots (no slot freed, nothing polled)."""
    shared = Slots(2)
    hold = threading.Event()
    started_a = threading.Semaphore(0)
    peak = Peak()

    def work_a(_n: int) -> None:
        with peak:
            started_a.release()
            assert hold.wait(HANG)

    stop_b = Flag()
    ran_b: list[int] = []
    thread_a, raised_a = in_thread(
        lambda: run_each(range(2), work_a, in_flight=2, name="a", shared=shared)
    )
    for _ in range(2):
        assert started_a.acquire(timeout=HANG)
    thread_b, raised_b = in_thread(
        lambda: run_each(range(5), ran_b.append, in_flight=2, name="b", stop=stop_b, shared=shared)
    )
    until(lambda: shared.waiting == 1)
    stop_b.set()
    thread_b.join(HANG)
    assert not thread_b.is_alive()
    assert [type(e) for e in raised_b] == [Stopped] and ran_b == []
    assert thread_a.is_alive() and shared.free == 0  # A still holds both slots
    hold.set()
    thread_a.join(HANG)
    assert not raised_a and shared.free == 2 and peak.most == 2


def test_a_waiter_is_not_woken_until_a_slot_frees_or_its_flag_is_set() -> None:
    """Blocking, not polling: while nothing changes, the waiter's condition is never
    looked at again; a flag set wakes it at once."""
    slots = Slots(1)
    assert slots.take(Flag())
    looks = [0]

    class Counting(Flag):
        def is_set(self) -> bool:
            looks[0] += 1
            return super().is_set()

    flag = Counting()
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(slots.take(flag)), daemon=True)
    thread.start()
    until(lambda: slots.waiting == 1)
    before = looks[0]
    time.sleep(0.3)  # a poll every 100 ms would look at the flag about three times here
    assert looks[0] == before
    flag.set()
    thread.join(HANG)
    assert result == [False] and slots.free == 0  # it took no slot
    slots.give()
    assert slots.take(Flag()) and slots.free == 0


def test_two_runs_share_one_pool() -> None:
    shared = Slots(3)
    peak = Peak()
    meet = threading.Barrier(3, timeout=HANG)  # needs 3 items at once, from either run
    done: list[str] = []

    def work(name: str) -> Callable[[int], None]:
        def item(_n: int) -> None:
            with peak:
                meet.wait()
            done.append(name)

        return item

    runs = [
        in_thread(
            lambda name=name: run_each(range(6), work(name), in_flight=3, name=name, shared=shared)
        )  # type: ignore[misc]
        for name in ("a", "b")
    ]
    for thread, raised in runs:
        thread.join(HANG)
        assert not raised
    assert peak.most == 3 and shared.free == 3
    assert sorted(done) == ["a"] * 6 + ["b"] * 6


def test_a_failing_iterable_gives_its_slots_back() -> None:
    shared = Slots(2)

    def items() -> Iterator[int]:
        yield 1
        raise OSError("listing failed")

    with pytest.raises(OSError, match="listing failed"):
        run_each(items(), lambda _n: None, in_flight=2, name="t", shared=shared)
    assert shared.free == 2


def test_a_flag_wakes_its_watchers_until_they_stop_watching() -> None:
    flag = Flag()
    calls: list[str] = []
    unwatch = flag.watch(lambda: calls.append("a"))
    flag.set()
    assert calls == ["a"]
    flag.clear()
    unwatch()
    flag.set()
    assert calls == ["a"]
    flag.watch(lambda: calls.append("b"))  # already set: called at once
    assert calls == ["a", "b"] and flag.wait(0)


def test_slots_resized_while_a_run_runs_let_more_items_run_at_once() -> None:
    slots = Slots(2, limit=5)
    peak = Peak()
    release = threading.Event()

    def work(_item: int) -> None:
        with peak:
            release.wait(HANG)

    thread, raised = in_thread(lambda: run_each(range(20), work, in_flight=slots, name="t"))
    until(lambda: peak.now == 2 and slots.waiting == 1)  # full: the submitter waits
    assert slots.resize(4) == 4
    until(lambda: peak.now == 4 and slots.waiting == 1)  # woken at once, full again
    assert slots.resize(9) == 5  # never past the limit (the run's threads)
    until(lambda: peak.now == 5)
    release.set()
    thread.join(HANG)
    assert not raised and peak.most == 5 and slots.free == 5


def test_slots_shrunk_below_those_taken_hand_none_out_until_enough_come_back() -> None:
    slots = Slots(3, limit=3)
    for _ in range(3):
        assert slots.take(Flag())
    assert slots.resize(1) == 1 and slots.resize(0) == 1  # at least one slot
    assert slots.free == -2
    got = threading.Event()
    thread, raised = in_thread(lambda: slots.take(Flag()) and got.set())
    until(lambda: slots.waiting == 1)
    slots.give()
    slots.give()
    assert not got.wait(0.05)  # two of the three came back: still none free
    slots.give()
    thread.join(HANG)
    assert got.is_set() and not raised and slots.free == 0
    slots.give()
    with pytest.raises(RuntimeError, match="not taken"):
        slots.give()
