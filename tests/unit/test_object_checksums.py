"""S3's checksum algorithms against their published check values ("123456789")."""

from __future__ import annotations

import base64
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
