"""Notes only where something is wrong; the Content-Type and metadata from what the file is."""

from __future__ import annotations

from dataclasses import replace

from coachadmin.media.probe import probe_file
from coachadmin.media.verdict import Problem, content_type, notes, upload_metadata


def _problems(path, name=None):
    return [note.problem for note in notes(probe_file(path), name or path.name)]


def test_a_faststart_h264_video_gets_no_note_and_its_metadata(sample):
    info = probe_file(sample("faststart.mp4"))
    assert notes(info, "lesson.mp4") == []
    assert content_type(info) == "video/mp4"
    assert upload_metadata(info) == {"duration": "2.000", "resolution": "160x90"}


def test_moov_at_the_end_is_the_fixable_note(sample):
    [note] = notes(probe_file(sample("moov-at-end.mp4")), "lesson.mp4")
    assert note.problem is Problem.INDEX_AT_END and note.fixable
    assert note.text.startswith("moov at the end: students wait for the whole file")


def test_hevc_is_named(sample):
    [note] = notes(probe_file(sample("hevc.mp4")), "lesson.mp4")
    assert note.problem is Problem.HEVC and not note.fixable
    assert "Android" in note.text


def test_prores_says_its_size(sample):
    [note] = notes(probe_file(sample("prores.mov")), "interview.mov")
    assert note.problem is Problem.PRORES
    assert note.text.startswith("ProRes ") and "not playable in the app" in note.text


def test_a_quicktime_movie_named_mp4_is_stored_as_what_it_is(sample):
    path = sample("quicktime-named.mp4")
    assert _problems(path) == [Problem.WRONG_EXTENSION]
    assert content_type(probe_file(path)) == "video/quicktime"
    assert _problems(path, "lesson.mov") == []


def test_sound_only(sample):
    path = sample("audio-only.mp4")
    assert _problems(path) == [Problem.NO_PICTURE]
    assert content_type(probe_file(path)) == "audio/mp4"


def test_not_a_video(tmp_path):
    path = tmp_path / "lesson.mp4"
    path.write_text("just text\n")
    assert _problems(path) == [Problem.NOT_VIDEO]
    assert content_type(probe_file(path)) == "application/octet-stream"
    assert upload_metadata(probe_file(path)) == {}


def test_a_cut_file_is_incomplete(sample, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(sample("moov-at-end.mp4").read_bytes()[:5000])
    assert _problems(cut) == [Problem.INCOMPLETE]


def test_a_high_bitrate_is_named(sample):
    info = probe_file(sample("faststart.mp4"))
    heavy = replace(info, size=int(80e6 / 8 * 2))  # 80 Mbit/s over its two seconds
    [note] = notes(heavy, "lesson.mp4")
    assert note.problem is Problem.HIGH_BITRATE and note.text.startswith("80 Mbit/s")
