"""The download's split between one stream and ranged GETs, and when ranges are added."""

from __future__ import annotations

import pytest

from coachadmin.transfers.config import MiB
from coachadmin.transfers.streams import GROWING_CHUNK, WINDOW, Growth, RangePlan


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


def _four_streams(growth: Growth, alone: float, four: float) -> float:
    """The stream's window at ``alone`` bytes a second, the step to four streams, and
    their window at ``four``: when it ends."""
    growth.stream_first_byte(0.01, now=0.0)
    now = _stream(growth, alone, 0.0, WINDOW)
    assert growth.more(now, 100) == 3
    for _ in range(3):
        growth.first_byte(0.01, now=now, newest=True)
    return _stream(growth, four, now, WINDOW)


def test_ranges_are_never_added_where_a_get_costs_more_than_a_range_takes() -> None:
    growth = Growth(8 * MiB, limit=10)
    growth.stream_first_byte(0.6, now=0.0)  # moto: the whole object read first
    now = _stream(growth, 300 * MiB, 0.0, 1.0)
    assert not growth.more(now, 100) and growth.frozen


def test_the_streams_grow_fourfold_each_window_while_the_rate_does() -> None:
    """A link that caps each connection at 8 MiB/s: 1, 4, 16 streams, a window each."""
    growth = Growth(4 * MiB, limit=16)
    growth.stream_first_byte(0.02, now=0.0)
    assert growth.chunk(MiB) == GROWING_CHUNK  # windows see bytes as they come
    assert growth.more(WINDOW / 2, 100) == 0  # the first window is not over
    now = _stream(growth, 8 * MiB, 0.0, WINDOW)
    assert growth.more(now, 100) == 3 and growth.streams == 4
    assert growth.more(now + 5, 100) == 0  # not before the new ranged GETs' first bytes
    for _ in range(2):
        growth.first_byte(0.02, now=now, newest=True)
    assert growth.more(now + 5, 100) == 0  # one still to come
    now += 0.02
    growth.first_byte(0.02, now=now, newest=True)  # the window begins with the last
    assert growth.more(now + WINDOW / 2, 100) == 0
    now = _stream(growth, 32 * MiB, now, WINDOW)
    assert growth.more(now, 100) == 12 and growth.streams == 16
    assert growth.settled and growth.chunk(MiB) == MiB  # at the limit: whole chunks again
    for _ in range(12):
        growth.first_byte(0.02, now=now, newest=True)
    assert growth.more(now + 1, 100) == 0


def test_growth_stops_at_the_first_window_that_did_not_pay() -> None:
    """One connection fills the link (100 MiB/s): four streams bring 5 % more, no more added."""
    growth = Growth(8 * MiB, limit=16)
    growth.stream_first_byte(0.01, now=0.0)
    assert growth.chunk(MiB) == GROWING_CHUNK
    now = _stream(growth, 100 * MiB, 0.0, WINDOW)
    assert growth.more(now, 100) == 3
    for _ in range(3):
        growth.first_byte(0.01, now=now, newest=True)
    now = _stream(growth, 105 * MiB, now, WINDOW)
    assert growth.more(now, 100) == 0 and growth.frozen and growth.streams == 4
    assert not growth.retire()  # 5 % more is more: the ranged GETs stay
    assert growth.settled and growth.chunk(MiB) == MiB


def test_the_step_to_the_limit_is_judged_too() -> None:
    """1, 4, then 16 streams (the limit): the window at 16 brings less than the one at 4,
    the twelve ranged GETs of that step stop after their range, four streams go on."""
    growth = Growth(8 * MiB, limit=16)
    now = _four_streams(growth, 8 * MiB, 32 * MiB)
    assert growth.more(now, 100) == 12 and growth.streams == 16
    for _ in range(12):
        growth.first_byte(0.01, now=now, newest=True)
    now = _stream(growth, 30 * MiB, now, WINDOW + 0.01)
    assert growth.more(now, 100) == 0 and growth.frozen and growth.streams == 4
    assert sum(growth.retire() for _ in range(20)) == 12


def test_the_last_step_is_cut_to_the_limit() -> None:
    growth = Growth(4 * MiB, limit=10)
    now = _four_streams(growth, 8 * MiB, 32 * MiB)
    assert growth.more(now, 100) == 6 and growth.streams == 10 and growth.settled


def test_a_ranged_get_slower_to_answer_than_a_range_takes_stops_growth() -> None:
    """The stream was quick to answer, a ranged GET is not (the server reads the object for
    every range): no more are added, even though the rate grew."""
    growth = Growth(4 * MiB, limit=16)
    growth.stream_first_byte(0.01, now=0.0)
    now = _stream(growth, 8 * MiB, 0.0, WINDOW)
    assert growth.more(now, 100) == 3
    growth.first_byte(0.9, now=now, newest=True)  # 4 MiB take the stream 0.5 s
    for _ in range(2):
        growth.first_byte(0.01, now=now, newest=True)
    now = _stream(growth, 32 * MiB, now, WINDOW)
    assert growth.more(now, 100) == 0 and growth.frozen
    assert growth.streams == 4 and not growth.retire()  # the step paid: it stays


