"""Checksums: what each part carries, and what the finished object must show.

A multipart upload's parts carry one of two checksums, chosen per upload:

- ``crc32`` (``x-amz-checksum-crc32``) where the server confirms the algorithm at
  CreateMultipartUpload. S3 verifies each part and gives the object a composite
  checksum, ``crc32(concat(binary part CRC32s))-N``, which we check. CRC32 costs a
  fifth of MD5's CPU time.
- ``md5`` (``Content-MD5``) everywhere else: every S3 implementation verifies it.
  The object's ETag is then ``md5(concat(binary part MD5s))-N``, which we check.

A single PUT always carries Content-MD5, and its ETag is the file's MD5. ETags of
SSE-KMS and SSE-C objects are "opaque": then the size is checked, and the parts
were verified by the server on receipt (see docs/transfers.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from coachadmin.transfers import object_checksums

MD5 = "md5"
CRC32 = "crc32"
#: Not a part checksum: the hex SHA-256 that SigV4 signs a body with over plain HTTP.
SHA256 = "sha256"

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
    size = path.stat().st_size
    sizes = [min(part_size, size - start) for start in range(0, size, part_size)]
    digests = object_checksums.file_digests(path, "MD5", sizes, chunk=chunk)
    return [digest.hex() for digest in digests] or [EMPTY_MD5]


class PartHasher(Protocol):
    def update(self, data: bytes | bytearray | memoryview) -> None: ...

    def value(self) -> str: ...


class _HexHasher:
    """A hashlib digest as hex: MD5 (the form S3 uses in ETags) or SHA-256 (SigV4's)."""

    def __init__(self, name: str) -> None:
        self._digest = hashlib.new(name, usedforsecurity=name != MD5)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._digest.update(data)

    def value(self) -> str:
        return self._digest.hexdigest()


class _Crc32Hasher:
    """Base64 of the big-endian CRC32, the form of S3's ``x-amz-checksum-crc32``."""

    def __init__(self) -> None:
        self._digest = object_checksums.new_digest("CRC32")

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._digest.update(data)

    def value(self) -> str:
        return object_checksums.encoded(self._digest.digest())


def hasher(algorithm: str) -> PartHasher:
    if algorithm == CRC32:
        return _Crc32Hasher()
    if algorithm in (MD5, SHA256):
        return _HexHasher(algorithm)
    raise ValueError(f"unknown part checksum {algorithm!r}")


def part_checksum_args(algorithm: str, value: str) -> dict[str, Any]:
    """The UploadPart parameters that make the server verify a part's ``value``."""
    if algorithm == CRC32:
        return {"ChecksumAlgorithm": "CRC32", "ChecksumCRC32": value}
    return {"ContentMD5": content_md5(value)}


def composite_crc32(part_crc32s: Iterable[str]) -> str:
    """The composite checksum S3 gives a multipart object whose parts have these CRC32s."""
    digests = [base64.b64decode(c) for c in part_crc32s]
    return f"{object_checksums.combined('CRC32', digests)}-{len(digests)}"


def same_composite(shown: str, expected: str) -> bool:
    """``shown`` (from the server, with or without its ``-N``) is the ``expected`` composite."""
    value, _, count = shown.strip().partition("-")
    want_value, _, want_count = expected.partition("-")
    return value == want_value and (not count or count == want_count)


def expected_multipart(algorithm: str, part_checksums: Iterable[str]) -> str:
    """What the finished multipart object must show: its composite CRC32 or its ETag."""
    if algorithm == CRC32:
        return composite_crc32(part_checksums)
    return multipart_etag(part_checksums)
