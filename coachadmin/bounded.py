"""Bounded parallel work that blocks instead of polling: the app's one executor.

Upload parts, download ranges, server-side copy parts (UploadPartCopy) and delete
batches (DeleteObjects) all run through :func:`run_each`:

- **At most ``in_flight`` items exist at once.** The submitter takes a slot
  *before* it takes the next item from the iterable, and blocks while none is
  free: backpressure, as s3transfer's BoundedExecutor. Each item may hold a part
  in memory, so memory stays bounded; nothing is queued ahead, and no future is
  kept per item.
- **A pool of slots may be shared** by many runs (:class:`Slots`): a queue of
  files bounds the parts in flight of all of them together.
- **A run's own slots may be resized while it runs** (:meth:`Slots.resize`, up to the
  ``limit`` they were made with): an upload adds parts in flight while that pays. The
  run's pool has a thread per slot of the limit, started only when needed.
- **Waiting blocks on a condition, woken at once** when a slot frees or the
  run is halted: its ``stop`` :class:`Flag` is set (a pause, a cancel) or one of
  its items failed. A :class:`Flag` wakes the conditions of the pools its
  holder waits on (:meth:`Flag.watch`), so a transfer paused while it waits for
  a slot of a shared pool held by other transfers returns at once. Nothing polls.
- **The first failure stops the run**: nothing more is submitted, the items in
  flight finish, then an error is raised (see :func:`run_each` for which).

No dependencies inside the app: ``coachadmin.s3`` (copies, deletes) and
``coachadmin.transfers`` (parts, ranges) both sit above it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Sized
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

__all__ = ["Flag", "Slots", "Stopped", "run_each"]


class Stopped(Exception):
    """The run was halted (its ``stop`` flag set) before every item had run."""


class Flag:
    """A flag like :class:`threading.Event` that also wakes those who watch it.

    A thread blocked on a condition of its own (waiting for a :class:`Slots`
    slot) cannot wait on an Event at the same time; instead, the condition's
    owner asks the flag to wake it (:meth:`watch`) on every :meth:`set`.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._watchers: list[Callable[[], None]] = []

    def set(self) -> None:
        with self._lock:
            self._event.set()
            watchers = list(self._watchers)
        for wake in watchers:  # outside the lock: a watcher may take locks of its own
            wake()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until set or ``timeout`` seconds have passed; returns whether it is set."""
        return self._event.wait(timeout)

    def watch(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake()`` at every :meth:`set` from now on, and at once if already set.

        Returns the function that stops watching. ``wake`` must be quick and may be
        called twice for one :meth:`set` that races with this call.
        """
        with self._lock:
            self._watchers.append(wake)
        if self._event.is_set():
            wake()

        def unwatch() -> None:
            with self._lock:
                if wake in self._watchers:
                    self._watchers.remove(wake)

        return unwatch


class Slots:
    """``count`` slots for items in flight: one run's, or shared by many runs.

    :meth:`resize` changes ``count`` to anything from 1 to ``limit`` (by default
    ``count``: a fixed pool). Shrunk below the slots taken, ``free`` goes below zero
    and no slot is handed out until enough have been given back.
    """

    def __init__(self, count: int, *, limit: int | None = None) -> None:
        if count < 1:
            raise ValueError(f"a pool needs at least one slot, not {count}")
        self.count = count
        #: The most slots the pool may have (:meth:`resize`).
        self.limit = max(count, limit or count)
        self._free = count
        self._waiting = 0
        self._changed = threading.Condition(threading.Lock())

    def take(self, halted: Flag) -> bool:
        """Take a slot, blocking until one is free. Returns False, with no slot taken,
        once ``halted`` is set (at once when it is set while waiting)."""
        unwatch = halted.watch(self.wake)
        try:
            with self._changed:
                self._waiting += 1
                try:
                    self._changed.wait_for(lambda: self._free > 0 or halted.is_set())
                finally:
                    self._waiting -= 1
                if halted.is_set():
                    return False
                self._free -= 1
                return True
        finally:
            unwatch()

    def give(self) -> None:
        """Give a slot back; every waiter looks again (one may be halted meanwhile)."""
        with self._changed:
            if self._free >= self.count:
                raise RuntimeError("a slot was given back that was not taken")
            self._free += 1
            self._changed.notify_all()

    def resize(self, count: int) -> int:
        """Have ``count`` slots from now on (kept within 1 and ``limit``); returns the count.

        More slots wake the waiters at once; fewer take effect as slots are given back.
        """
        with self._changed:
            count = max(1, min(self.limit, count))
            self._free += count - self.count
            self.count = count
            self._changed.notify_all()
            return count

    def wake(self) -> None:
        """Have every waiter look at its ``halted`` flag again."""
        with self._changed:
            self._changed.notify_all()

    @property
    def free(self) -> int:
        with self._changed:
            return self._free

    @property
    def waiting(self) -> int:
        """How many takers are blocked now (for tests and diagnostics)."""
        with self._changed:
            return self._waiting


