"""Checksums: per-part Content-MD5 and the ETag S3 computes from them.

For a single PUT, S3's ETag is the hex MD5 of the object. For a multipart
upload it is the MD5 of the concatenated binary MD5s of the parts, then
``-N`` for N parts. Both hold only for objects without SSE-KMS; other ETags
are "opaque" and we fall back to the size plus the per-part Content-MD5 that
S3 itself verified on receipt (see docs/transfers.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

_MD5_ETAG = re.compile(r"^[0-9a-f]{32}(-\d+)?$")
EMPTY_MD5 = hashlib.md5(b"", usedforsecurity=False).hexdigest()


def md5_hex(data: bytes | bytearray | memoryview) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def content_md5(hex_digest: str) -> str:
    """The Content-MD5 header value (base64 of the binary digest) for a hex MD5."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def clean_etag(etag: str) -> str:
    return etag.strip().strip('"').lower()


def is_md5_etag(etag: str) -> bool:
    """True when ``etag`` is an MD5 (plain or multipart form) we can check."""
    return bool(_MD5_ETAG.match(clean_etag(etag)))


def multipart_etag(part_md5s: Iterable[str]) -> str:
    """The ETag S3 gives a multipart object whose parts have these hex MD5s."""
    digests = [bytes.fromhex(m) for m in part_md5s]
    combined = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
    return f"{combined}-{len(digests)}"


def file_md5s(path: Path, part_size: int, *, chunk: int = 1 << 20) -> list[str]:
    """Hex MD5 of each ``part_size`` slice of the file, reading ``chunk`` bytes at a time."""
    result: list[str] = []
    with path.open("rb") as handle:
        while True:
            digest = hashlib.md5(usedforsecurity=False)
            remaining = part_size
            while remaining:
                data = handle.read(min(chunk, remaining))
                if not data:
                    break
                digest.update(data)
                remaining -= len(data)
            if remaining == part_size:  # read nothing: end of file
                break
            result.append(digest.hexdigest())
    return result or [EMPTY_MD5]


def expected_etag(part_md5s: list[str], *, multipart: bool) -> str:
    return multipart_etag(part_md5s) if multipart else part_md5s[0]
