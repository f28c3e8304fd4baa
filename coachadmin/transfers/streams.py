"""How a download splits its ranges between one stream and ranged GETs, and when they are durable.

A download starts with one **stream**: a plain GET (or, resuming, a GET of the first run
of missing ranges) read in order, range after range. **Ranged GETs** take ranges from the
other end, one at a time, and are added only while they add throughput
(:class:`Growth`: multiplied each window while the rate grows): on a server that serves
each connection at a bounded rate (S3) each adds its share; on one where a ranged GET
costs as much as the whole object (moto reads the object for every range) the stream's
first byte comes later than it then needs for a whole range, and none is added. The
growth weighs what more streams cost the client: the hash that checks the file (an MD5
where the object has no checksum) takes a ranged GET's bytes only after the last range,
read back from the file. The stream and the ranged GETs
claim ranges from one :class:`RangePlan`; the stream stops where a ranged GET has been.

A range is journaled only once it is durable (:class:`DurableRanges`): written ranges are
fsynced together every :data:`SYNC_BYTES` or :data:`SYNC_SECONDS` and at the end, then
journaled in one transaction, so a kill -9 loses at most the ranges since the last fsync.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coachadmin.transfers.config import KiB, MiB
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import TOLD_TO_STOP, TransferCancelled
from coachadmin.transfers.journal import Journal
from coachadmin.transfers.local_paths import open_partial
from coachadmin.transfers.runner import Restart

log = logging.getLogger("coachadmin.transfers")

#: Written bytes fsynced (then journaled) together, at most; and the longest wait for them.
SYNC_BYTES = 64 * MiB
SYNC_SECONDS = 2.0
#: Each window that paid multiplies the streams by this much: 1, 4, 16.
STEP = 4
#: Aggregate throughput must grow by this much when the streams grow (ideally by STEP) for
#: them to grow again: well above a window's noise (a few per cent).
GAIN = 1.25
#: What a step must bring at its best (the streams' rate multiplied by as much as the
#: streams) to be taken: GAIN even if it falls short of that best by GAIN (a server on the
#: same computer, connections that do not add up).
FORESEEN_GAIN = GAIN * GAIN
#: The window over which throughput is measured (seconds): at 8 MiB/s per connection,
#: 1.6 MiB per stream, thirteen reads of :data:`GROWING_CHUNK`. Each window is time spent
#: at fewer streams than the link rewards: 0.3 s windows made a 256 MiB download over
#: connections capped at 8 MiB/s a tenth slower.
WINDOW = 0.2
#: The read size while windows are measured.
GROWING_CHUNK = 128 * KiB


class RangePlan:
    """The missing ranges, claimed one by one: the stream from the front, ranged GETs from
    the back. Thread-safe."""

    def __init__(self, missing: Sequence[int]) -> None:
        self._left: deque[int] = deque(sorted(missing))
        self._lock = threading.Lock()

    def first_run(self) -> list[int]:
        """The unclaimed ranges that follow the first one without a gap (not claimed yet)."""
        with self._lock:
            run: list[int] = []
            for number in self._left:
                if run and number != run[-1] + 1:
                    break
                run.append(number)
            return run

    def claim_front(self, number: int) -> bool:
        """Claim ``number`` for the stream, if it is still the first unclaimed range."""
        with self._lock:
            if self._left and self._left[0] == number:
                self._left.popleft()
                return True
            return False

    def claim_back(self) -> int | None:
        with self._lock:
            return self._left.pop() if self._left else None

    def drain(self) -> None:
        """Leave every unclaimed range unclaimed for good (the download stops)."""
        with self._lock:
            self._left.clear()

    @property
    def left(self) -> int:
        with self._lock:
            return len(self._left)


class DurableRanges:
    """Finished ranges on their way to the journal: fsynced together by a thread of their
    own (the disk's writeback overlaps the network), then journaled. :meth:`flush` at the
    end, a pause or a failure."""

    def __init__(self, journal: Journal, transfer_id: str, temp: Path) -> None:
        self.journal = journal
        self.transfer_id = transfer_id
        self.temp = temp
        self._pending: list[tuple[int, int]] = []
        self._bytes = 0
        self._synced = time.monotonic()
        self._due = self._closing = False
        self._error: Exception | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name=f"sync-{transfer_id}", daemon=True)
        self._thread.start()

    def add(self, number: int, size: int) -> None:
        """Range ``number`` is written (not yet durable)."""
        with self._changed:
            self._pending.append((number, size))
            self._bytes += size
            if self._bytes >= SYNC_BYTES or time.monotonic() - self._synced >= SYNC_SECONDS:
                self._due = True
                self._changed.notify()

    def flush(self) -> None:
        """Make every range added durable and journal it; raise a failure to sync."""
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join()
        self._sync(self._pending)
        self._pending = []
        if self._error is not None:
            raise self._error

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._due or self._closing)
                if not self._due:
                    return
                batch, self._pending, self._bytes, self._due = self._pending, [], 0, False
                self._synced = time.monotonic()
            try:
                self._sync(batch)
            except Exception as error:  # noqa: BLE001 - raised by flush(); the ranges are fetched again
                self._error = error

    def _sync(self, batch: list[tuple[int, int]]) -> None:
        if not batch:
            return
        with open_partial(self.temp, create=False) as handle:
            os.fsync(handle.fileno())  # the file's data, whichever descriptor wrote it
        self.journal.record_ranges(self.transfer_id, batch)


@dataclass
class Growth:
    """When to add ranged GETs, and how many: multiply the streams while that pays.

    The caller reports bytes as they arrive (:meth:`received`) and each GET's time to
    first byte (:meth:`stream_first_byte`, :meth:`first_byte`); :meth:`more` says how many
    ranged GETs to add now. Throughput is measured over windows of :data:`WINDOW` seconds
    of bytes received: the stream's first, then one from the first byte of the last ranged
    GET added. After the stream's window the streams are multiplied by :data:`STEP` (1, 4,
    16, up to ``limit``), again after each window whose throughput grew by :data:`GAIN`
    over the one before; the first window that did not ends the growth, and one that was
    slower than the window before the step undoes the step: the ranged GETs it added stop
    after their range (:meth:`retire`; the stream takes what they leave). On a link that caps
    each connection (8 MiB/s) each step multiplies the rate, so sixteen streams run after
    two windows (0.4 s); where one connection fills the link, the first step adds nothing
    and three ranged GETs are all it cost.

    A step is taken only if, at its best (the rate multiplied by as much as the streams),
    it would pay :data:`FORESEEN_GAIN`.

    Where the file is checked by a hash that takes its bytes in order (``hash_rate``: the
    bytes that hash takes in a second of its thread's CPU), only the stream's bytes are
    hashed as they come (:meth:`received` with ``hashed``); a ranged GET's are read back
    and hashed after the last range is in. A rate, measured or foreseen, then counts that
    read-back: 1 / (1 / rate + unhashed share / hash_rate). With an MD5 (0.6 GB/s a core),
    sixteen connections to S3 at 0.1 GB/s each still pay; against s3rver on the same
    computer, one stream at 0.3 GB/s already brings most of what the MD5 could take, and
    stays alone. A CRC (ISA-L, several GB/s) changes nothing.

    A GET whose first byte comes later than the stream then needs for a whole range costs
    the server more than a range brings (moto reads the whole object before it answers any
    GET, 0.6 s for 1 GiB against 27 ms for a range at the stream's rate): the stream's own
    first GET says so before any ranged GET is tried, each ranged GET's again.
    """

    range_size: int
    limit: int
    streams: int = 1
    frozen: bool = False
    #: The bytes a second of CPU hashes, for the hash that takes the file's bytes in order
    #: (0: not measured yet), or None where none does.
    hash_rate: Callable[[], float] | None = None
    _bytes: int = 0
    _hashed: int = 0
    _window_start: float = field(default_factory=time.monotonic)
    _window_bytes: int = 0
    _window_hashed: int = 0
    _last_rate: float = 0.0
    _stream_rate: float = 0.0
    #: Ranged GETs added last whose first byte has not come yet.
    _awaiting: int = 0
    #: The streams before the last step, and the ranged GETs to stop (a step undone).
    _before: int = 1
    _retiring: int = 0
    #: A ranged GET answered slower than the stream takes a range: no step after this one.
    _capped: bool = False
    #: The stream's first GET's time to first byte (0: not yet).
    _stream_first_byte: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settled(self) -> bool:
        """No more ranged GETs will be added."""
        return self.frozen or self.streams >= self.limit

    def chunk(self, size: int) -> int:
        """The read size for a GET: :data:`GROWING_CHUNK` while windows are measured, so that
        they see bytes as they come (not 1 MiB at a time), ``size`` once settled."""
        return size if self.settled else min(size, GROWING_CHUNK)

    def received(self, count: int, *, hashed: bool = False) -> None:
        """``count`` bytes came (``hashed``: and the hash took them as they came, in order)."""
        with self._lock:
            self._bytes += count
            if hashed:
                self._hashed += count

    def stream_first_byte(self, seconds: float, *, now: float) -> None:
        """The stream's first GET's time to first byte; its rate is measured from now."""
        with self._lock:
            if not self._stream_first_byte:
                self._stream_first_byte = seconds
                self._start_window(now)

    def first_byte(self, seconds: float, *, now: float, newest: bool) -> None:
        """A ranged GET's time to first byte (``newest``: of one of the ranged GETs added
        last, on its first range): the next window begins with the last of theirs."""
        with self._lock:
            if self._stream_rate and seconds > self.range_size / self._stream_rate:
                self._capped = True  # the window after the step says whether to keep it
            if newest and self._awaiting:
                self._awaiting -= 1
                if not self._awaiting:
                    self._start_window(now)

    def more(self, now: float, left: int) -> int:
        """At the end of a window: how many ranged GETs to add (0: none, now or for now),
        ``left`` ranges unclaimed. No more than those the streams running would not take
        next: a ranged GET with nothing new to do costs a request and speeds up nothing."""
        with self._lock:
            waiting = self.frozen or self._awaiting or not self._stream_first_byte
            elapsed = now - self._window_start
            useful = min(self.limit, left) - self.streams
            if waiting or elapsed < WINDOW or (useful <= 0 and self.streams == 1):
                return 0
            window = self._bytes - self._window_bytes
            rate = window / elapsed
            if not rate:
                return 0  # nothing came yet: the window goes on
            hashing = self.hash_rate() if self.hash_rate is not None else 0.0
            unhashed = 1 - (self._hashed - self._window_hashed) / window
            counted = _with_read_back(rate, unhashed, hashing)
            if not self._judge(rate, counted):
                return 0
            if useful <= 0:  # the last step paid, and is as far as the streams go
                self.frozen = True
                return 0
            self._last_rate = counted
            added = min(self.streams * (STEP - 1), useful)
            grown = self.streams + added
            best = rate * grown / self.streams
            foreseen = _with_read_back(best, 1 - 1 / grown, hashing)
            log.debug(
                "download: %d stream(s) at %.0f MB/s (%.0f counting the read-back; hash %.0f "
                "MB/s), %d foreseen at %.0f MB/s",
                self.streams, rate / 1e6, counted / 1e6, hashing / 1e6, grown, foreseen / 1e6,
            )  # fmt: skip
            if foreseen < counted * FORESEEN_GAIN:
                self.frozen = True  # even at its best the step would pay little, or nothing
                return 0
            self._before = self.streams
            self.streams += added
            self._awaiting = added
            return added

    def _judge(self, rate: float, counted: float) -> bool:
        """The window that just ended, of the stream alone or after a step: whether the
        streams may grow on (else frozen, and a step that made the download slower undone)."""
        if self.streams == 1:
            self._stream_rate = rate
            self.frozen = self._stream_first_byte > self.range_size / rate
            return not self.frozen
        if counted >= self._last_rate * GAIN and not self._capped:
            return True
        self.frozen = True
        undone = counted < self._last_rate  # slower than before the step: undo it
        log.debug(
            "download: %d streams at %.0f MB/s (%.0f counted) against %.0f before: %s",
            self.streams, rate / 1e6, counted / 1e6, self._last_rate / 1e6,
            f"back to {self._before}" if undone else "no more",
        )  # fmt: skip
        if undone:
            self._retiring, self.streams = self.streams - self._before, self._before
        return False

    def retire(self) -> bool:
        """Whether the ranged GET asking should stop before its next range (its step was
        undone): each of those added by the step is told once."""
        with self._lock:
            if not self._retiring:
                return False
            self._retiring -= 1
            return True

    def _start_window(self, now: float) -> None:
        self._window_start, self._window_bytes, self._window_hashed = now, self._bytes, self._hashed


def _with_read_back(rate: float, unhashed: float, hashing: float) -> float:
    """A download's rate with the time counted to hash, after it, the ``unhashed`` share
    of its bytes at ``hashing`` bytes a second (0: no hash takes the bytes in order)."""
    if not hashing or unhashed <= 0:
        return rate
    return 1 / (1 / rate + unhashed / hashing)


class Workers:
    """A download's threads: the first failure (a pause included) leaves the ranges not yet
    claimed to nobody, so every thread stops after its current range."""

    def __init__(self, plan: RangePlan, name: str, control: TransferControl) -> None:
        self._plan = plan
        self._name = name
        self._control = control
        control.failing.clear()  # an earlier attempt's (a restart) is not this one's
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()

    def start(self, work: Callable[[], None]) -> None:
        thread = threading.Thread(
            target=self._run, args=(work,), name=f"{self._name}-{len(self._threads)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - raised by raise_outcome
            with self._lock:
                self._errors.append(error)
            self._plan.drain()
            self._control.part_failed(error)

    def running(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the threads; True while any still runs."""
        live = [t for t in self._threads if t.is_alive()]
        if live:
            live[0].join(seconds)
        return any(t.is_alive() for t in self._threads)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def raise_outcome(self, control: TransferControl) -> None:
        """After :meth:`join`: a cancel, else a restart, else the first failure, else a pause."""
        if control.cancelled:
            raise TransferCancelled()
        restart = next((e for e in self._errors if isinstance(e, Restart)), None)
        chosen = restart or next((e for e in self._errors if not isinstance(e, TOLD_TO_STOP)), None)
        if chosen is not None:
            raise chosen
        if self._errors:
            raise self._errors[0]
