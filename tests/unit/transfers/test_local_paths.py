"""Keys become local paths inside the chosen folder, whatever the key (any bucket writer
chooses them): generated keys with '..', '.', both OSes' separators, control characters,
NFC/NFD forms and 1,024-byte names."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachadmin.display import printable
from coachadmin.transfers.local_paths import (
    UnsafeKey,
    clash_key,
    local_path_for,
    open_partial,
    safe_name,
    unclashing,
)

SEGMENTS = st.one_of(
    st.sampled_from(["..", ".", "", "...", ". .", "CON", "nul.txt", "a\\..\\b", "..\\..\\x"]),
    st.text(min_size=1, max_size=40),
    st.text(alphabet="\\/.:\x00\x1b\x07\u202e éé", min_size=1, max_size=12),
    st.text(min_size=200, max_size=1024),
)
KEYS = st.lists(SEGMENTS, min_size=1, max_size=6).map("/".join)


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=KEYS)
def test_every_key_lands_inside_the_folder_or_is_refused(tmp_path: Path, key: str) -> None:
    folder = tmp_path / "chosen"
    folder.mkdir(exist_ok=True)
    try:
        path = local_path_for(folder, key)
    except UnsafeKey as error:
        assert "\x1b" not in str(error)
        return
    assert path.resolve().is_relative_to(folder.resolve())
    for part in path.relative_to(folder).parts:
        assert part not in ("", ".", "..")
        assert not any(c in part for c in '\\<>:"|?*\u202e\u2066')
        assert not any(unicodedata.category(c) == "Cc" for c in part)
        assert len(part.encode("utf-8")) <= 255
        assert not part.endswith((" ", "."))


def test_the_planted_keys_of_the_report_are_refused_and_ordinary_ones_kept(tmp_path: Path) -> None:
    for key in ("../../ESCAPED.txt", "../../../ESCAPED2.txt", "a/../../b"):
        with pytest.raises(UnsafeKey, match="climbs out"):
            local_path_for(tmp_path, key)
    assert local_path_for(tmp_path, "..\\..\\x") == tmp_path / ".._.._x"
    assert local_path_for(tmp_path, "intro/week 1.mp4") == tmp_path / "intro" / "week 1.mp4"
    assert local_path_for(tmp_path, "a//./b.txt") == tmp_path / "a" / "b.txt"
    assert safe_name("esc\x1b]0;PWNED\x07.txt") == "esc_]0;PWNED_.txt"
    assert safe_name("CON") == "_CON" and safe_name("trailing. ") == "trailing"
    with pytest.raises(UnsafeKey, match="names no file"):
        local_path_for(tmp_path, "./")


def test_a_link_inside_the_folder_cannot_lead_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "chosen"
    folder.mkdir()
    (folder / "lessons").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeKey, match="outside"):
        local_path_for(folder, "lessons/notes.txt")


def test_a_partial_file_planted_as_a_link_is_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    planted = tmp_path / "video.mp4.coachadmin-part"
    planted.symlink_to(victim)
    with pytest.raises(Exception, match="symbolic link"):
        open_partial(planted, create=True)
    assert victim.read_text() == "precious"


def test_control_characters_are_shown_not_sent_to_the_terminal() -> None:
    assert printable("esc/\x1b]0;PWNED\x07x\ttab") == "esc/\\x1b]0;PWNED\\x07x\ttab"
    assert printable("Übung 1") == "Übung 1"
    assert os.linesep not in printable("a\nb")


def test_unclashing_numbers_names_a_disk_would_take_for_one(tmp_path: Path) -> None:
    taken: set[str] = set()
    assert unclashing(tmp_path / "Video.MP4", taken) == tmp_path / "Video.MP4"
    assert unclashing(tmp_path / "video.mp4", taken) == tmp_path / "video (2).mp4"
    assert unclashing(tmp_path / "VIDEO.mp4", taken) == tmp_path / "VIDEO (3).mp4"
    assert unclashing(tmp_path / "cafe\u0301.txt", taken) == tmp_path / "cafe\u0301.txt"
    assert unclashing(tmp_path / "caf\u00e9.txt", taken) == tmp_path / "caf\u00e9 (2).txt"
    # One letter to one, as file systems compare names: "ß" is not "ss".
    assert unclashing(tmp_path / "stra\u00dfe.txt", taken) == tmp_path / "stra\u00dfe.txt"
    assert unclashing(tmp_path / "strasse.txt", taken) == tmp_path / "strasse.txt"


def test_a_numbered_name_still_fits_in_255_bytes(tmp_path: Path) -> None:
    long = tmp_path / ("é" * 125 + ".mp4")  # 254 bytes
    taken = {clash_key(long)}
    second = unclashing(long, taken)
    assert second.name.endswith(" (2).mp4")
    assert len(second.name.encode("utf-8")) <= 255
    third = unclashing(long, taken)
    assert third.name.endswith(" (3).mp4") and third != second
