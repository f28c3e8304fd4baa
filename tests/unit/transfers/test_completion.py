"""What proves a finished upload: the reply when it shows the file's checksum, else the object.

The client points at a port where nothing listens, so any request would fail:
a verification that needs none passes, one that asks the server cannot.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers import integrity
from coachadmin.transfers.completion import Finisher
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.errors import TransferError
from coachadmin.transfers.journal import UploadRecord

PARTS = ["AAAAAQ==", "AAAAAg==", "AAAAAw=="]
COMPOSITE = integrity.composite_crc32(PARTS)
MD5S = [integrity.md5_hex(b"one"), integrity.md5_hex(b"two")]


@pytest.fixture
def finisher() -> Finisher:
    config = replace(TransferConfig(), max_attempts=1, connect_timeout=1)
    settings = S3Settings(endpoint_url="http://127.0.0.1:9", access_key="testing",
                          secret_key="testing", region="eu-north-1")  # fmt: skip
    client = make_client(settings, max_attempts=1, connect_timeout=1)

    def retry_args() -> dict[str, Any]:
        return {"max_attempts": 1, "base": 0.0, "cap": 0.0, "bucket": "b", "key": "k"}

    return Finisher(client, config, retry_args)


def record(algorithm: str) -> UploadRecord:
    return UploadRecord("t", "/f", 3, 0, 5, "b", "k", "verifying", checksum_algorithm=algorithm)


def test_a_completion_reply_with_the_files_composite_checksum_is_proof(finisher: Finisher) -> None:
    reply = {
        "ETag": '"9b2cf535f27731c974343645a3985328-3"',
        "ChecksumCRC32": COMPOSITE,
    }  # S3 shows "<crc>-3"
    verified = finisher.verify(record("crc32"), reply, integrity.CRC32, COMPOSITE)
    assert verified == ("9b2cf535f27731c974343645a3985328-3", "checksum")


def test_a_reply_with_the_files_etag_is_proof(finisher: Finisher) -> None:
    expected = integrity.multipart_etag(MD5S)
    verified = finisher.verify(record("md5"), {"ETag": f'"{expected}"'}, integrity.MD5, expected)
    assert verified == (expected, "etag")


@pytest.mark.parametrize(
    ("algorithm", "reply"),
    [
        ("crc32", {"ETag": '"x-3"'}),  # no checksum shown (moto's replies)
        ("crc32", {"ETag": '"x-3"', "ChecksumCRC32": "AAAAAA==-3"}),  # not the file's
        ("md5", {"ETag": '"0123456789abcdef0123456789abcdef-2"'}),  # not the file's
        ("md5", {}),
    ],
)
def test_any_other_reply_sends_the_engine_to_the_object(
    finisher: Finisher, algorithm: str, reply: dict[str, str]
) -> None:
    expected = COMPOSITE if algorithm == "crc32" else integrity.multipart_etag(MD5S)
    with pytest.raises(TransferError):  # it asked the (absent) server
        finisher.verify(record(algorithm), reply, algorithm, expected)
