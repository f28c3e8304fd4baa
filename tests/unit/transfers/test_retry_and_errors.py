"""Retries: transient errors retried with jittered backoff, the rest stop at once with a message."""

from __future__ import annotations

import random

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    AccessDenied,
    ClockSkew,
    CredentialsExpired,
    KeyExists,
    NoSuchBucket,
    ServerUnavailable,
    TransferCancelled,
    TransientError,
    classify,
)
from coachadmin.transfers.retry import backoff_delay, with_retries


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "UploadPart",
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (client_error("SlowDown", 503), TransientError),
        (client_error("InternalError", 500), TransientError),
        (client_error("RequestTimeout", 400), TransientError),
        (client_error("BadDigest", 400), TransientError),
        (ConnectionClosedError(endpoint_url="http://x"), TransientError),
        (ReadTimeoutError(endpoint_url="http://x"), TransientError),
        (ConnectionResetError(), TransientError),
        (client_error("ExpiredToken", 400), CredentialsExpired),
        (client_error("InvalidAccessKeyId", 403), CredentialsExpired),
        (client_error("RequestTimeTooSkewed", 403), ClockSkew),
        (client_error("AccessDenied", 403), AccessDenied),
        (client_error("NoSuchBucket", 404), NoSuchBucket),
        (client_error("PreconditionFailed", 412), KeyExists),
    ],
)
def test_classify(error: Exception, expected: type[Exception]) -> None:
    assert isinstance(classify(error, bucket="b", key="k"), expected)


def test_messages_say_what_to_do() -> None:
    assert "resume" in str(classify(client_error("ExpiredToken", 400)))
    assert "clock" in str(classify(client_error("RequestTimeTooSkewed", 403)))
    assert "--overwrite" in str(
        classify(client_error("PreconditionFailed", 412), bucket="b", key="k")
    )


def test_backoff_is_full_jitter_and_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(attempt, 0.25, 20.0, rng) for attempt in range(20) for _ in range(50)]
    assert min(delays) >= 0 and max(delays) <= 20.0
    assert max(backoff_delay(1, 0.25, 20.0, rng) for _ in range(200)) <= 0.5


def test_transient_errors_are_retried_until_success() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise client_error("SlowDown", 503)
        return "ok"

    assert (
        with_retries(
            flaky, what="x", control=TransferControl(), max_attempts=5, base=0.001, cap=0.01
        )
        == "ok"
    )
    assert len(calls) == 3


def test_attempts_are_bounded() -> None:
    calls = []

    def down() -> None:
        calls.append(1)
        raise client_error("ServiceUnavailable", 503)

    with pytest.raises(ServerUnavailable):
        with_retries(
            down, what="x", control=TransferControl(), max_attempts=4, base=0.001, cap=0.01
        )
    assert len(calls) == 4


def test_fatal_errors_are_not_retried() -> None:
    calls = []

    def expired() -> None:
        calls.append(1)
        raise client_error("ExpiredToken", 400)

    with pytest.raises(CredentialsExpired):
        with_retries(
            expired, what="x", control=TransferControl(), max_attempts=5, base=0.001, cap=0.01
        )
    assert len(calls) == 1


def test_cancel_interrupts_the_backoff() -> None:
    control = TransferControl()

    def down() -> None:
        control.cancel()
        raise client_error("SlowDown", 503)

    with pytest.raises(TransferCancelled):
        with_retries(down, what="x", control=control, max_attempts=5, base=100.0, cap=100.0)
