"""Will it play for students? A probe's findings as short notes, the right Content-Type, metadata.

A note is written only where something is wrong; a file that will play everywhere gets
none. :func:`upload_metadata` is what goes on the object (``x-amz-meta-*``) so the app and
the backend can show a video's duration and resolution without probing it again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import PurePath

from coachadmin.display import format_size
from coachadmin.media.probe import Container, IndexPosition, MediaInfo

#: Above this, a lesson stalls on a mobile connection (the platform encodes at 8 Mbit/s or less).
HIGH_BITRATE = 20_000_000
#: Codecs that play in every browser and phone the platform supports.
PLAYABLE_VIDEO = frozenset({"h264"})
PLAYABLE_AUDIO = frozenset({"aac", "mp3"})
#: Extensions probed before upload: the ones a lesson video may have.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm"})
_TYPES = {
    Container.MP4: "video/mp4",
    Container.QUICKTIME: "video/quicktime",
    Container.WEBM: "video/webm",
    Container.MATROSKA: "video/x-matroska",
}
_SUFFIX_CONTAINERS = {
    ".mp4": Container.MP4,
    ".m4v": Container.MP4,
    ".mov": Container.QUICKTIME,
    ".qt": Container.QUICKTIME,
    ".webm": Container.WEBM,
    ".mkv": Container.MATROSKA,
}
_CODEC_NAMES = {
    "h264": "H.264", "aac": "AAC", "mp3": "MP3", "hevc": "HEVC", "prores": "ProRes",
    "av1": "AV1", "vp9": "VP9", "vp8": "VP8",
    "mpeg4": "MPEG-4 Part 2", "mjpeg": "Motion JPEG", "dv": "DV", "h263": "H.263",
    "opus": "Opus", "ac3": "AC-3", "eac3": "E-AC-3", "flac": "FLAC", "alac": "ALAC",
    "pcm": "uncompressed PCM", "amr": "AMR",
}  # fmt: skip


class Problem(enum.Enum):
    NOT_VIDEO = "not-video"
    INCOMPLETE = "incomplete"
    INDEX_AT_END = "moov-at-end"
    PRORES = "prores"
    HEVC = "hevc"
    UNUSUAL_CODEC = "unusual-codec"
    HIGH_BITRATE = "high-bitrate"
    NO_PICTURE = "no-picture"
    WRONG_EXTENSION = "wrong-extension"


@dataclass(frozen=True)
class Note:
    problem: Problem
    text: str

    @property
    def fixable(self) -> bool:
        """A lossless remux fixes it (:mod:`coachadmin.media.remux`)."""
        return self.problem is Problem.INDEX_AT_END


def content_type(info: MediaInfo) -> str:
    """What the file really is, for the object's Content-Type."""
    if info.container in (Container.MP4, Container.QUICKTIME) and info.video is None:
        return "audio/mp4" if info.audio is not None else _TYPES[info.container]
    return _TYPES.get(info.container, "application/octet-stream")


def upload_metadata(info: MediaInfo) -> dict[str, str]:
    """``duration`` (seconds) and ``resolution`` (WxH), as far as the probe found them."""
    metadata: dict[str, str] = {}
    if info.duration:
        metadata["duration"] = f"{info.duration:.3f}"
    if info.video is not None and info.video.width and info.video.height:
        metadata["resolution"] = f"{info.video.width}x{info.video.height}"
    return metadata


def codec_name(codec: str) -> str:
    return _CODEC_NAMES.get(codec, codec.upper())


def notes(info: MediaInfo, name: str) -> list[Note]:
    """What is wrong with ``info`` (the file called ``name``) for students; empty when nothing."""
    if not info.is_media:
        return [Note(Problem.NOT_VIDEO, "not a video: this file holds no video a player can read")]
    found: list[Note] = []
    if info.index is IndexPosition.MISSING:
        found.append(
            Note(
                Problem.INCOMPLETE,
                "incomplete or damaged: the file has no readable index (moov), so nothing "
                "can play it; copy or export it again",
            )
        )
    elif info.index is IndexPosition.END:
        found.append(
            Note(
                Problem.INDEX_AT_END,
                "moov at the end: students wait for the whole file before playback starts "
                "(fixable losslessly)",
            )
        )
    found.extend(_codec_notes(info))
    bitrate = info.bitrate
    if bitrate and bitrate > HIGH_BITRATE and not (info.video and info.video.codec == "prores"):
        found.append(
            Note(
                Problem.HIGH_BITRATE,
                f"{bitrate / 1e6:.0f} Mbit/s: stalls on mobile connections; export at "
                "8 Mbit/s or less",
            )
        )
    expected = _SUFFIX_CONTAINERS.get(PurePath(name).suffix.lower())
    if expected is not None and _family(expected) != _family(info.container):
        found.append(
            Note(
                Problem.WRONG_EXTENSION,
                f"a {_describe(info.container)} named {PurePath(name).suffix}: stored as "
                f"{content_type(info)}, what it really is",
            )
        )
    return found


def _family(container: Container) -> Container:
    return Container.MATROSKA if container is Container.WEBM else container


def _describe(container: Container) -> str:
    return {
        Container.MP4: "MP4 file",
        Container.QUICKTIME: "QuickTime movie (.mov)",
        Container.WEBM: "WebM file",
        Container.MATROSKA: "Matroska file (.mkv)",
    }.get(container, "file")


def _codec_notes(info: MediaInfo) -> list[Note]:
    if not info.index_read and info.container in (Container.MP4, Container.QUICKTIME):
        return []  # nothing is known about the codecs
    video, audio = info.video, info.audio
    if video is None:
        if audio is None:
            return []
        return [Note(Problem.NO_PICTURE, "sound only: students see no picture")]
    if video.codec == "prores":
        return [
            Note(
                Problem.PRORES,
                f"ProRes {format_size(info.size)}: not playable in the app; export H.264",
            )
        ]
    if video.codec == "hevc":
        return [Note(Problem.HEVC, "HEVC: does not play on many Android phones; export H.264")]
    found: list[Note] = []
    if video.codec not in PLAYABLE_VIDEO:
        found.append(
            Note(
                Problem.UNUSUAL_CODEC,
                f"{codec_name(video.codec)} video: not every phone plays it; export H.264",
            )
        )
    if audio is not None and audio.codec not in PLAYABLE_AUDIO:
        found.append(
            Note(
                Problem.UNUSUAL_CODEC,
                f"{codec_name(audio.codec)} sound: not every phone plays it; use AAC",
            )
        )
    return found


def summary(info: MediaInfo) -> str:
    """One line on what a video is: "H.264 High 1920x1080 · 5:12 · 4.1 Mbit/s · streams at once"."""
    parts: list[str] = []
    video = info.video
    if video is not None:
        profile = f" {video.profile}" if video.profile else ""
        parts.append(f"{codec_name(video.codec)}{profile} {video.width}x{video.height}")
    elif info.audio is not None:
        parts.append(f"{codec_name(info.audio.codec)} sound only")
    if info.duration:
        minutes, seconds = divmod(round(info.duration), 60)
        parts.append(f"{minutes}:{seconds:02d}")
    if info.bitrate:
        parts.append(f"{info.bitrate / 1e6:.1f} Mbit/s")
    if info.index is IndexPosition.FRONT:
        parts.append("streams at once")
    elif info.index is IndexPosition.END:
        parts.append("index at the end")
    return " · ".join(parts) or "not a video"
