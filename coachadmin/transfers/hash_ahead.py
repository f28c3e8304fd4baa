"""Hashing the parts that come next while the ones before them are on the network.

A part's checksum (and, over plain HTTP, its SHA-256 for the signature) must be
known before its first byte is sent, and computing it takes a pass over the part.
Done by each worker when its part's turn came, that pass stood between one part
and the next; and since parts sharing a link fairly finish together, every
connection paused for it at once, leaving the link idle (tens of milliseconds per
round of parts, measured). Here the parts after the one being started are hashed
in file order by one thread per core, so a part's hashes are usually ready when
its turn comes. Only the hashes are kept; the bytes are read again as they are sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from coachadmin.transfers.config import MiB
from coachadmin.transfers.source import HASHERS

#: How far ahead to read, in bytes: far enough for a round of parts, not so far
#: that the bytes leave the page cache before they are sent.
AHEAD_BYTES = 256 * MiB

Hashes = dict[str, str]


def parts_ahead(in_flight: int, part_size: int) -> int:
    """Parts to hash ahead: a round of parts in flight, within :data:`AHEAD_BYTES`."""
    return max(1, min(in_flight, AHEAD_BYTES // max(1, part_size)))


class HashAhead:
    """The hashes of parts taken in ``order``. :meth:`close` it when the parts are done."""

    def __init__(
        self, order: Sequence[int], compute: Callable[[int], Hashes], *, ahead: int, name: str
    ) -> None:
        self._order = list(order)
        self._position = {number: i for i, number in enumerate(self._order)}
        self._compute = compute
        self._ahead = ahead
        self._pool = ThreadPoolExecutor(max_workers=HASHERS, thread_name_prefix=name)
        self._futures: dict[int, Future[Hashes]] = {}
        self._scheduled = 0  # parts order[:_scheduled] have been handed to the pool
        self._closed = False
        self._lock = threading.Lock()

    def hashes(self, number: int) -> Hashes:
        """Part ``number``'s hashes (waiting for them if need be); starts the parts after it."""
        with self._lock:
            end = min(len(self._order), self._position[number] + 1 + self._ahead)
            while self._scheduled < end and not self._closed:
                upcoming = self._order[self._scheduled]
                self._futures[upcoming] = self._pool.submit(self._compute, upcoming)
                self._scheduled += 1
            future = self._futures.pop(number, None)
        return future.result() if future is not None else self._compute(number)

    def reach(self, ahead: int) -> None:
        """Hash ``ahead`` parts ahead from now on (the upload has more parts in flight)."""
        with self._lock:
            self._ahead = max(1, ahead)

    def close(self) -> None:
        """Drop the parts not begun (a pause, a cancel, a failure); wait for the others."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
