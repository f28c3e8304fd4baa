"""When an upload adds parts in flight (coachadmin.transfers.part_growth), on a made-up clock."""

from __future__ import annotations

from collections.abc import Callable

from coachadmin.transfers.config import MiB
from coachadmin.transfers.part_growth import MIN_WINDOW, PartGrowth

PART = 8 * MiB


def simulate(growth: PartGrowth, rate: Callable[[int], float], parts: int) -> float:
    """Send ``parts`` parts as the upload does, as many in flight as ``growth`` says, each
    moving at ``rate(parts on the wire)`` bytes/s, in steps of 5 ms. Returns the time taken."""
    step = 0.005
    clock = 0.0
    left = parts
    wire: list[list[float]] = []  # [bytes left, began]
    while left or wire:
        while left and len(wire) < growth.parts:
            growth.started(clock)
            wire.append([PART, clock])
            left -= 1
        clock += step
        each = rate(len(wire)) * step
        for part in list(wire):
            part[0] -= each
            if part[0] <= 0:
                wire.remove(part)
                growth.finished(part[1], clock, PART)
    return clock


def test_a_link_that_caps_each_connection_doubles_the_parts_up_to_the_limit() -> None:
    growth = PartGrowth(10, 32)
    took = simulate(growth, lambda _on_wire: 8 * MiB, parts=200)  # 8 MiB/s per connection
    assert growth.tried == [10, 20, 32]
    assert growth.frozen and growth.parts == 32
    assert took < 200 / 10 * 0.5  # under half the time of 10 in flight


def test_a_step_takes_the_last_few_parts_rather_than_leave_them_a_round_of_their_own() -> None:
    """32 parts at 8 MiB/s per connection: 10, then the 22 left (and 5 of the first round
    still finishing), not 20 and then 2."""
    rounds = PartGrowth(10, 32, total=32)
    took = simulate(rounds, lambda _on_wire: 8 * MiB, parts=32)
    assert rounds.tried == [10, 27]
    assert took < 2.1  # two rounds of a second
    doubled = PartGrowth(10, 32)  # the total unknown
    assert simulate(doubled, lambda _on_wire: 8 * MiB, parts=32) > 2.9
    assert doubled.tried == [10, 20, 32]
    many = PartGrowth(10, 32, total=200)
    simulate(many, lambda _on_wire: 8 * MiB, parts=200)
    assert many.tried == [10, 20, 32]  # never past the limit


def test_a_link_that_all_connections_share_goes_back_to_the_parts_it_began_with() -> None:
    growth = PartGrowth(10, 32)
    simulate(growth, lambda on_wire: 80 * MiB / on_wire, parts=200)  # 80 MiB/s shared
    assert growth.tried == [10, 20, 10]
    assert growth.frozen and growth.parts == 10


def test_a_step_that_brings_less_than_a_quarter_more_is_taken_back() -> None:
    """Doubling must bring a quarter more; 20 parts going at 10 % more do not pay."""
    growth = PartGrowth(10, 32)
    simulate(growth, lambda on_wire: 8 * MiB * min(1, 11 / on_wire), parts=200)
    assert growth.tried == [10, 20, 10]
    growth = PartGrowth(10, 32)
    simulate(growth, lambda on_wire: 8 * MiB * min(1, 13 / on_wire), parts=200)
    assert growth.tried == [10, 20, 32, 20]  # 30 % more at 20, nothing more at 32


def test_no_decision_before_half_the_parts_have_finished_and_a_window_has_passed() -> None:
    growth = PartGrowth(4, 16)
    for _ in range(4):
        growth.started(0.0)
    assert growth.finished(0.0, 1.0, PART) is None  # one of four
    assert growth.finished(0.0, 1.0, PART) == 8  # two of four: judged, and doubled
    growth.started(1.0)
    # Parts begun before the change do not count for the new number, nor a window too short.
    assert growth.finished(0.0, 1.1, PART) is None and growth.finished(0.0, 1.2, PART) is None
    for _ in range(3):
        growth.started(1.0)
    for _ in range(3):
        assert growth.finished(1.0, 1.0 + MIN_WINDOW / 2, PART) is None
    assert growth.finished(1.0, 1.0 + MIN_WINDOW, PART) is not None  # 4 of 8, after a window


def test_failed_parts_decide_nothing_and_a_fixed_number_never_changes() -> None:
    growth = PartGrowth(2, 8)
    for _ in range(2):
        growth.started(0.0)
    assert growth.finished(0.0, 5.0, None) is None
    assert growth.finished(0.0, 5.0, None) is None
    assert growth.parts == 2 and not growth.frozen
    fixed = PartGrowth(10, 10)
    assert fixed.frozen
    simulate(fixed, lambda _on_wire: 8 * MiB, parts=100)
    assert fixed.tried == [10]


def test_a_part_slowed_by_retries_counts_against_a_step() -> None:
    """A reset costs its part the time of its retries: the throughput it shows falls."""
    growth = PartGrowth(2, 8)
    growth.started(0.0)
    growth.started(0.0)
    assert growth.finished(0.0, 1.0, PART) == 4  # 16 MiB/s at 2 parts: try 4
    assert growth.finished(0.0, 1.0, PART) is None  # begun before the change: not counted
    for _ in range(4):
        growth.started(1.0)
    assert growth.finished(1.0, 2.0, PART) is None  # one of four
    assert growth.finished(1.0, 11.0, PART) == 2  # retried for ten seconds: back to 2
    assert growth.frozen and growth.tried == [2, 4, 2]
