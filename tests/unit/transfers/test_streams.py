"""The download's split between one stream and ranged GETs, and when ranges are added."""

from __future__ import annotations

from coachadmin.transfers.config import MiB
from coachadmin.transfers.streams import Growth, RangePlan


def test_the_stream_takes_from_the_front_and_ranged_gets_from_the_back() -> None:
    plan = RangePlan([1, 2, 3, 5, 6])
    assert plan.first_run() == [1, 2, 3]
    assert plan.claim_front(1) and not plan.claim_front(3)
    assert plan.claim_back() == 6
    assert plan.first_run() == [2, 3]
    plan.drain()
    assert plan.left == 0 and plan.claim_back() is None


def _stream(growth: Growth, rate: float, start: float, seconds: float) -> float:
    growth.received(int(rate * seconds))
    return start + seconds


def test_ranges_are_never_added_where_a_get_costs_more_than_a_range_takes() -> None:
    growth = Growth(8 * MiB, limit=10)
    growth.stream_first_byte(0.6, now=0.0)  # moto: the whole object read first
    now = _stream(growth, 300 * MiB, 0.0, 1.0)
    assert not growth.more(now) and growth.frozen


def test_ranges_are_added_while_they_pay_and_no_more_after() -> None:
    growth = Growth(8 * MiB, limit=10)
    growth.stream_first_byte(0.02, now=0.0)
    now = _stream(growth, 8 * MiB, 0.0, 2.0)
    assert growth.more(now)  # the stream's rate is known: try a ranged GET
    assert not growth.more(now + 5)  # not before its first byte
    growth.first_byte(0.02, now=now, newest=True)
    now = _stream(growth, 16 * MiB, now, 2.0)
    assert growth.more(now) and growth.streams == 3  # twice as fast: another
    growth.first_byte(0.02, now=now, newest=True)
    now = _stream(growth, 16.5 * MiB, now, 2.0)
    assert not growth.more(now) and growth.frozen  # 3 % more: that one did not pay
