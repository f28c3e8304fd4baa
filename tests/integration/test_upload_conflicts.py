"""409 ConditionalRequestConflict: another conditional write to the key overlapped ours.

AWS documents for CompleteMultipartUpload with If-None-Match: "On a 409 failure you
should re-initiate the multipart upload with CreateMultipartUpload and re-upload each
part" (and for PutObject, retry the upload). moto never answers 409: the fault proxy
answers the completion (or the PUT) with AWS's error instead of forwarding it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coachadmin.transfers.errors import WritesKeptConflicting
from tests.support.faultproxy import Fault, FaultProxy, Request
from tests.support.transfers import (
    SMALL,
    Engine,
    get_bytes,
    make_bucket,
    multipart_uploads,
    write_random,
)

PART = SMALL.part_size
CONFLICT = Fault(
    "status",
    code=409,
    body=(
        b"<Error><Code>ConditionalRequestConflict</Code><Message>A conflicting operation "
        b"occurred. If using PutObject you can retry the request. If using multipart upload "
        b"you should initiate another CreateMultipartUpload request and re-upload each "
        b"part.</Message></Error>"
    ),
)


def is_create(request: Request) -> bool:
    return request.method == "POST" and request.target.endswith("?uploads")


def is_complete(request: Request) -> bool:
    return request.method == "POST" and "uploadId=" in request.target


def test_a_conflict_at_completion_starts_a_new_multipart_upload(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 2 * PART + 7)
    proxy.add_fault(is_complete, CONFLICT)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k")
    messages: list[str] = []

    result = eng.uploader(record.id, sink=lambda e: messages.append(e.message)).run()

    assert get_bytes(s3_server, bucket, "k") == data
    assert result.restarted
    assert len([r for r in proxy.stats.requests if is_create(r)]) == 2
    assert len(proxy.stats.upload_parts()) == 6  # every part again, in the new upload
    assert multipart_uploads(s3_server, bucket) == []  # the first one was aborted
    assert any("ConditionalRequestConflict" in m for m in messages)
    assert eng.journal.get_upload(record.id).state == "done"


def test_a_conflicting_put_is_sent_again(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "cover.png", 1000)
    proxy.add_fault(lambda r: r.method == "PUT" and r.target.endswith("/k"), CONFLICT)
    record = eng.prepare(tmp_path / "cover.png", bucket, "k")

    result = eng.uploader(record.id).run()

    assert get_bytes(s3_server, bucket, "k") == data
    assert result.restarted


def test_conflicts_that_never_end_say_so(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", PART + 1)
    proxy.add_fault(is_complete, CONFLICT, times=100)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k")

    with pytest.raises(WritesKeptConflicting, match="kept overlapping"):
        eng.uploader(record.id).run()
    assert multipart_uploads(s3_server, bucket) != []  # the last one stays, resumable
    assert eng.journal.get_upload(record.id).state == "failed"
