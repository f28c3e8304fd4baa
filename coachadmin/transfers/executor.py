"""Bounded parallel work with backpressure, shared by uploads (parts) and downloads (ranges).

The submitter takes a slot before it submits, so at most ``in_flight`` items
exist at once (each holding at most one part in memory); a full pool blocks
the submitter rather than queueing work without bound, as s3transfer's
BoundedExecutor does. A queue of many files may pass ``shared_slots`` to bound
the parts in flight across all its transfers as well.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import TransferCancelled, TransferPaused

T = TypeVar("T")
_POLL = 0.1


def run_bounded(
    items: Sequence[T],
    work: Callable[[T], None],
    *,
    in_flight: int,
    control: TransferControl,
    name: str,
    shared_slots: threading.Semaphore | None = None,
    first: tuple[type[BaseException], ...] = (),
) -> None:
    """Run ``work(item)`` for every item, ``in_flight`` at a time.

    Returns when all succeeded. Otherwise stops submitting, waits for the items
    in flight, then raises: :class:`TransferCancelled` if cancelled; else the
    first error of a type in ``first``; else the first other error; else (a
    pause) :class:`TransferPaused`.
    """
    if not items:
        return
    stop = threading.Event()
    own = threading.Semaphore(in_flight)

    def release(_future: Future[None]) -> None:
        own.release()
        if shared_slots is not None:
            shared_slots.release()

    def guarded(item: T) -> None:
        try:
            work(item)
        except BaseException:
            stop.set()
            raise

    def halted() -> bool:
        return stop.is_set() or control.stopping

    def acquire() -> bool:
        while not own.acquire(timeout=_POLL):
            if halted():
                return False
        if shared_slots is not None:
            while not shared_slots.acquire(timeout=_POLL):
                if halted():
                    own.release()
                    return False
        if halted():
            release_now()
            return False
        return True

    def release_now() -> None:
        own.release()
        if shared_slots is not None:
            shared_slots.release()

    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix=name) as pool:
        for item in items:
            if not acquire():
                break
            future = pool.submit(guarded, item)
            future.add_done_callback(release)
            futures.append(future)
    errors = [error for f in futures if (error := f.exception()) is not None]
    if control.cancelled:
        raise TransferCancelled()
    real = [e for e in errors if not isinstance(e, TransferPaused | TransferCancelled)]
    for error in real:
        if isinstance(error, first):
            raise error
    if real:
        raise real[0]
    if len(futures) < len(items) or errors:
        control.check()
        raise TransferPaused(control.transfer_id)
