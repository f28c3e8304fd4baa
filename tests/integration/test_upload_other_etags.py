"""Multipart uploads to servers whose finished ETag is not ``md5(concat(part MD5s))-N``.

moto over HTTP; the fault proxy plays the server: it creates the upload without a
checksum algorithm (so the parts carry Content-MD5, as for a server without CRC32)
and gives the completed object another ETag: the whole object's MD5 (some
S3-compatible stores), or one of its own (SSE-KMS, SSE-C, others).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from coachadmin.transfers.errors import IntegrityError
from tests.support.faultproxy import Fault, FaultProxy, Reply, Request
from tests.support.s3shapes import EVERY, OpaqueEtags
from tests.support.transfers import SMALL, Engine, engine, get_bytes, make_bucket, write_random

PART = SMALL.part_size
NO_LIST_PARTS = (
    b"<Error><Code>MethodNotAllowed</Code><Message>The specified method is not allowed "
    b"against this resource.</Message></Error>"
)


def is_create(request: Request) -> bool:
    return request.method == "POST" and request.target.endswith("?uploads")


def is_complete(request: Request) -> bool:
    return request.method == "POST" and "uploadId=" in request.target


def is_list_parts(request: Request) -> bool:
    return request.method == "GET" and "uploadId=" in request.target


def without_checksums(proxy: FaultProxy) -> None:
    """CreateMultipartUpload reaches the server without ChecksumAlgorithm: MD5 parts."""

    def strip(headers: dict[str, str]) -> dict[str, str]:
        headers.pop("x-amz-checksum-algorithm", None)
        return headers

    proxy.add_fault(is_create, Fault("rewrite", request=strip), times=EVERY)


def answer_whole_md5(proxy: FaultProxy, whole: str) -> None:
    """The completed 3-part object's ETag becomes ``whole`` (as a whole object's MD5)."""

    def whole_md5(request: Request, reply: Reply) -> Reply:
        if "etag" in reply.headers:
            reply.headers["etag"] = f'"{whole}"'
        reply.body = re.sub(rb"[0-9a-f]{32}-3", whole.encode(), reply.body)
        return reply

    proxy.add_fault(
        lambda r: is_complete(r) or r.method == "HEAD",
        Fault("rewrite", reply=whole_md5),
        times=EVERY,
    )


@pytest.fixture
def eng(proxy: FaultProxy) -> Engine:
    without_checksums(proxy)
    return engine(proxy.url)


def upload(eng: Engine, path: Path, bucket: str) -> tuple[str, object]:
    record = eng.prepare(path, bucket, "k")
    return record.id, eng.uploader(record.id).run()


def test_an_etag_of_its_own_is_no_corruption_when_the_parts_were_confirmed(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 3 * PART + 99)
    OpaqueEtags(encryption="", only=lambda r: is_complete(r) or r.method == "HEAD").install(proxy)

    transfer_id, result = upload(eng, tmp_path / "lesson.mp4", bucket)

    assert get_bytes(s3_server, bucket, "k") == data
    assert result.verified == "size+part-checksums"  # type: ignore[attr-defined]
    assert eng.journal.get_upload(transfer_id).state == "done"
    methods = [r for r in proxy.stats.requests if is_list_parts(r) or is_complete(r)]
    assert [is_list_parts(r) for r in methods] == [True, False]  # ListParts, then complete


def test_a_whole_object_md5_etag_is_checked_against_the_file(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 2 * PART + 1)
    whole = hashlib.md5(data).hexdigest()
    answer_whole_md5(proxy, whole)

    transfer_id, result = upload(eng, tmp_path / "lesson.mp4", bucket)

    assert result.verified == "etag"  # type: ignore[attr-defined]
    assert result.etag == whole  # type: ignore[attr-defined]
    assert eng.journal.get_upload(transfer_id).state == "done"


@pytest.mark.parametrize("same", [True, False], ids=["the file's", "another"])
def test_without_list_parts_a_whole_object_md5_is_proof_and_only_the_file_s(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path, same: bool
) -> None:
    """A store with no ListParts that gives a multipart object its whole MD5 as ETag
    (s3rver does): the file's MD5 proves the object; any other MD5 is a mismatch."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 2 * PART + 1)
    whole = hashlib.md5(data if same else data + b"!").hexdigest()
    answer_whole_md5(proxy, whole)
    proxy.add_fault(is_list_parts, Fault("status", code=405, body=NO_LIST_PARTS), times=EVERY)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k")

    if same:
        result = eng.uploader(record.id).run()
        assert (result.verified, result.etag) == ("etag", whole)
        assert eng.journal.get_upload(record.id).state == "done"
    else:
        with pytest.raises(IntegrityError, match="does not match the file"):
            eng.uploader(record.id).run()
    assert any(is_list_parts(r) for r in proxy.stats.requests)
    assert get_bytes(s3_server, bucket, "k") == data


def test_a_part_the_server_holds_otherwise_fails_before_completion(
    eng: Engine, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """ListParts shows part 2 with another ETag: nothing is completed, the part is forgotten."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", 2 * PART + 1)

    def other_part(request: Request, reply: Reply) -> Reply:
        parts = reply.body.split(b"<Part>")
        parts[2] = re.sub(rb"[0-9a-f]{32}", b"0" * 32, parts[2], count=1)
        reply.body = b"<Part>".join(parts)
        return reply

    proxy.add_fault(is_list_parts, Fault("rewrite", reply=other_part))
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "k")

    with pytest.raises(IntegrityError, match=r"part 2 .* does not match the file"):
        eng.uploader(record.id).run()
    assert not any(is_complete(r) for r in proxy.stats.requests)
    assert sorted(eng.journal.parts(record.id)) == [1, 3]
    assert eng.journal.get_upload(record.id).state == "failed"
