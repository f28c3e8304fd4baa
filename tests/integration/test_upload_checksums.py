"""Which checksum each part carries, and how the finished object is checked.

Over HTTP through the fault proxy, which shows the headers each request really
carried and can play a server that ignores or refuses CRC32 checksums.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin import paths
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import AccessDenied, IntegrityError, TransferPaused
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.transfers.journal import PartRecord
from coachadmin.transfers.upload import KeyCheck
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

PART = SMALL.part_size


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def slices(data: bytes) -> list[bytes]:
    return [data[i : i + PART] for i in range(0, len(data), PART)]


def is_create(request: Request) -> bool:
    return request.method == "POST" and request.target.endswith("?uploads")


def asks_for_crc32(request: Request) -> bool:
    return is_create(request) and request.headers.get("x-amz-checksum-algorithm") == "CRC32"


def parts_sent(proxy: FaultProxy) -> list[Request]:
    return sorted(proxy.stats.upload_parts(), key=lambda r: r.part_number or 0)


def run(eng: Engine, path: Path, bucket: str, key: str = "k") -> tuple[str, object]:
    record = eng.prepare(path, bucket, key)
    return record.id, eng.uploader(record.id).run()


def test_parts_carry_crc32_and_the_object_shows_the_composite_of_them(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 3 * PART + 12_345)
    transfer_id, result = run(eng, tmp_path / "lesson.mp4", bucket)

    assert get_bytes(s3_server, bucket, "k") == data
    sent = parts_sent(proxy)
    assert [r.headers.get("x-amz-checksum-crc32") for r in sent] == [
        crc32_b64(piece) for piece in slices(data)
    ]
    assert not any("content-md5" in r.headers for r in sent)
    assert result.verified == "checksum"  # type: ignore[attr-defined]
    assert eng.journal.get_upload(transfer_id).checksum_algorithm == "crc32"
    # What anyone reading the object back sees: S3's composite of the parts' CRC32s.
    head = make_client(S3Settings(endpoint_url=s3_server)).head_object(
        Bucket=bucket, Key="k", ChecksumMode="ENABLED"
    )
    binary = b"".join(zlib.crc32(piece).to_bytes(4, "big") for piece in slices(data))
    composite = crc32_b64(binary)
    assert head["ChecksumCRC32"] in (f"{composite}-4", composite)  # S3 adds "-4"; moto not
    # The ETag the result reports is the object's, as S3 computed it.
    md5s = b"".join(hashlib.md5(piece).digest() for piece in slices(data))
    assert result.etag == f"{hashlib.md5(md5s).hexdigest()}-4"  # type: ignore[attr-defined]


def test_over_plain_http_every_body_is_signed_with_its_own_sha256(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """The engine hashes each body for SigV4 in its checksum pass (coachadmin.s3.signing):
    the signature must cover exactly the bytes sent, part by part and for a single PUT."""
    bucket = make_bucket(s3_server)
    big = write_random(tmp_path / "lesson.mp4", 2 * PART + 777)
    small = write_random(tmp_path / "cover.png", 4321)
    run(eng, tmp_path / "lesson.mp4", bucket, "lesson.mp4")
    run(eng, tmp_path / "cover.png", bucket, "cover.png")

    def sha256(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    assert [r.headers.get("x-amz-content-sha256") for r in parts_sent(proxy)] == [
        sha256(piece) for piece in slices(big)
    ]
    puts = [
        r for r in proxy.stats.requests if r.method == "PUT" and r.target.endswith("/cover.png")
    ]
    assert [r.headers.get("x-amz-content-sha256") for r in puts] == [sha256(small)]
    assert get_bytes(s3_server, bucket, "lesson.mp4") == big
    assert get_bytes(s3_server, bucket, "cover.png") == small


def test_a_server_that_ignores_the_checksum_algorithm_gets_content_md5(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """The proxy plays a server that takes CreateMultipartUpload but not its algorithm:
    it answers with a real upload created without one, and no ChecksumAlgorithm."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 2 * PART + 1)
    plain = make_client(S3Settings(endpoint_url=s3_server))
    upload_id = plain.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult>'
        f"<Bucket>{bucket}</Bucket><Key>k</Key><UploadId>{upload_id}</UploadId>"
        "</InitiateMultipartUploadResult>"
    ).encode()
    proxy.add_fault(asks_for_crc32, Fault("status", code=200, body=body))

    transfer_id, result = run(eng, tmp_path / "lesson.mp4", bucket)

    assert get_bytes(s3_server, bucket, "k") == data
    sent = parts_sent(proxy)
    assert [r.headers.get("content-md5") for r in sent] == [
        base64.b64encode(hashlib.md5(piece).digest()).decode() for piece in slices(data)
    ]
    assert not any("x-amz-checksum-crc32" in r.headers for r in sent)
    assert result.verified == "etag"  # type: ignore[attr-defined]
    assert eng.journal.get_upload(transfer_id).checksum_algorithm == "md5"


