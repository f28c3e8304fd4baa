"""How many parts an upload keeps in flight: more while more make it faster, within a bound.

S3 serves each connection at a bounded rate, and a long round trip caps what one TCP
window carries: there, each part added in flight adds its own share of throughput. On a
loopback server, or a link that all connections share, more parts only split the same
throughput (and hold more memory). So an upload starts with
:attr:`~coachadmin.transfers.config.TransferConfig.concurrency` parts in flight, measures
its throughput, doubles the parts and measures again; it keeps doubling, up to its limit,
while each step pays, and goes back to the number before a step that did not.

**What is measured.** Not the rate at which parts' bytes are read: a part's first
megabytes leave at once, into socket and proxy buffers, and the rest at the link's pace,
and parts that start together finish together, so that rate swings from several times
the link's to nothing within each round of parts. Instead each finished part says how
long its bytes took to be accepted (from its request to the server's answer, retries
included), and the throughput at a number of parts is Little's law: the mean number of
parts on the wire times the bytes a part carries per second on the wire. Only parts
begun since the last change count, and a throughput is judged once half as many as
are in flight have finished (and :data:`MIN_WINDOW` has passed): about one part's time.

**When a step pays.** Each part added must bring at least :data:`GAIN_SHARE` of what a
part in flight brought before: doubling must raise the throughput by a quarter. A
step that brings less goes back to the number before it, and the number stays fixed
from then on (a reset, whose part takes the time of its retries, counts against it).

**The last parts.** Parts that share a link's pace end together, in rounds; a step that
would leave fewer than half its number of parts still waiting takes them too (within
the limit), so that they do not make a last round of their own: for a 256 MiB file
(32 parts of 8 MiB) at 8 MiB/s per connection, the second round carries all 22 parts
left, not 20 of them and then 2 in a round of their own, a second more at 16 MiB/s.
Once every part has begun, nothing changes any more.

No clock of its own and no thread: the caller passes the times, and asks for a decision
as each part finishes (:meth:`PartGrowth.finished`).
"""

from __future__ import annotations

import threading

#: The least share of a part in flight's throughput that each part added must bring.
GAIN_SHARE = 0.25
#: The shortest time over which a number of parts in flight is judged (seconds).
MIN_WINDOW = 0.5
#: A step multiplies the parts in flight by this (within the limit).
GROWTH = 2


class PartGrowth:
    """The number of parts in flight of one upload's part phase. Thread-safe.

    Each part reports when it goes on the wire (:meth:`started`) and when it is done
    (:meth:`finished`), which returns the number of parts in flight from then on
    whenever it changes.
    """

    def __init__(self, parts: int, limit: int, *, total: int | None = None) -> None:
        """``parts`` in flight to begin with, at most ``limit``; ``total``: the parts to send,
        if known."""
        self.parts = max(1, parts)
        self.limit = max(self.parts, limit)
        self.total = total
        #: No more changes: the limit is the start, it was reached, or a step did not pay.
        self.frozen = self.limit == self.parts
        #: Every number of parts in flight tried, in order (for logs and tests).
        self.tried = [self.parts]
        self._lock = threading.Lock()
        self._on_wire = 0
        self._begun = 0
        #: When the current number of parts took effect (None: no part has started yet).
        self._since: float | None = None
        self._last = 0.0  # when _area was last brought up to ``now``
        self._area = 0.0  # part-seconds on the wire since _since
        self._bytes = 0  # of the parts begun since _since that have finished
        self._seconds = 0.0  # the time those parts took, summed
        self._samples = 0
        #: The number of parts before the last step, and the throughput it gave.
        self._before: tuple[int, float] | None = None

    def started(self, now: float) -> None:
        """A part goes on the wire."""
        with self._lock:
            if self._since is None:
                self._since = self._last = now
            self._advance(now)
            self._on_wire += 1
            self._begun += 1

    def finished(self, began: float, now: float, size: int | None) -> int | None:
        """The part that :meth:`started` at ``began`` is done: ``size`` bytes accepted, or
        None if it failed. Returns the number of parts in flight from now on, if it changes."""
        with self._lock:
            self._advance(now)
            self._on_wire = max(0, self._on_wire - 1)
            if self.frozen or size is None or self._since is None:
                return None
            if began >= self._since:
                self._bytes += size
                self._seconds += max(now - began, 1e-6)
                self._samples += 1
            return self._decide(now)

    def _advance(self, now: float) -> None:
        if now > self._last:
            self._area += self._on_wire * (now - self._last)
            self._last = now

    def _decide(self, now: float) -> int | None:
        assert self._since is not None
        if self.total is not None and self._begun >= self.total:
            self.frozen = True  # every part has begun: nothing left to decide for
            return None
        elapsed = now - self._since
        if elapsed < MIN_WINDOW or self._samples < (self.parts + 1) // 2:
            return None
        throughput = (self._area / elapsed) * self._bytes / self._seconds
        if self._before is not None:
            parts, before = self._before
            wanted = before * (1 + GAIN_SHARE * (self.parts - parts) / parts)
            if throughput < wanted:
                self.frozen = True
                self.parts = parts
                self.tried.append(parts)
                return parts
        if self.parts >= self.limit:
            self.frozen = True
            return None
        self._before = (self.parts, throughput)
        self.parts = self._step()
        self.tried.append(self.parts)
        self._since = now
        self._area, self._bytes, self._seconds, self._samples = 0.0, 0, 0.0, 0
        return self.parts

    def _step(self) -> int:
        """The parts in flight after a step: doubled, and the last few parts with them."""
        parts = min(self.limit, self.parts * GROWTH)
        if self.total is not None:
            # Parts still waiting once the new slots are filled.
            waiting = self.total - self._begun - (parts - self._on_wire)
            if 0 < waiting < parts / 2:
                parts = min(self.limit, parts + waiting)
        return parts
