"""When a part's body is hashed for SigV4: only where no checksum header guards it.

No server speaks HTTPS here, so the signed request is caught just before it would
be sent (botocore's ``before-send`` event), and sending stops there.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from coachadmin.s3.client import S3Settings, make_client

BODY = b"x" * 100_000


class _Signed(Exception):
    """Raised where the request would go out: it is signed by then."""


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def signed_payload(endpoint: str, **checksum: str) -> str:
    """The X-Amz-Content-SHA256 an UploadPart to ``endpoint`` is signed with."""
    client = make_client(
        S3Settings(
            endpoint_url=endpoint, region="eu-north-1", access_key="testing", secret_key="testing"
        )
    )
    seen: dict[str, str] = {}

    def capture(request: Any, **_kwargs: Any) -> None:
        seen.update({k.lower(): _text(v) for k, v in request.headers.items()})
        raise _Signed

    client.meta.events.register("before-send.s3.UploadPart", capture)
    with pytest.raises(_Signed):
        client.upload_part(Bucket="b", Key="k", UploadId="u", PartNumber=1, Body=BODY, **checksum)  # type: ignore[arg-type]
    return seen["x-amz-content-sha256"]


@pytest.mark.parametrize(
    "checksum",
    [
        {"ChecksumAlgorithm": "CRC32", "ChecksumCRC32": "AAAAAA=="},
        {"ContentMD5": "1B2M2Y8AsgTpgAmY7PhCfg=="},
    ],
)
def test_over_https_a_checksummed_part_is_not_hashed_again(checksum: dict[str, str]) -> None:
    assert signed_payload("https://s3.example.test", **checksum) == "UNSIGNED-PAYLOAD"


def test_over_plain_http_the_body_is_always_signed() -> None:
    crc = {"ChecksumAlgorithm": "CRC32", "ChecksumCRC32": "AAAAAA=="}
    assert signed_payload("http://127.0.0.1:9", **crc) == hashlib.sha256(BODY).hexdigest()


def test_over_https_a_part_without_a_checksum_is_signed() -> None:
    assert signed_payload("https://s3.example.test") == hashlib.sha256(BODY).hexdigest()