def test_a_step_that_made_the_download_slower_is_undone() -> None:
    """A server on the client's own cores (s3rver on loopback): the ranged GETs are slow
    to answer and four streams bring less than the one did. The three ranged GETs stop
    after their range; the stream takes what they leave."""
    growth = Growth(8 * MiB, limit=16)
    growth.stream_first_byte(0.01, now=0.0)
    now = _stream(growth, 250e6, 0.0, WINDOW)
    assert growth.more(now, 100) == 3
    growth.first_byte(0.05, now=now, newest=True)  # 8 MiB take the stream 34 ms
    for _ in range(2):
        growth.first_byte(0.01, now=now, newest=True)
    now = _stream(growth, 230e6, now, WINDOW)
    assert growth.more(now, 100) == 0 and growth.frozen and growth.streams == 1
    assert [growth.retire() for _ in range(4)] == [True, True, True, False]


def test_no_more_ranged_gets_than_ranges_the_streams_would_not_take_next() -> None:
    """11 ranges left and 4 streams running: 7 ranged GETs added, not 12."""
    growth = Growth(4 * MiB, limit=16)
    growth.stream_first_byte(0.01, now=0.0)
    now = _stream(growth, 8 * MiB, 0.0, WINDOW)
    assert growth.more(now, 1) == 0 and not growth.frozen  # the stream takes the last one
    assert growth.more(now, 15) == 3
    for _ in range(3):
        growth.first_byte(0.01, now=now, newest=True)
    now = _stream(growth, 32 * MiB, now, WINDOW)
    assert growth.more(now, 11) == 7 and growth.streams == 11


def _hashing(rate: float) -> Growth:
    """A download checked by a hash that takes the stream's bytes in order at ``rate``."""
    growth = Growth(8 * MiB, limit=16, hash_rate=lambda: rate)
    growth.stream_first_byte(0.01, now=0.0)
    return growth


def _hashed(growth: Growth, stream: float, others: float, start: float, seconds: float) -> float:
    """The stream (hashed as it comes) and the ranged GETs (not) bring their bytes for
    ``seconds``."""
    growth.received(int(stream * seconds), hashed=True)
    growth.received(int(others * seconds))
    return start + seconds


@pytest.mark.parametrize(
    ("connection", "md5"),
    [(100e6, 580e6), (8 * MiB, 450e6)],
    ids=["s3-at-100-MB-a-connection", "capped-at-8-MiB-a-connection"],
)
def test_an_md5_still_lets_sixteen_connections_pay(connection: float, md5: float) -> None:
    """The ranged GETs' bytes are hashed after the last range: at S3's 100 MB/s a
    connection and an MD5 of 580 MB/s, four streams bring 264 MB/s counted, sixteen 446;
    at 8 MiB/s a connection the hash costs next to nothing."""
    growth = _hashing(md5)
    now = _hashed(growth, connection, 0, 0.0, WINDOW)
    assert growth.more(now, 100) == 3
    for _ in range(3):
        growth.first_byte(0.01, now=now, newest=True)
    now = _hashed(growth, connection, 3 * connection, now, WINDOW)
    assert growth.more(now, 100) == 12 and growth.streams == 16


def test_no_ranged_get_where_one_stream_brings_most_of_what_the_md5_takes() -> None:
    """A loopback server (s3rver): the stream brings 320 MB/s, the MD5 takes 580. Four
    streams at their very best (1.28 GB/s) with three quarters of their bytes hashed after
    the last range would bring 482 MB/s counted: under 1.25 squared of 320, none is added."""
    growth = _hashing(580e6)
    now = _hashed(growth, 320e6, 0, 0.0, WINDOW)
    assert growth.more(now, 100) == 0 and growth.frozen and growth.streams == 1


def test_a_step_that_pays_only_before_the_read_back_ends_the_growth() -> None:
    """A slow core's MD5 (150 MB/s), a link of 20 MB/s a connection that four share at
    28 MB/s: 1.4 times the stream's rate, but three quarters of the bytes are hashed after
    the last range; counted, the step brought 1.23 times, under GAIN."""
    growth = _hashing(150e6)
    now = _hashed(growth, 20e6, 0, 0.0, WINDOW)
    assert growth.more(now, 100) == 3
    for _ in range(3):
        growth.first_byte(0.01, now=now, newest=True)
    now = _hashed(growth, 7e6, 21e6, now, WINDOW)
    assert growth.more(now, 100) == 0 and growth.frozen and growth.streams == 4


def test_without_a_measured_hash_the_growth_is_the_rate_s_alone() -> None:
    """Resuming, the stream's bytes follow a gap: the hash takes none as it comes (its rate
    0), and the growth is as without a hash."""
    growth = _hashing(0.0)
    growth.received(int(300e6 * WINDOW))
    assert growth.more(WINDOW, 100) == 3
