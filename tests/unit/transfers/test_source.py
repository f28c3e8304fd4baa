"""The lazy part reader: the right bytes, counted as sent, never the whole part in memory."""

from __future__ import annotations

import base64
import hashlib
import zlib
from pathlib import Path

import pytest

from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import SourceFileError, TransferCancelled
from coachadmin.transfers.events import ProgressTracker, TransferKind
from coachadmin.transfers.source import (
    READ_CHUNK,
    REPORT_STEP,
    Fingerprint,
    PartBody,
    SourceChanged,
    check_source,
    range_checksums,
)


def test_part_body_serves_its_slice_in_any_read_sizes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 20_000  # ~5 MiB
    (tmp_path / "f").write_bytes(data)
    offset, length = 1_000_003, 3 * READ_CHUNK + 17
    body = PartBody(tmp_path / "f", offset, length, None, TransferControl())
    got = []
    for size in (1, 16384, READ_CHUNK, 7, 5_000_000):
        got.append(body.read(size))
    got.append(body.read())
    assert b"".join(got) == data[offset : offset + length]
    body.seek(10)
    assert body.read(5) == data[offset + 10 : offset + 15]
    body.close()


def test_bytes_are_counted_only_while_sending_and_rolled_back_on_failure(tmp_path: Path) -> None:
    size = 3 * REPORT_STEP + 1000
    (tmp_path / "f").write_bytes(b"x" * size)
    tracker = ProgressTracker(
        lambda _e: None, transfer_id="t", kind=TransferKind.UPLOAD, total=size
    )
    body = PartBody(tmp_path / "f", 0, size, tracker, TransferControl())
    body.signal_not_transferring()  # botocore hashing the payload to sign it
    assert len(body.read(-1)) == size
    assert tracker.bytes_done == 0
    body.seek(0)
    body.signal_transferring()
    while body.tell() < REPORT_STEP + 16384:  # as urllib3 sends: 16 KiB at a time
        body.read(16384)
    assert tracker.bytes_done == REPORT_STEP  # progress moves in steps...
    body.rollback()  # the attempt failed
    assert tracker.bytes_done == 0
    body.seek(0)
    while body.read(16384):
        pass
    assert tracker.bytes_done == size  # ...and the end of a part is always reported
    body.seek(REPORT_STEP)  # botocore rewinds to resend: what goes again is un-counted
    assert tracker.bytes_done == REPORT_STEP
    body.close()


def test_cancel_stops_a_half_sent_part(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 100_000)
    control = TransferControl()
    body = PartBody(tmp_path / "f", 0, 100_000, None, control)
    body.read(10)
    control.cancel()
    with pytest.raises(TransferCancelled):
        body.read(10)
    body.close()


def test_range_checksums_hash_the_slice_in_one_pass(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10_000
    path = tmp_path / "f"
    path.write_bytes(data)
    offset, length = 12_345, 2 * READ_CHUNK + 99  # spans several reads
    got = range_checksums(path, offset, length, check_source(path), ["md5", "crc32"])
    piece = data[offset : offset + length]
    crc = zlib.crc32(piece).to_bytes(4, "big")
    assert got == {
        "md5": hashlib.md5(piece).hexdigest(),
        "crc32": base64.b64encode(crc).decode(),
    }


def test_range_checksums_notice_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 1000)
    fingerprint = check_source(path)
    range_checksums(path, 0, 1000, fingerprint, ["md5"])
    path.write_bytes(b"b" * 1001)
    with pytest.raises(SourceChanged):
        range_checksums(path, 0, 1000, fingerprint, ["md5"])


#: A file whose reads fail with EIO, as a file on a drive unplugged mid-read: Linux's
#: /proc/self/mem at address 0, which nothing maps.
UNREADABLE = Path("/proc/self/mem")
READS_FAIL = pytest.mark.skipif(not UNREADABLE.exists(), reason="needs Linux's /proc/self/mem")


@READS_FAIL
def test_a_read_error_while_hashing_is_the_file_not_the_code() -> None:
    with pytest.raises(SourceChanged):
        range_checksums(UNREADABLE, 0, 1000, Fingerprint(1000, 0), ["md5"])


@READS_FAIL
def test_a_read_error_while_sending_is_the_file_not_the_network() -> None:
    """Raised from the body's read, SourceChanged passes through urllib3 and botocore
    (an OSError would be taken for a dropped connection and the part sent again)."""
    body = PartBody(UNREADABLE, 0, 1000, None, TransferControl())
    with pytest.raises(SourceChanged):
        body.read(100)
    body.close()


def test_check_source_explains_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="does not exist"):
        check_source(tmp_path / "missing")
    with pytest.raises(SourceFileError, match="is a directory"):
        check_source(tmp_path)
