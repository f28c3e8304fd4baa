"""Where a probe reads its bytes: a local file, or an object read by ranges within a budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, Protocol


class ReadBudgetExceeded(Exception):
    """Reading on would pass the source's byte budget (a remote object's health check)."""


class ByteSource(Protocol):
    @property
    def size(self) -> int: ...

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset`` (fewer at the end of the data)."""
        ...


class FileSource:
    """A local file, read where asked and nowhere else."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._handle = handle
        self._size = size
        self.bytes_read = 0

    @property
    def size(self) -> int:
        return self._size

    def read(self, offset: int, length: int) -> bytes:
        if offset >= self._size or length <= 0:
            return b""
        self._handle.seek(offset)
        data = self._handle.read(min(length, self._size - offset))
        self.bytes_read += len(data)
        return data


#: ``fetch(offset, length) -> bytes``: one ranged read of a remote object.
Fetch = Callable[[int, int], bytes]


class RangedSource:
    """A remote object read in ranges of ``chunk`` bytes or more, ``budget`` bytes in all at most.

    Each read is served from what was fetched before when it can be; otherwise one ranged
    read fetches it and what follows (up to ``chunk``), clipped to the object's end and to the
    budget. Asking for more than the budget allows raises :class:`ReadBudgetExceeded`.
    """

    def __init__(self, fetch: Fetch, size: int, *, budget: int, chunk: int = 64 * 1024) -> None:
        self._fetch = fetch
        self._size = size
        self._budget = budget
        self._chunk = chunk
        self._pieces: list[tuple[int, bytes]] = []
        self.bytes_read = 0
        self.requests = 0

    @property
    def size(self) -> int:
        return self._size

    def read(self, offset: int, length: int) -> bytes:
        end = min(offset + length, self._size)
        if offset >= end:
            return b""
        for start, data in self._pieces:
            if start <= offset and end <= start + len(data):
                return data[offset - start : end - start]
        left = self._budget - self.bytes_read
        want = end - offset
        if want > left:
            raise ReadBudgetExceeded(f"{want} bytes at {offset}, {left} left of {self._budget}")
        span = min(max(want, self._chunk), left, self._size - offset)
        data = self._fetch(offset, span)
        self.requests += 1
        self.bytes_read += len(data)
        self._pieces.append((offset, data))
        return data[: end - offset]
