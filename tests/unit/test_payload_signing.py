"""When a part's body is hashed for SigV4: only where no checksum header guards it,
and never by reading a body that already knows its SHA-256.

No server speaks HTTPS here, so the signed request is caught just before it would
be sent (botocore's ``before-send`` event), and sending stops there.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings

BODY = b"x" * 100_000


class _Signed(Exception):
    """Raised where the request would go out: it is signed by then."""


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _client(endpoint: str) -> Any:
    settings = S3Settings(
        endpoint_url=endpoint, region="eu-north-1", access_key="testing", secret_key="testing"
    )
    return make_client(settings)


def signed_payload(
    endpoint: str, body: Any = BODY, operation: str = "UploadPart", **checksum: str
) -> str:
    """The X-Amz-Content-SHA256 an UploadPart (or PutObject) to ``endpoint`` is signed with."""
    client = _client(endpoint)
    seen: dict[str, str] = {}

    def capture(request: Any, **_kwargs: Any) -> None:
        seen.update({k.lower(): _text(v) for k, v in request.headers.items()})
        raise _Signed

    client.meta.events.register(f"before-send.s3.{operation}", capture)
    with pytest.raises(_Signed):
        if operation == "UploadPart":
            client.upload_part(
                Bucket="b", Key="k", UploadId="u", PartNumber=1, Body=body, **checksum
            )
        else:
            client.put_object(Bucket="b", Key="k", Body=body, **checksum)
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


class _KnowsItsHash(io.BytesIO):
    """A body that carries its SHA-256, as the engine's PartBody does, and counts reads."""

    def __init__(self, data: bytes, sha256: str) -> None:
        super().__init__(data)
        self.payload_sha256 = sha256
        self.reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        return super().read(size)


@pytest.mark.parametrize("operation", ["UploadPart", "PutObject"])
def test_over_plain_http_a_body_that_knows_its_sha256_is_signed_without_reading_it(
    operation: str,
) -> None:
    body = _KnowsItsHash(BODY, hashlib.sha256(BODY).hexdigest())
    assert signed_payload("http://127.0.0.1:9", body, operation) == body.payload_sha256
    assert body.reads == 0


def test_presigned_urls_keep_botocores_signer() -> None:
    url = _client("http://127.0.0.1:9").generate_presigned_url(
        "put_object", Params={"Bucket": "b", "Key": "k"}
    )
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Signature=" in url
