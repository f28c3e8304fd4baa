"""What the user is told when the key check refuses an upload and the clean-up fails too,
and uploads on servers without ListParts.

moto over HTTP behind the fault proxy, which answers as AWS does when a policy lacks
s3:AbortMultipartUpload (403 AccessDenied) or when the credentials have expired, and
as a server without ListParts does (405 MethodNotAllowed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    CredentialsExpired,
    KeyExists,
    TransferCancelled,
    TransferPaused,
)
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.transfers.orphans import find_orphans
from coachadmin.transfers.upload import KeyCheck
from tests.support.faultproxy import Fault, FaultProxy, Request
from tests.support.s3shapes import EVERY
from tests.support.transfers import (
    SMALL,
    Engine,
    engine,
    get_bytes,
    make_bucket,
    multipart_uploads,
    write_random,
)

PART = SMALL.part_size
DENIED = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
EXPIRED = b"<Error><Code>ExpiredToken</Code><Message>The token has expired.</Message></Error>"
NO_LIST_PARTS = (
    b"<Error><Code>MethodNotAllowed</Code><Message>The specified method is not allowed "
    b"against this resource.</Message></Error>"
)


def is_abort(request: Request) -> bool:
    return request.method == "DELETE" and "uploadId=" in request.target


def is_list_parts(request: Request) -> bool:
    return request.method == "GET" and "uploadId=" in request.target


def test_a_taken_key_is_still_the_message_when_the_abort_is_refused(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(Bucket=bucket, Key="k", Body=b"x")
    write_random(tmp_path / "lesson.mp4", 2 * PART)
    proxy.add_fault(is_abort, Fault("status", code=403, body=DENIED), times=9)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k", key_check=KeyCheck.WITH_CREATE)

    with pytest.raises(KeyExists) as refused:
        eng.uploader(record.id, check_key=True).run()

    message = str(refused.value)
    assert message.startswith(f"s3://{bucket}/k already exists")
    assert "could not be aborted (access denied" in message
    assert f"`coachadmin orphans s3://{bucket} --abort`" in message
    assert "coachadmin resume" not in message
    assert eng.journal.get_upload(record.id).state == "cancelled"
    assert len(multipart_uploads(s3_server, bucket)) == 1  # the orphan the message names


def test_a_refusal_that_left_nothing_to_resume_does_not_advise_resume(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", 2 * PART)
    proxy.add_fault(lambda r: r.method == "HEAD", Fault("status", code=400, body=b""), times=9)
    proxy.add_fault(
        lambda r: r.method == "GET" and "range" in r.headers,
        Fault("status", code=400, body=EXPIRED),
        times=9,
    )
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k", key_check=KeyCheck.WITH_CREATE)

    with pytest.raises(CredentialsExpired) as refused:
        eng.uploader(record.id, check_key=True).run()

    assert "coachadmin resume" not in str(refused.value)
    assert "then upload it again" in str(refused.value)
    assert eng.journal.get_upload(record.id).state == "cancelled"


def test_a_cancel_whose_abort_fails_is_a_cancel_and_names_what_stays(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """Cancel pressed while the server cannot be reached: the transfer is cancelled all
    the same (a failed row would resume by itself at the next start, and could complete),
    and the message names the multipart upload left behind and how to remove it."""
    eng = engine(proxy.url, replace(SMALL, concurrency=1, max_events_per_second=0))
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", 4 * PART)
    proxy.add_fault(is_abort, Fault("status", code=503), times=EVERY)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k")
    control = TransferControl()
    events: list[TransferEvent] = []

    def cancel_after_first_part(event: TransferEvent) -> None:
        events.append(event)
        if event.bytes_done >= PART and event.state == TransferState.UPLOADING:
            control.cancel()

    with pytest.raises(TransferCancelled):
        eng.uploader(record.id, sink=cancel_after_first_part, control=control).run()

    assert events[-1].state is TransferState.CANCELLED
    assert events[-1].message.startswith("cancelled; its unfinished upload stays on the server")
    assert f"`coachadmin orphans s3://{bucket} --abort`" in events[-1].message
    assert eng.journal.get_upload(record.id).state == "cancelled"
    assert eng.journal.list_uploads() == []  # nothing to resume at the next start
    (left,) = find_orphans(make_client(S3Settings(endpoint_url=s3_server)), bucket, eng.journal)
    assert left.key == "k"


def test_a_server_without_list_parts_resumes_from_the_journal(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    eng = engine(proxy.url, replace(SMALL, concurrency=1, max_events_per_second=0))
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 3 * PART + 5)
    proxy.add_fault(is_list_parts, Fault("status", code=405, body=NO_LIST_PARTS), times=99)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k")
    control = TransferControl()

    def pause_after_first_part(event: TransferEvent) -> None:
        if event.bytes_done >= PART and event.state == TransferState.UPLOADING:
            control.pause()

    with pytest.raises(TransferPaused):
        eng.uploader(record.id, sink=pause_after_first_part, control=control).run()
    sent_before = len(proxy.stats.upload_parts())

    result = eng.uploader(record.id).run()

    assert get_bytes(s3_server, bucket, "k") == data
    assert len(proxy.stats.upload_parts()) == 4  # the journaled parts were not sent again
    assert sent_before < 4
    assert result.verified == "checksum"
    assert eng.journal.get_upload(record.id).state == "done"
