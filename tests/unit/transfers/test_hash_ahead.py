"""Hashing ahead: each part hashed once, ahead of its turn; a failure reaches its own sender."""

from __future__ import annotations

import threading
import time
from contextlib import closing

import pytest

from coachadmin.transfers.config import MiB
from coachadmin.transfers.hash_ahead import HashAhead, parts_ahead


def test_parts_are_hashed_once_each_and_ahead_of_their_turn() -> None:
    hashed: list[int] = []
    lock = threading.Lock()

    def compute(number: int) -> dict[str, str]:
        with lock:
            hashed.append(number)
        return {"crc32": f"h{number}"}

    order = [2, 3, 5, 8, 9]  # the missing parts of a resumed upload
    with closing(HashAhead(order, compute, ahead=2, name="test")) as hashing:
        assert hashing.hashes(2) == {"crc32": "h2"}
        # Asking for part 2 started 3 and 5 as well; they are hashed without being asked.
        deadline = time.monotonic() + 5
        while sorted(hashed) != [2, 3, 5] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(hashed) == [2, 3, 5]
        assert [hashing.hashes(n) for n in (3, 5, 8, 9)] == [
            {"crc32": f"h{n}"} for n in (3, 5, 8, 9)
        ]
    assert sorted(hashed) == order  # none twice


def test_a_part_that_cannot_be_hashed_fails_its_own_turn_only() -> None:
    def compute(number: int) -> dict[str, str]:
        if number == 2:
            raise OSError("the file changed")
        return {"md5": str(number)}

    with closing(HashAhead([1, 2, 3], compute, ahead=3, name="test")) as hashing:
        assert hashing.hashes(1) == {"md5": "1"}
        with pytest.raises(OSError, match="changed"):
            hashing.hashes(2)
        assert hashing.hashes(3) == {"md5": "3"}


def test_closing_stops_the_hashing_of_parts_nobody_will_send() -> None:
    started: list[int] = []
    gate = threading.Event()

    def compute(number: int) -> dict[str, str]:
        started.append(number)
        gate.wait(5)
        return {}

    hashing = HashAhead(list(range(1, 101)), compute, ahead=100, name="test")
    worker = threading.Thread(target=hashing.hashes, args=(1,))
    worker.start()
    while not started:
        gate.wait(0.01)
    threading.Timer(0.2, gate.set).start()
    hashing.close()  # as a pause or a cancel does, once the parts in flight are back
    worker.join()
    assert len(started) < 100  # the parts not yet begun were dropped


def test_the_look_ahead_is_a_round_of_parts_within_256_mib() -> None:
    assert parts_ahead(10, 8 * MiB) == 10
    assert parts_ahead(10, 64 * MiB) == 4
    assert parts_ahead(4, 1024 * MiB) == 1
