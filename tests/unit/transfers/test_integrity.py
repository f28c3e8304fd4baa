"""ETags as S3 computes them."""

from __future__ import annotations

import hashlib
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
