"""S3's checksum algorithms against their published check values ("123456789")."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path

import pytest

from coachadmin.transfers import object_checksums

CHECK = b"123456789"


@pytest.mark.parametrize(
    ("algorithm", "value"),
    [
        ("CRC32", "cbf43926"),
        ("CRC32C", "e3069283"),
        ("CRC64NVME", "ae8b14860a799888"),
        ("SHA1", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"),
    ],
)
def test_check_values(algorithm: str, value: str) -> None:
    digest = object_checksums.new_digest(algorithm)
    digest.update(CHECK[:4])
    digest.update(CHECK[4:])
    assert digest.digest().hex() == value


def test_a_composite_is_the_checksum_of_the_parts_checksums(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(CHECK)
    parts = [b"1234", b"56789"]
    raw = b""
    for part in parts:
        digest = object_checksums.new_digest("CRC32C")
        digest.update(part)
        raw += digest.digest()
    whole = object_checksums.new_digest("CRC32C")
    whole.update(raw)
    expected = base64.b64encode(whole.digest()).decode() + "-2"
    digests = object_checksums.file_digests(tmp_path / "f", "CRC32C", [4, 5])
    assert object_checksums.combined("CRC32C", digests) + "-2" == expected


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
def test_large_buffers_in_slices_give_the_one_pass_value(algorithm: str) -> None:
    """The CRCs hash large buffers outside the GIL, and downloads feed them memoryview
    slices of reused buffers: the value must not depend on how the bytes are cut."""
    data = bytes(range(256)) * 4099  # ~1 MiB, not a multiple of any block size
    whole = object_checksums.new_digest(algorithm)
    whole.update(data)
    sliced = object_checksums.new_digest(algorithm)
    view = memoryview(bytearray(data))
    for start in range(0, len(data), 300_007):
        sliced.update(view[start : start + 300_007])
    assert sliced.digest() == whole.digest()
    if algorithm == "CRC32":  # and the same value as the standard library's
        assert whole.digest() == zlib.crc32(data).to_bytes(4, "big")