def test_a_server_that_refuses_the_checksum_algorithm_is_asked_again_without_it(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", PART + 1)
    refusal = b"<Error><Code>NotImplemented</Code><Message>no checksums</Message></Error>"
    proxy.add_fault(asks_for_crc32, Fault("status", code=501, body=refusal))

    _transfer_id, result = run(eng, tmp_path / "lesson.mp4", bucket)

    assert get_bytes(s3_server, bucket, "k") == data
    creates = [r for r in proxy.stats.requests if is_create(r)]
    assert [r.headers.get("x-amz-checksum-algorithm") for r in creates] == ["CRC32", None]
    assert result.verified == "etag"  # type: ignore[attr-defined]
    assert len(multipart_uploads(s3_server, bucket)) == 0


def test_a_crc32_part_the_journal_missed_is_adopted_on_resume(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    """The process died between the server's reply for part 2 and the journal write."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 3 * PART + 7)
    record = eng.prepare(tmp_path / "big", bucket, "k")
    client = make_client(S3Settings(endpoint_url=s3_server))
    upload_id = client.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32")[
        "UploadId"
    ]
    eng.journal.update_upload(
        record.id, upload_id=upload_id, checksum_algorithm="crc32", state="uploading"
    )
    for number, piece in enumerate(slices(data)[:2], start=1):
        etag = client.upload_part(
            Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=number, Body=piece,
            ChecksumCRC32=crc32_b64(piece),
        )["ETag"].strip('"')  # fmt: skip
        if number == 1:
            eng.journal.record_part(record.id, PartRecord(1, etag, crc32_b64(piece), PART))

    result = eng.uploader(record.id).run()

    assert get_bytes(s3_server, bucket, "k") == data
    assert result.bytes_sent == PART + 7  # only parts 3 and 4 went up again
    assert result.verified == "checksum"


def test_a_part_checksum_that_does_not_match_the_object_fails_the_upload(
    s3_server: str, tmp_path: Path
) -> None:
    """A journal whose CRC32 for a part is not what the server stored: never a success."""
    eng = engine(s3_server, replace(SMALL, concurrency=1, max_events_per_second=0))
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "big", 3 * PART)
    record = eng.prepare(tmp_path / "big", bucket, "k")
    control = TransferControl()

    def pause_after_first_part(event: TransferEvent) -> None:
        if event.bytes_done >= PART and event.state == TransferState.UPLOADING:
            control.pause()

    runner = eng.uploader(record.id, sink=pause_after_first_part, control=control)
    with pytest.raises(TransferPaused):
        runner.run()
    assert eng.journal.parts(record.id), "some parts should be journaled before the pause"
    with sqlite3.connect(paths.journal_path()) as db:
        db.execute("UPDATE parts SET checksum='AAAAAA==' WHERE transfer_id=?", (record.id,))

    with pytest.raises(IntegrityError, match="does not match the file"):
        eng.uploader(record.id).run()
    assert eng.journal.get_upload(record.id).state == "failed"


def test_a_put_whose_reply_shows_the_files_md5_needs_no_second_look(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """200 small files dropped at once cost one HeadObject each (the key must be free),
    not two: the PUT's ETag already proves the object."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "cover.png", 1000)
    _, result = run(eng, tmp_path / "cover.png", bucket, "cover.png")
    assert result.verified == "etag"  # type: ignore[attr-defined]
    assert [r.method for r in proxy.stats.requests].count("HEAD") == 1
    assert get_bytes(s3_server, bucket, "cover.png") == data


def test_a_reply_that_proves_nothing_is_checked_against_the_object(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """The proxy answers the PUT itself, "200" without an ETag, and forwards nothing: the
    engine asks for the object, finds none, and reports that rather than a success."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "cover.png", 1000)
    proxy.add_fault(
        lambda r: r.method == "PUT" and "/cover.png" in r.target,
        Fault("status", code=200, body=b""),
    )
    with pytest.raises(IntegrityError, match="missing right after the upload"):
        run(eng, tmp_path / "cover.png", bucket, "cover.png")
    assert [r.method for r in proxy.stats.requests].count("HEAD") == 2  # before and after


def test_a_refused_create_fails_the_upload_before_any_part_is_sent(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """The first parts are hashed while CreateMultipartUpload is under way; its refusal
    is what the user hears, and no part goes out."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", 3 * PART)
    denied = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
    proxy.add_fault(is_create, Fault("status", code=403, body=denied), times=10)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k")

    with pytest.raises(AccessDenied, match="access denied"):
        eng.uploader(record.id).run()

    assert parts_sent(proxy) == []
    assert eng.journal.get_upload(record.id).upload_id is None
    assert multipart_uploads(s3_server, bucket) == []


def test_the_key_is_checked_in_the_round_trip_that_creates_the_upload(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """CreateMultipartUpload goes out while the key's HeadObject is still unanswered."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 2 * PART)
    proxy.add_fault(lambda r: r.method == "HEAD", Fault("stall", seconds=1.0))
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k", key_check=KeyCheck.WITH_CREATE)

    eng.uploader(record.id, check_key=True).run()

    assert get_bytes(s3_server, bucket, "k") == data
    requests = proxy.stats.requests
    heads = [i for i, r in enumerate(requests) if r.method == "HEAD"]
    create = next(i for i, r in enumerate(requests) if is_create(r))
    first_part = next(i for i, r in enumerate(requests) if r.is_upload_part)
    # The create did not wait for the stalled check nor its retry; the parts waited for both.
    assert create < heads[1] < first_part


def test_a_key_check_that_fails_alongside_the_create_leaves_nothing_to_resume(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """As when the check fails while the upload is prepared: a resume would not ask again."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", 2 * PART)
    denied = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
    proxy.add_fault(lambda r: r.method == "HEAD", Fault("status", code=403, body=denied), times=9)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k", key_check=KeyCheck.WITH_CREATE)

    with pytest.raises(AccessDenied):
        eng.uploader(record.id, check_key=True).run()

    assert parts_sent(proxy) == []
    assert multipart_uploads(s3_server, bucket) == []
    assert eng.journal.list_uploads() == []
