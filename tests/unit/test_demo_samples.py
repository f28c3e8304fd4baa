"""The sample media the demo seeds: present, small, and a video that streams."""

from __future__ import annotations

import re
import struct

from coachadmin.resource_path import resource

NAMES = (
    "sample-video.mp4",
    "sample-video-moov-at-end.mp4",
    "sample-video-hevc.mp4",
    "sample-cover.png",
    "sample-portrait.jpg",
    "sample-captions.vtt",
)


def _top_level_boxes(data: bytes) -> list[str]:
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        boxes.append(kind.decode("ascii"))
        if size < 8:
            break
        offset += size
    return boxes


def test_samples_exist_and_stay_small() -> None:
    sizes = {name: len(resource("sample-media", name).read_bytes()) for name in NAMES}
    assert all(size > 100 for size in sizes.values()), sizes
    assert sum(sizes.values()) < 400 * 1024, sizes


def test_video_is_an_mp4_with_its_index_first() -> None:
    # +faststart: "moov" (the index) before "mdat" (the media), so playback can start
    # from a presigned URL before the whole file has arrived.
    boxes = _top_level_boxes(resource("sample-media", "sample-video.mp4").read_bytes())
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


def test_video_has_h264_picture_and_aac_sound() -> None:
    data = resource("sample-media", "sample-video.mp4").read_bytes()
    handlers = set(re.findall(rb"hdlr.{8}(vide|soun)", data, flags=re.DOTALL))
    assert handlers == {b"vide", b"soun"}
    assert b"avc1" in data  # H.264 sample entry
    assert b"mp4a" in data  # AAC sample entry


def test_images_have_their_formats_signatures() -> None:
    assert resource("sample-media", "sample-cover.png").read_bytes().startswith(b"\x89PNG\r\n")
    assert resource("sample-media", "sample-portrait.jpg").read_bytes().startswith(b"\xff\xd8\xff")
    assert resource("sample-media", "sample-captions.vtt").read_text("utf-8").startswith("WEBVTT")


def test_the_media_check_samples_are_what_their_names_say() -> None:
    end = _top_level_boxes(resource("sample-media", "sample-video-moov-at-end.mp4").read_bytes())
    assert end.index("mdat") < end.index("moov")
    hevc = resource("sample-media", "sample-video-hevc.mp4").read_bytes()
    assert b"hvc1" in hevc and b"hvcC" in hevc and b"avc1" not in hevc
