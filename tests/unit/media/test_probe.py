"""The probe: what a file is, read from its boxes and index without reading its media."""

from __future__ import annotations

import struct
import time

import pytest

from coachadmin.media.probe import Container, IndexPosition, probe, probe_file
from coachadmin.media.source import FileSource, RangedSource, ReadBudgetExceeded


def test_faststart_h264_with_aac(sample):
    info = probe_file(sample("faststart.mp4"))
    assert info.container is Container.MP4
    assert info.index is IndexPosition.FRONT
    assert info.index_read
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert info.video is not None and info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 160, 90)
    assert info.video.frame_rate == pytest.approx(10.0, abs=0.01)
    assert info.video.profile in ("Baseline", "Main", "High")
    assert (info.audio.codec, info.audio.sample_rate) == ("aac", 44100)
    assert info.bitrate == round(info.size * 8 / info.duration)


def test_moov_at_the_end(sample):
    info = probe_file(sample("moov-at-end.mp4"))
    assert info.index is IndexPosition.END
    assert info.video is not None and info.video.codec == "h264"


def test_hevc_and_its_profile(sample):
    info = probe_file(sample("hevc.mp4"))
    assert info.video is not None
    assert (info.video.codec, info.video.tag, info.video.profile) == ("hevc", "hvc1", "Main")


def test_audio_only_has_no_video_track(sample):
    info = probe_file(sample("audio-only.mp4"))
    assert info.video is None
    assert info.audio is not None and info.audio.codec == "aac"


def test_a_quicktime_movie_is_recognised_whatever_its_name(sample):
    info = probe_file(sample("quicktime-named.mp4"))
    assert (info.container, info.brand) == (Container.QUICKTIME, "qt")


def test_prores_and_its_flavour(sample):
    info = probe_file(sample("prores.mov"))
    assert info.video is not None
    assert (info.video.codec, info.video.profile) == ("prores", "422 HQ")


def test_webm(sample):
    info = probe_file(sample("webm.webm"))
    assert info.container is Container.WEBM
    assert info.video is not None and info.video.codec == "vp9"


def test_a_truncated_file_has_no_index(sample, tmp_path):
    whole = sample("moov-at-end.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])
    info = probe_file(cut)
    assert info.container is Container.MP4
    assert (info.index, info.truncated, info.video) == (IndexPosition.MISSING, True, None)


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, this is text\n", b"\x89PNG\r\n\x1a\n" + bytes(100), b"\x00\x00\x00\x08free"],
)
def test_what_is_not_a_video(tmp_path, content):
    path = tmp_path / "lesson.mp4"
    path.write_bytes(content)
    info = probe_file(path)
    assert not info.is_media or info.index is IndexPosition.MISSING
    assert info.video is None


def test_a_damaged_index_is_not_a_crash(sample, tmp_path):
    data = bytearray(sample("faststart.mp4").read_bytes())
    moov = data.index(b"moov")
    data[moov + 4 : moov + 8] = struct.pack(">I", 3)  # the first child: an impossible size
    path = tmp_path / "damaged.mp4"
    path.write_bytes(bytes(data))
    assert probe_file(path).index is IndexPosition.MISSING


def _large_sparse_copy(sample_path, target, media_bytes):
    """ftyp, then a sparse mdat of ``media_bytes``, then the sample's moov: a large file
    made in no time whose index sits at the end."""
    data = sample_path.read_bytes()
    moov_at = data.index(b"moov") - 4
    (moov_size,) = struct.unpack_from(">I", data, moov_at)
    ftyp = data[: struct.unpack_from(">I", data, 0)[0]]
    with target.open("wb") as out:
        out.write(ftyp)
        out.write(struct.pack(">I4sQ", 1, b"mdat", media_bytes + 16))
        out.seek(media_bytes, 1)
        out.write(data[moov_at : moov_at + moov_size])
    return target


def test_a_2_gib_file_is_probed_fast_reading_only_its_index(sample, tmp_path):
    path = _large_sparse_copy(sample("faststart.mp4"), tmp_path / "big.mp4", 2 * 1024**3)
    started = time.perf_counter()
    with path.open("rb") as handle:
        source = FileSource(handle, path.stat().st_size)
        info = probe(source)
    elapsed = time.perf_counter() - started
    assert info.index is IndexPosition.END and info.video is not None
    assert source.bytes_read < 64 * 1024
    assert elapsed < 0.5


def test_a_ranged_source_reads_in_chunks_within_its_budget():
    data = bytes(range(256)) * 4096  # 1 MiB
    fetched: list[tuple[int, int]] = []

    def fetch(offset, length):
        fetched.append((offset, length))
        return data[offset : offset + length]

    source = RangedSource(fetch, len(data), budget=200_000, chunk=65_536)
    assert source.read(10, 16) == data[10:26]
    assert source.read(1000, 100) == data[1000:1100]  # served from the first chunk
    assert fetched == [(10, 65_536)]
    assert source.read(len(data) - 100, 1000) == data[-100:]
    assert fetched[-1] == (len(data) - 100, 100)  # clipped to the end
    with pytest.raises(ReadBudgetExceeded):
        source.read(500_000, 150_000)
    assert source.bytes_read == 65_636 <= 200_000
