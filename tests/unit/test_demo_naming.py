"""The platform's object naming: FOLDER/BASENAME-TIMESTAMP-RANDOM.EXT."""

from __future__ import annotations

import random
import re

import pytest

from coachadmin.s3.naming import platform_key, slugify

KEY = re.compile(
    r"^(?P<folder>[a-z/]+)/(?P<base>[a-z0-9-]+)-(?P<stamp>\d{13})-(?P<rand>\d{4})(?P<ext>\.[a-z0-9]+)?$"
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Intro", "intro"),
        ("My Intro (final) v2", "my-intro-final-v2"),
        ("  --Ünïcode Übung ", "unicode-ubung"),
        ("日本語", "file"),
        ("!!!", "file"),
        ("", "file"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_platform_key_has_the_platform_shape() -> None:
    key = platform_key("videos", "My Intro.MP4", timestamp_ms=1767434839123, rng=random.Random(1))
    found = KEY.match(key)
    assert found, key
    assert found["folder"] == "videos"
    assert found["base"] == "my-intro"
    assert found["stamp"] == "1767434839123"
    assert found["ext"] == ".mp4"


def test_platform_key_keeps_only_the_file_name_of_a_path() -> None:
    key = platform_key(
        "images/", r"C:\Users\ada\Pictures\cover.PNG", timestamp_ms=1, rng=random.Random(2)
    )
    assert key.startswith("images/cover-1-")
    assert key.endswith(".png")


def test_platform_key_without_extension_and_with_current_time() -> None:
    key = platform_key("uploads", "README")
    found = KEY.match(key)
    assert found, key
    assert found["ext"] is None
    assert found["base"] == "readme"


def test_same_seed_gives_the_same_key() -> None:
    first = platform_key("videos", "a.mp4", timestamp_ms=5, rng=random.Random(7))
    second = platform_key("videos", "a.mp4", timestamp_ms=5, rng=random.Random(7))
    assert first == second
