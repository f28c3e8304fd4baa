"""The parts of one transfer (upload parts, download ranges) through the app's bounded executor.

:func:`coachadmin.bounded.run_each` does the work: at most ``in_flight`` parts
exist at once (each holding at most one part in memory), a full pool blocks the
submitter, and a queue of many files may pass ``shared_slots`` to bound the parts
in flight across all its transfers as well. The transfer's control halts it: a
pause or a cancel wakes a submitter waiting for a slot at once. This module turns
the outcome into the transfer's errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from coachadmin.bounded import Slots, Stopped, run_each
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import TOLD_TO_STOP, TransferCancelled, TransferPaused

T = TypeVar("T")


def run_bounded(
    items: Sequence[T],
    work: Callable[[T], None],
    *,
    in_flight: int | Slots,
    control: TransferControl,
    name: str,
    shared_slots: Slots | None = None,
    first: tuple[type[BaseException], ...] = (),
) -> None:
    """Run ``work(item)`` for every item, ``in_flight`` at a time (a number, or the
    transfer's own :class:`Slots`, which it may resize as the parts go).

    Returns when all succeeded. Otherwise stops submitting, waits for the items
    in flight, then raises: :class:`TransferCancelled` if cancelled; else the
    first error of a type in ``first``; else the first other error; else (a
    pause) :class:`TransferPaused`.
    """
    if not items:
        return
    control.failing.clear()  # an earlier attempt's (a restart) is not this one's

    def part(item: T) -> None:
        try:
            work(item)
        except BaseException as error:
            control.part_failed(error)
            raise

    try:
        run_each(
            items,
            part,
            in_flight=in_flight,
            name=name,
            stop=control.halted,
            shared=shared_slots,
            first=first,
            quiet=TOLD_TO_STOP,
        )
    except Stopped:
        control.check()
        raise TransferPaused(control.transfer_id) from None
    except BaseException:
        if control.cancelled:
            raise TransferCancelled() from None
        raise
    control.check_cancelled()
