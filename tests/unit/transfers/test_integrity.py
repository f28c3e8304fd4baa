"""ETags and composite checksums as S3 computes them."""

from __future__ import annotations

import base64
import hashlib
import zlib
from pathlib import Path

from coachadmin.transfers import integrity


def test_multipart_etag_is_md5_of_part_md5s_then_count() -> None:
    parts = [b"a" * 10, b"b" * 10, b"c"]
    md5s = [hashlib.md5(p).hexdigest() for p in parts]
    expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    assert integrity.multipart_etag(md5s) == f"{expected}-3"


def test_file_md5s_slice_the_file_by_part(tmp_path: Path) -> None:
    data = bytes(range(256)) * 100
    (tmp_path / "f").write_bytes(data)
    md5s = integrity.file_md5s(tmp_path / "f", 10_000, chunk=3000)
    assert md5s == [
        hashlib.md5(data[i : i + 10_000]).hexdigest() for i in range(0, len(data), 10_000)
    ]
    (tmp_path / "empty").write_bytes(b"")
    assert integrity.file_md5s(tmp_path / "empty", 10) == [integrity.EMPTY_MD5]


def test_etag_forms() -> None:
    assert integrity.is_md5_etag('"d41d8cd98f00b204e9800998ecf8427e"')
    assert integrity.is_md5_etag("d41d8cd98f00b204e9800998ecf8427e-12")
    assert not integrity.is_md5_etag("not-an-md5")
    assert integrity.content_md5(integrity.EMPTY_MD5) == "1B2M2Y8AsgTpgAmY7PhCfg=="


def _crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_crc32_part_checksum_is_base64_of_the_big_endian_crc() -> None:
    hasher = integrity.hasher(integrity.CRC32)
    hasher.update(b"hello ")
    hasher.update(memoryview(b"world"))
    assert hasher.value() == _crc32_b64(b"hello world")
    # S3's documented value for an empty body.
    assert integrity.hasher(integrity.CRC32).value() == "AAAAAA=="


def test_composite_crc32_is_crc_of_the_part_crcs_then_count() -> None:
    parts = [b"a" * 10, b"b" * 10, b"c"]
    binary = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    expected = f"{_crc32_b64(binary)}-3"
    composite = integrity.composite_crc32(_crc32_b64(p) for p in parts)
    assert composite == expected
    assert integrity.expected_multipart(integrity.CRC32, [_crc32_b64(p) for p in parts]) == expected


def test_a_composite_shown_with_or_without_its_count_is_compared_by_value() -> None:
    assert integrity.same_composite("Iqmgsg==-3", "Iqmgsg==-3")
    assert integrity.same_composite("Iqmgsg==", "Iqmgsg==-3")
    assert not integrity.same_composite("Iqmgsg==-2", "Iqmgsg==-3")
    assert not integrity.same_composite("AAAAAA==-3", "Iqmgsg==-3")


def test_part_checksum_args_name_the_header_the_server_verifies() -> None:
    assert integrity.part_checksum_args(integrity.CRC32, "AAAAAA==") == {
        "ChecksumAlgorithm": "CRC32",
        "ChecksumCRC32": "AAAAAA==",
    }
    assert integrity.part_checksum_args(integrity.MD5, integrity.EMPTY_MD5) == {
        "ContentMD5": "1B2M2Y8AsgTpgAmY7PhCfg=="
    }
