"""Retries with exponential backoff and full jitter, for one request at a time.

Only :class:`~coachadmin.transfers.errors.TransientError` is retried; any other
failure (expired credentials, clock skew, access denied) stops at once so that
the transfer is left resumable and the user is told what to fix.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from coachadmin.s3.objects import ObjectInfo, head_object
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    RESUME_LATER,
    ServerUnavailable,
    ServerUnreachable,
    TransientError,
    classify,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

T = TypeVar("T")


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
    on_retry: Callable[[TransientError], None] | None = None,
    advice: str = RESUME_LATER,
) -> T:
    """Run ``call``; retry transient failures up to ``max_attempts`` times in all.

    ``advice`` ends the message when the retries run out: what the user can do then.
    """
    attempt = 0
    reached = False  # some attempt got a connection to the server
    while True:
        control.check_cancelled()
        try:
            return call()
        except Exception as error:
            mapped = classify(error, bucket=bucket, key=key)
            if not isinstance(mapped, TransientError):
                if mapped is error:
                    raise
                raise mapped from error
            reached = reached or not mapped.unreachable
            attempt += 1
            if attempt >= max_attempts:
                gave_up = ServerUnavailable if reached else ServerUnreachable
                raise gave_up(f"{what}: {mapped.detail}", advice) from error
            delay = backoff_delay(attempt - 1, base, cap)
            log.info("%s failed (%s); retry %d in %.2fs", what, mapped.detail, attempt, delay)
            if on_retry is not None:
                on_retry(mapped)
            control.sleep(delay)
            control.check()  # a pause or cancel during the wait stops here


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
