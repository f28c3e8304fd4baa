"""Retries with exponential backoff and full jitter, for one request at a time.

Only :class:`~coachadmin.transfers.errors.TransientError` is retried; any other
failure (expired credentials, clock skew, access denied) stops at once so that
the transfer is left resumable and the user is told what to fix.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from coachadmin.s3.objects import ObjectInfo, head_object
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    RESUME_LATER,
    NetworkLost,
    ServerUnavailable,
    ServerUnreachable,
    SiblingFailed,
    TransientError,
    classify,
)
from coachadmin.transfers.outage import NETWORK_WAIT, PROBE_SECONDS, patience_text

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

T = TypeVar("T")

#: Connects a request makes that nothing answers (each waits ``connect_timeout`` per
#: address of the server) before the network is waited for, or the server said
#: unreachable: a connect unanswered for 10 s has lost every SYN in that time.
UNANSWERED_ATTEMPTS = 2


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base x 2^attempt)] (AWS architecture blog)."""
    upper = min(cap, base * (2**attempt))
    return (rng or random).uniform(0.0, upper)


def with_retries(
    call: Callable[[], T],
    *,
    what: str,
    control: TransferControl,
    max_attempts: int,
    base: float,
    cap: float,
    bucket: str = "",
    key: str = "",
    advice: str = RESUME_LATER,
    patience: float = 0.0,
) -> T:
    """Run ``call``; retry transient failures up to ``max_attempts`` times in all.

    ``advice`` ends the message when the retries run out: what the user can do then.
    ``patience``: once the server has answered the transfer (``control.link``), how many
    seconds a lost network is waited for when the retries run out with no connection
    (:mod:`coachadmin.transfers.outage`).
    """
    attempt = unanswered = 0
    reached = False  # some attempt got a connection to the server
    waiting = False  # for the network (counted by control.link while it does)
    try:
        while True:
            control.check_cancelled()
            try:
                result = call()
            except Exception as error:
                mapped = classify(error, bucket=bucket, key=key)
                if not isinstance(mapped, TransientError):
                    if mapped is error:
                        raise
                    raise mapped from error
                if not mapped.unreachable:
                    reached = control.answered = True  # a connection was made: it is there
                attempt += 1
                unanswered += mapped.unanswered
                if attempt < max_attempts and unanswered < UNANSWERED_ATTEMPTS:
                    delay = backoff_delay(attempt - 1, base, cap)
                    log.info(
                        "%s failed (%s); retry %d in %.2fs", what, mapped.detail, attempt, delay
                    )
                    control.sleep(delay)
                    control.check()  # a pause or cancel during the wait stops here
                elif _waits_for_network(mapped, control, patience):
                    if not waiting:
                        control.link.enter()
                        waiting = True
                    _wait_for_network(what, mapped, control, patience, advice, error)
                else:
                    gave_up = ServerUnavailable if reached else ServerUnreachable
                    raise gave_up(f"{what}: {mapped.detail}", advice) from error
            else:
                control.answered = True
                control.link.answer()
                return result
    finally:
        if waiting:
            control.link.leave()


def _waits_for_network(mapped: TransientError, control: TransferControl, patience: float) -> bool:
    """An outage is ridden out by a run its server has answered, or one that starts while
    others to the same server wait; when no connection can be made (or, once the network
    is known lost, whatever transient failure a flapping link brings)."""
    lost = control.link.lost
    return patience > 0 and (control.answered or lost) and (mapped.unreachable or lost)


def _wait_for_network(  # noqa: PLR0917 - one caller, in order
    what: str,
    mapped: TransientError,
    control: TransferControl,
    patience: float,
    advice: str,
    error: Exception,
) -> None:
    """Wait for the network a while, or raise :class:`NetworkLost` once ``patience`` has
    run out."""
    since = time.strftime("%H:%M")
    lasted = control.link.lose(
        f"{NETWORK_WAIT} (since {since}, for up to {patience_text(patience)})"
    )
    if lasted >= patience:
        raise NetworkLost(patience_text(lasted), mapped.detail, advice) from error
    log.info("%s: no connection (%s); waiting for the network", what, mapped.detail)
    probe = min(PROBE_SECONDS, patience / 10, patience - lasted)
    control.link.wait(probe, control.halted, control.failing)
    control.check()
    if control.failing.is_set():
        raise SiblingFailed() from error


def retried(
    call: Callable[[], T],
    *,
    what: str,
    config: TransferConfig,
    bucket: str,
    key: str,
    control: TransferControl | None = None,
) -> T:
    """:func:`with_retries` with the attempts and backoff of ``config``, for one request
    about ``s3://bucket/key`` made outside a running transfer's own loop."""
    return with_retries(
        call,
        what=what,
        control=control or TransferControl(),
        max_attempts=config.max_attempts,
        base=config.backoff_base,
        cap=config.backoff_cap,
        patience=config.outage_patience,
        bucket=bucket,
        key=key,
    )


def head_with_retries(
    client: S3Client,
    bucket: str,
    key: str,
    config: TransferConfig,
    *,
    control: TransferControl | None = None,
    checksum: bool = False,
    part_number: int | None = None,
) -> ObjectInfo | None:
    """HeadObject (None when the key does not exist), retried like any transfer request."""
    return retried(
        lambda: head_object(client, bucket, key, part_number=part_number, checksum=checksum),
        what="HeadObject",
        config=config,
        bucket=bucket,
        key=key,
        control=control,
    )
