"""Part sizing within S3's limits, and size parsing."""

from __future__ import annotations

import sys

import pytest

from coachadmin.display import format_size
from coachadmin.errors import UsageError
from coachadmin.transfers.config import (
    MAX_OBJECT_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
    GiB,
    MiB,
    TiB,
    TransferConfig,
    most_parts_in_flight,
    parse_size,
    part_count,
    part_size_for,
    part_span,
    parts_in_flight,
)

#: AWS's maximum object size, "48.8 TiB": 10,000 parts of 5 GiB.
AWS_MAX = 53_687_091_200_000


@pytest.mark.parametrize(
    "size",
    [
        0,
        1,
        5 * MiB,
        1 * GiB,
        78 * GiB,
        81 * GiB,
        1 * TiB,
        5 * TiB + 1,
        20 * TiB,
        AWS_MAX - 1,
        AWS_MAX,
    ],
)
def test_any_file_up_to_48_8_tib_fits_in_10000_parts_of_5_mib_to_5_gib(size: int) -> None:
    part = part_size_for(size)
    assert part >= MIN_PART_SIZE
    assert part_count(size, part) <= MAX_PARTS
    assert part <= 5 * GiB


def test_the_parts_of_a_file_cover_it_end_to_end_the_last_one_short() -> None:
    spans = [part_span(12, 5, n) for n in range(1, part_count(12, 5) + 1)]
    assert spans == [(0, 5), (5, 5), (10, 2)]


def test_the_preferred_part_size_is_kept_while_it_fits() -> None:
    assert part_size_for(5 * GiB) == 8 * MiB
    assert part_size_for(5 * GiB, 16 * MiB) == 16 * MiB
    assert part_size_for(100, 1 * MiB) == MIN_PART_SIZE


def test_the_largest_file_gets_the_largest_parts() -> None:
    assert MAX_OBJECT_SIZE == AWS_MAX
    assert part_size_for(AWS_MAX) == 5 * GiB
    assert part_size_for(AWS_MAX, 6 * GiB) == 5 * GiB
    assert part_size_for(6 * TiB) == 630 * MiB  # ceil(6 TiB / 10,000) in whole MiB


def test_a_file_over_48_8_tib_is_refused() -> None:
    with pytest.raises(UsageError, match=r"at most 48\.8 TiB"):
        part_size_for(AWS_MAX + 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5242880", 5 * MiB),
        ("8MiB", 8 * MiB),
        ("16M", 16 * MiB),
        ("1g", GiB),
        ("1.5 GiB", 3 * GiB // 2),
        ("64k", 65536),
    ],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "5 MB per second", "-1"])
def test_parse_size_refuses_nonsense(text: str) -> None:
    with pytest.raises(UsageError, match="not a size"):
        parse_size(text)


def test_one_size_format_for_the_whole_app_following_the_platform() -> None:
    """Finder and GNOME Files count 1 KB = 1,000 bytes; Explorer 1,024 bytes, written KB."""
    assert format_size(0) == "0 bytes" and format_size(1) == "1 byte"
    assert format_size(1536, decimal=True) == "1.5 KB"
    assert format_size(1536, decimal=False) == "1.5 KB"
    assert format_size(1000, decimal=False) == "1,000 bytes"
    assert format_size(12 * MiB, decimal=False) == "12.0 MB"
    assert format_size(12 * MiB, decimal=True) == "12.6 MB"
    assert format_size(3 * TiB, decimal=False) == "3.0 TB"
    assert format_size(999_960, decimal=True) == "1.0 MB"
    assert format_size(250 * 10**9, decimal=True) == "250 GB"
    assert format_size(1536) == format_size(1536, decimal=sys.platform != "win32")


def test_overrides_lower_the_threshold_with_the_part_size() -> None:
    config = TransferConfig().with_overrides(part_size=5 * MiB, concurrency=2)
    assert (config.part_size, config.multipart_threshold, config.concurrency) == (
        5 * MiB,
        5 * MiB,
        2,
    )


def test_uploads_grow_their_parts_in_flight_unless_the_number_is_given() -> None:
    assert (parts_in_flight(TransferConfig()), most_parts_in_flight(TransferConfig())) == (10, 32)
    fixed = TransferConfig().with_overrides(concurrency=4)
    assert (parts_in_flight(fixed), most_parts_in_flight(fixed)) == (4, 4)
    assert most_parts_in_flight(TransferConfig(concurrency=40)) == 40  # never below the start
