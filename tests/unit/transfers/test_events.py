"""Progress events: rate-limited, ordered, with a smoothed speed and an ETA."""

from __future__ import annotations

import threading

from coachadmin.transfers.events import ProgressTracker, TransferEvent, TransferKind, TransferState


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(events: list[TransferEvent], clock: FakeClock, total: int = 1000) -> ProgressTracker:
    return ProgressTracker(
        events.append, transfer_id="abc", kind=TransferKind.UPLOAD, total=total, clock=clock
    )


def test_progress_is_limited_to_ten_events_a_second() -> None:
    events: list[TransferEvent] = []
    clock = FakeClock()
    tracker = make(events, clock, total=10_000)
    tracker.set_state(TransferState.UPLOADING)
    for _ in range(1000):  # 1000 updates over one second
        clock.now += 0.001
        tracker.add(10)
    progress = [e for e in events if e.state is TransferState.UPLOADING][1:]
    assert 9 <= len(progress) <= 11
    assert progress[-1].bytes_done <= 10_000


def test_state_changes_are_always_delivered() -> None:
    events: list[TransferEvent] = []
    clock = FakeClock()
    tracker = make(events, clock)
    for state in (
        TransferState.UPLOADING,
        TransferState.PAUSED,
        TransferState.UPLOADING,
        TransferState.DONE,
    ):
        tracker.set_state(state)
    assert [e.state for e in events] == [
        TransferState.UPLOADING,
        TransferState.PAUSED,
        TransferState.UPLOADING,
        TransferState.DONE,
    ]
    assert events[-1].bytes_done == 1000  # done means all of it


def test_speed_is_smoothed_and_eta_follows() -> None:
    events: list[TransferEvent] = []
    clock = FakeClock()
    tracker = make(events, clock, total=100_000)
    tracker.set_state(TransferState.UPLOADING)
    for _ in range(20):  # a steady 1000 bytes/s
        clock.now += 1.0
        tracker.add(1000)
    assert abs(events[-1].speed - 1000) < 1
    assert events[-1].eta_seconds is not None
    assert abs(events[-1].eta_seconds - 80) < 1
    clock.now += 1.0
    tracker.add(10_000)  # one burst moves the average, not all the way
    assert 1000 < events[-1].speed < 10_000


def test_a_failing_subscriber_never_breaks_the_transfer() -> None:
    def broken(_event: TransferEvent) -> None:
        raise RuntimeError("subscriber bug")

    tracker = ProgressTracker(broken, transfer_id="x", kind=TransferKind.UPLOAD, total=10)
    tracker.set_state(TransferState.UPLOADING)
    tracker.add(5)
    assert tracker.bytes_done == 5


def test_events_from_many_threads_arrive_whole_and_in_order() -> None:
    events: list[TransferEvent] = []
    tracker = ProgressTracker(
        events.append, transfer_id="x", kind=TransferKind.UPLOAD, total=80_000, max_per_second=0
    )

    def work() -> None:
        for _ in range(1000):
            tracker.add(10)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = [e.bytes_done for e in events]
    assert done == sorted(done)
    assert done[-1] == 80_000
