from __future__ import annotations

from datetime import timedelta

import pytest

from coachadmin.errors import UsageError
from coachadmin.s3.presign import check_expiry, content_disposition, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("7d", timedelta(days=7)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90s", timedelta(seconds=90)),
        ("900", timedelta(seconds=900)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "1x", "h1", "1h and 2m", "-5m"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(UsageError, match="15m, 1h"):
        parse_duration(text)


def test_seven_days_is_the_longest_link() -> None:
    assert check_expiry(timedelta(days=7)) == timedelta(days=7)
    with pytest.raises(UsageError, match="7 days"):
        check_expiry(timedelta(days=7, seconds=1))


def test_a_link_must_live() -> None:
    with pytest.raises(UsageError):
        check_expiry(timedelta(0))


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("Intro lesson.mp4", 'attachment; filename="Intro lesson.mp4"'),
        (".vtt", 'attachment; filename=".vtt"'),  # an ASCII name is kept as it is
        (
            "中文.mp4",
            "attachment; filename=\"download.mp4\"; filename*=UTF-8''%E4%B8%AD%E6%96%87.mp4",
        ),
        ('a"b.mp4', "attachment; filename=\"a_b.mp4\"; filename*=UTF-8''a%22b.mp4"),
        ("x\x01y.mp4", 'attachment; filename="xy.mp4"'),
    ],
)
def test_the_download_name_is_written_as_rfc_6266_says(name: str, header: str) -> None:
    assert content_disposition(name) == header