def run_each(
    items: Iterable[T],
    work: Callable[[T], None],
    *,
    in_flight: int | Slots,
    name: str,
    stop: Flag | None = None,
    shared: Slots | None = None,
    first: tuple[type[BaseException], ...] = (),
    quiet: tuple[type[BaseException], ...] = (),
) -> None:
    """Run ``work(item)`` for every item on worker threads, ``in_flight`` at a time.

    ``items`` is consumed lazily, one item per free slot. ``in_flight`` may be the run's
    own :class:`Slots`, which its caller may resize while it runs (one thread per slot
    of their ``limit`` at most). With ``shared``, an item
    also needs a slot of that pool (taken after the run's own). ``stop`` halts the
    run when set; once the last item of a sized collection (a list, a range) has been
    submitted, a halt no longer fails the run.

    Returns when every item ran and succeeded. Otherwise (an item failed, ``stop``
    was set, or ``items`` itself raised) nothing more is submitted; once the items
    in flight have finished, it raises: the error of ``items`` itself; else the
    first error (in the order the items were taken) of a type in ``first``; else
    the first error not of a ``quiet`` type (``quiet`` errors only say that the item
    was told to stop); else :class:`Stopped`.
    """
    run = _Run(in_flight, shared, stop)
    try:
        run.submit_all(items, work, name)
    finally:
        run.close()
    run.raise_outcome(first, quiet)


class _Run:
    """One call of :func:`run_each`: its slots, its halt, the errors of its items."""

    def __init__(self, in_flight: int | Slots, shared: Slots | None, stop: Flag | None) -> None:
        self.halted = Flag()
        self.own = in_flight if isinstance(in_flight, Slots) else Slots(in_flight)
        self.shared = shared
        self.complete = False  # every item was taken and submitted
        self._errors: list[tuple[int, BaseException]] = []
        self._lock = threading.Lock()
        self._unwatch = stop.watch(self.halted.set) if stop is not None else None

    def close(self) -> None:
        if self._unwatch is not None:
            self._unwatch()

    def take(self) -> bool:
        if not self.own.take(self.halted):
            return False
        if self.shared is None or self.shared.take(self.halted):
            return True
        self.own.give()
        return False

    def give(self) -> None:
        if self.shared is not None:
            self.shared.give()
        self.own.give()

    def submit_all(self, items: Iterable[T], work: Callable[[T], None], name: str) -> None:
        """Take a slot, then an item, then submit it; until the items end or a halt."""
        total = len(items) if isinstance(items, Sized) else None
        # Threads start as items are submitted, never more than the slots' limit.
        with ThreadPoolExecutor(self.own.limit, thread_name_prefix=name) as pool:
            iterator = iter(items)
            for index in itertools.count():
                if index == total:  # a sized collection ends without a slot taken to see it
                    self.complete = True
                    return
                if not self.take():
                    return
                try:
                    item = next(iterator)
                except StopIteration:
                    self.give()
                    self.complete = True
                    return
                except BaseException:
                    self.give()
                    raise
                try:
                    pool.submit(self._guarded, work, index, item)
                except BaseException:
                    self.give()
                    raise

    def _guarded(self, work: Callable[[T], None], index: int, item: T) -> None:
        try:
            work(item)
        except BaseException as error:  # noqa: BLE001 - kept, and raised by raise_outcome
            with self._lock:
                self._errors.append((index, error))
            self.halted.set()  # before the slots are given back: the submitter wakes to a halt
        finally:
            self.give()

    def raise_outcome(
        self, first: tuple[type[BaseException], ...], quiet: tuple[type[BaseException], ...]
    ) -> None:
        """After the items in flight have finished: the error to raise, if any."""
        ordered = [error for _index, error in sorted(self._errors, key=lambda pair: pair[0])]
        chosen = next((e for e in ordered if isinstance(e, first)), None) or next(
            (e for e in ordered if not isinstance(e, quiet)), None
        )
        if chosen is not None:
            raise chosen
        if ordered or not self.complete:
            raise Stopped()
