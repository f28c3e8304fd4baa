"""Uploads through a fault-injecting proxy: resets, stalls, 503s, expired credentials."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin.transfers.config import MiB
from coachadmin.transfers.errors import (
    AccessDenied,
    ClockSkew,
    CredentialsExpired,
    ServerUnavailable,
)
from tests.support.faultproxy import Fault, FaultProxy, Request
from tests.support.transfers import (
    SMALL,
    Engine,
    engine,
    get_bytes,
    make_bucket,
    multipart_uploads,
    write_random,
)


@pytest.fixture
def eng(proxy: FaultProxy) -> Engine:
    return engine(proxy.url, replace(SMALL, read_timeout=1.5))


def part(number: int) -> object:
    return lambda r: r.is_upload_part and r.part_number == number


def is_put_object(request: Request) -> bool:
    return (
        request.method == "PUT"
        and "uploadId" not in request.target
        and request.target.count("/") > 1
    )


def is_complete(request: Request) -> bool:
    return request.method == "POST" and "uploadId=" in request.target


def _run(eng: Engine, path: Path, bucket: str, key: str = "k") -> str:
    record = eng.prepare(path, bucket, key)
    eng.uploader(record.id).run()
    return record.id


def test_multipart_upload_survives_resets_stalls_and_slowdowns(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 26 * MiB)
    proxy.add_fault(part(1), Fault("status", code=503))
    proxy.add_fault(part(2), Fault("reset", after_bytes=1 * MiB))
    proxy.add_fault(part(3), Fault("reset"))
    proxy.add_fault(part(4), Fault("stall", seconds=20))
    proxy.add_fault(
        part(5), Fault("status", code=500, body=b"<Error><Code>InternalError</Code></Error>")
    )
    proxy.add_fault(part(6), Fault("status", code=503), times=2)
    proxy.add_fault(is_complete, Fault("status", code=503))

    _run(eng, tmp_path / "big", bucket)

    assert get_bytes(s3_server, bucket, "k") == data
    assert len(proxy.stats.faults) == 8
    sent_per_part: dict[int, int] = {}
    for request in proxy.stats.upload_parts():
        assert request.part_number is not None
        sent_per_part[request.part_number] = sent_per_part.get(request.part_number, 0) + 1
    assert sent_per_part[6] == 3 and sent_per_part[1] == 2
    assert multipart_uploads(s3_server, bucket) == []


def test_single_put_survives_a_slowdown_and_a_reset(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "small", 3 * MiB)
    proxy.add_fault(is_put_object, Fault("status", code=503))
    proxy.add_fault(is_put_object, Fault("reset", after_bytes=100_000))
    _run(eng, tmp_path / "small", bucket)
    assert get_bytes(s3_server, bucket, "k") == data
    assert len(proxy.stats.faults) == 2
    # Only the first attempt went without waiting for "100 Continue".
    puts = [r for r in proxy.stats.requests if is_put_object(r)]
    assert [r.headers.get("expect") for r in puts] == [None, "100-continue", "100-continue"]


def test_a_part_is_sent_at_once_and_a_retry_waits_for_100_continue(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """A first attempt costs no round trip before its body; a retried part asks the
    server first, so that what refused it answers before the body goes again."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 11 * MiB)
    proxy.add_fault(part(2), Fault("status", code=503), times=2)
    _run(eng, tmp_path / "big", bucket)
    assert get_bytes(s3_server, bucket, "k") == data
    sent = [(r.part_number, r.headers.get("expect")) for r in proxy.stats.upload_parts()]
    assert sorted(sent, key=lambda item: (item[0], item[1] or "")) == [
        (1, None),
        (2, None),
        (2, "100-continue"),
        (2, "100-continue"),
        (3, None),
    ]


def test_a_refusal_before_the_body_is_read_is_asked_again_and_reported_clearly(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """A server may answer a request it refuses before reading its body, and close: the
    first attempt (no "100 Continue" awaited) may then break off mid-body; the retry
    waits for the server's answer. Either way the refusal is said plainly, nothing stored."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "small", 3 * MiB)
    denied = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    proxy.add_fault(is_put_object, Fault("status", code=403, body=denied, early=True), times=9)
    record = eng.prepare(tmp_path / "small", bucket, "k")
    with pytest.raises(AccessDenied):
        eng.uploader(record.id).run()
    # Whether the first attempt read the early answer or broke off mid-body depends on
    # socket buffers; either way the refusal is not retried once it has been read.
    puts = [r for r in proxy.stats.requests if is_put_object(r)]
    assert [r.headers.get("expect") for r in puts] in ([None], [None, "100-continue"])
    assert eng.journal.get_upload(record.id).state == "failed"
    assert "Contents" not in eng.client.list_objects_v2(Bucket=bucket)


def test_a_lost_completion_reply_is_recognised_not_reported_as_existing_key(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """The server completed the upload but the reply never came: the retry must not fail with
    "key exists" (If-None-Match now matches our own object)."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 11 * MiB)
    proxy.add_fault(is_complete, Fault("reset", after_bytes=10**9))
    _run(eng, tmp_path / "big", bucket)
    assert get_bytes(s3_server, bucket, "k") == data


@pytest.mark.parametrize(
    ("code", "body", "error"),
    [
        (
            400,
            b"<Error><Code>ExpiredToken</Code><Message>expired</Message></Error>",
            CredentialsExpired,
        ),
        (
            403,
            b"<Error><Code>RequestTimeTooSkewed</Code><Message>skew</Message></Error>",
            ClockSkew,
        ),
    ],
)
def test_expired_credentials_and_clock_skew_stop_and_leave_it_resumable(
    eng: Engine,
    proxy: FaultProxy,
    s3_server: str,
    tmp_path: Path,
    code: int,
    body: bytes,
    error: type[Exception],
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 16 * MiB)
    proxy.add_fault(part(3), Fault("status", code=code, body=body))
    record = eng.prepare(tmp_path / "big", bucket, "k")
    with pytest.raises(error, match="coachadmin resume"):
        eng.uploader(record.id).run()
    assert [r.part_number for r in proxy.stats.upload_parts()].count(3) == 1  # not retried
    failed = eng.journal.get_upload(record.id)
    assert failed.state == "failed" and failed.upload_id
    assert len(multipart_uploads(s3_server, bucket)) == 1

    eng.uploader(record.id).run()
    assert get_bytes(s3_server, bucket, "k") == data


def test_a_server_that_keeps_failing_gives_up_with_a_resumable_upload(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "big", 11 * MiB)
    proxy.add_fault(part(2), Fault("status", code=503), times=100)
    record = eng.prepare(tmp_path / "big", bucket, "k")
    with pytest.raises(ServerUnavailable, match="resume"):
        eng.uploader(record.id).run()
    attempts = [r.part_number for r in proxy.stats.upload_parts()].count(2)
    assert attempts == eng.config.max_attempts
    assert eng.journal.get_upload(record.id).state == "failed"
