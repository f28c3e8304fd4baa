"""What a video file is, read from its box headers and its index (``moov``), never its media.

:func:`probe_file` opens a local file; :func:`probe` reads any :class:`ByteSource` (a
remote object read by ranges, too). A 2 GiB MP4 costs a few header reads and one read of
its index (see docs/performance.md, Media probe).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, replace
from pathlib import Path

from coachadmin.media import boxes
from coachadmin.media.boxes import Box, BoxError
from coachadmin.media.source import ByteSource, FileSource, ReadBudgetExceeded

#: An index larger than this is not read (a ten-hour recording's is a few tens of MB).
MAX_INDEX_BYTES = 256 * 1024 * 1024
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


class Container(enum.Enum):
    MP4 = "mp4"
    QUICKTIME = "quicktime"
    WEBM = "webm"
    MATROSKA = "matroska"
    UNKNOWN = "unknown"  # not a video container this app knows


class IndexPosition(enum.Enum):
    """Where ``moov`` sits: before the media (streams at once), after it, or nowhere."""

    FRONT = "front"
    END = "end"
    MISSING = "missing"


_VIDEO_CODECS = {
    b"avc1": "h264", b"avc3": "h264", b"hvc1": "hevc", b"hev1": "hevc", b"dvh1": "hevc",
    b"dvhe": "hevc", b"av01": "av1", b"vp09": "vp9", b"vp08": "vp8", b"mp4v": "mpeg4",
    b"apco": "prores", b"apcs": "prores", b"apcn": "prores", b"apch": "prores",
    b"ap4h": "prores", b"ap4x": "prores", b"jpeg": "mjpeg", b"mjpa": "mjpeg", b"dvc ": "dv",
    b"dvcp": "dv", b"s263": "h263",
}  # fmt: skip
_AUDIO_CODECS = {
    b"Opus": "opus", b"ac-3": "ac3", b"ec-3": "eac3", b"fLaC": "flac", b"alac": "alac",
    b"lpcm": "pcm", b"sowt": "pcm", b"twos": "pcm", b"in24": "pcm", b"fl32": "pcm",
    b".mp3": "mp3", b"samr": "amr",
}  # fmt: skip
_MP4A_OBJECT_TYPES = {0x40: "aac", 0x66: "aac", 0x67: "aac", 0x68: "aac", 0x69: "mp3", 0x6B: "mp3"}
_PRORES = {
    b"apco": "Proxy", b"apcs": "LT", b"apcn": "422", b"apch": "422 HQ", b"ap4h": "4444",
    b"ap4x": "4444 XQ",
}  # fmt: skip
_AVC_PROFILES = {
    66: "Baseline", 77: "Main", 88: "Extended", 100: "High", 110: "High 10",
    122: "High 4:2:2", 244: "High 4:4:4",
}  # fmt: skip
_HEVC_PROFILES = {1: "Main", 2: "Main 10", 3: "Main Still Picture", 4: "Range Extensions"}
_MATROSKA_CODECS = {
    b"V_MPEG4/ISO/AVC": "h264", b"V_MPEGH/ISO/HEVC": "hevc", b"V_VP9": "vp9", b"V_VP8": "vp8",
    b"V_AV1": "av1",
}  # fmt: skip


@dataclass(frozen=True)
class VideoTrack:
    codec: str  # h264, hevc, prores, av1, vp9, ... or the sample entry's four characters
    tag: str  # the sample entry's four characters, e.g. "avc1"
    profile: str | None
    width: int
    height: int
    frame_rate: float | None


@dataclass(frozen=True)
class AudioTrack:
    codec: str
    tag: str
    sample_rate: int | None


@dataclass(frozen=True)
class MediaInfo:
    size: int
    container: Container
    brand: str | None = None  # the ftyp major brand
    index: IndexPosition | None = None  # MP4 and QuickTime only
    index_read: bool = False  # False when the index lay beyond what could be read
    truncated: bool = False  # the file ends inside a box: a copy that stopped early
    fragmented: bool = False
    duration: float | None = None  # seconds
    video: VideoTrack | None = None
    audio: AudioTrack | None = None

    @property
    def bitrate(self) -> int | None:
        """Bits per second over the whole file."""
        if not self.duration:
            return None
        return round(self.size * 8 / self.duration)

    @property
    def is_media(self) -> bool:
        return self.container is not Container.UNKNOWN


def probe_file(path: Path) -> MediaInfo:
    """Probe a local file (raises ``OSError`` when it cannot be read)."""
    with path.open("rb") as handle:
        return probe(FileSource(handle, path.stat().st_size))


def probe(source: ByteSource) -> MediaInfo:
    """Probe whatever ``source`` holds; never raises for bad content, only for failed reads."""
    head = source.read(0, 64)
    if head.startswith(_EBML_MAGIC):
        return _probe_matroska(source)
    if len(head) < 8 or head[4:8] not in boxes.TOP_LEVEL:
        return MediaInfo(size=source.size, container=Container.UNKNOWN)
    try:
        return _probe_isobmff(source)
    except BoxError:
        return MediaInfo(size=source.size, container=Container.UNKNOWN)


def _probe_isobmff(source: ByteSource) -> MediaInfo:
    brand: str | None = None
    moov: Box | None = None
    index = IndexPosition.MISSING
    seen_media = fragmented = truncated = False
    for box in boxes.top_level(source):
        if box.end > source.size:
            truncated = True
        if box.kind == b"ftyp":
            brand = source.read(box.offset + box.header, 4).decode("latin-1").strip()
        elif box.kind == b"moov" and moov is None:
            moov = box
            index = IndexPosition.END if seen_media else IndexPosition.FRONT
        elif box.kind == b"mdat":
            seen_media = True
        elif box.kind == b"moof":
            fragmented = True
    container = Container.QUICKTIME if brand in (None, "qt") else Container.MP4
    missing = MediaInfo(
        size=source.size,
        container=container,
        brand=brand,
        index=IndexPosition.MISSING,
        truncated=truncated,
        fragmented=fragmented,
    )
    if moov is None or moov.end > source.size:
        return missing
    base = replace(missing, index=index)
    if moov.size > MAX_INDEX_BYTES:
        return base
    try:
        data = source.read(moov.offset, moov.size)
    except ReadBudgetExceeded:
        return base
    try:
        return _read_index(data, Box(moov.kind, 0, moov.size, moov.header), base)
    except (BoxError, struct.error, IndexError):
        return missing


def _read_index(data: bytes, moov: Box, base: MediaInfo) -> MediaInfo:
    duration: float | None = None
    mvhd = boxes.find(data, moov, b"mvhd")
    if mvhd is not None:
        duration = _scaled_duration(boxes.payload(data, mvhd))
    video: VideoTrack | None = None
    audio: AudioTrack | None = None
    for trak in boxes.find_all(data, moov, b"trak"):
        track = _read_track(data, trak)
        if isinstance(track, VideoTrack) and video is None:
            video = track
        elif isinstance(track, AudioTrack) and audio is None:
            audio = track
    return replace(base, index_read=True, duration=duration, video=video, audio=audio)


def _scaled_duration(body: bytes) -> float | None:
    """Seconds from a ``mvhd`` or ``mdhd`` payload."""
    if body[0] == 1:
        timescale, length = struct.unpack_from(">IQ", body, 20)
    else:
        timescale, length = struct.unpack_from(">II", body, 12)
    if not timescale or length in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
        return None
    return float(length / timescale)


def _path(data: bytes, box: Box, *kinds: bytes) -> Box | None:
    found: Box | None = box
    for kind in kinds:
        if found is None:
            return None
        found = boxes.find(data, found, kind)
    return found


def _read_track(data: bytes, trak: Box) -> VideoTrack | AudioTrack | None:
    hdlr = _path(data, trak, b"mdia", b"hdlr")
    stsd = _path(data, trak, b"mdia", b"minf", b"stbl", b"stsd")
    if hdlr is None or stsd is None:
        return None
    handler = boxes.payload(data, hdlr)[8:12]
    entries = list(boxes.children(data, stsd.offset + stsd.header + 8, stsd.end))
    if not entries:
        return None
    entry = entries[0]
    if handler == b"vide":
        return _video_track(data, trak, entry)
    if handler == b"soun":
        return _audio_track(data, entry)
    return None


def _video_track(data: bytes, trak: Box, entry: Box) -> VideoTrack:
    body = boxes.payload(data, entry)
    width, height = struct.unpack_from(">HH", body, 24)
    config = Box(entry.kind, entry.offset + 78, entry.size - 78, entry.header)
    profile: str | None = None
    if entry.kind in (b"avc1", b"avc3"):
        avcc = boxes.find(data, config, b"avcC")
        if avcc is not None:
            profile = _AVC_PROFILES.get(boxes.payload(data, avcc)[1])
    elif entry.kind in (b"hvc1", b"hev1", b"dvh1", b"dvhe"):
        hvcc = boxes.find(data, config, b"hvcC")
        if hvcc is not None:
            profile = _HEVC_PROFILES.get(boxes.payload(data, hvcc)[1] & 0x1F)
    elif entry.kind in _PRORES:
        profile = _PRORES[entry.kind]
    tag = entry.name
    return VideoTrack(
        codec=_VIDEO_CODECS.get(entry.kind, tag.strip()),
        tag=tag,
        profile=profile,
        width=width,
        height=height,
        frame_rate=_frame_rate(data, trak),
    )


def _frame_rate(data: bytes, trak: Box) -> float | None:
    mdhd = _path(data, trak, b"mdia", b"mdhd")
    stts = _path(data, trak, b"mdia", b"minf", b"stbl", b"stts")
    if mdhd is None or stts is None:
        return None
    seconds = _scaled_duration(boxes.payload(data, mdhd))
    body = boxes.payload(data, stts)
    (count,) = struct.unpack_from(">I", body, 4)
    samples: int = sum(struct.unpack_from(">I", body, 8 + 8 * n)[0] for n in range(count))
    if not seconds or not samples:
        return None
    return round(samples / seconds, 3)


def _audio_track(data: bytes, entry: Box) -> AudioTrack:
    body = boxes.payload(data, entry)
    (version,) = struct.unpack_from(">H", body, 8)
    (rate,) = struct.unpack_from(">I", body, 24)
    extra = {1: 16, 2: 36}.get(version, 0)
    config = Box(entry.kind, entry.offset + 28 + extra, entry.size - 28 - extra, entry.header)
    codec = _AUDIO_CODECS.get(entry.kind, entry.name.strip())
    if entry.kind == b"mp4a":
        codec = _mp4a_codec(data, config)
    return AudioTrack(
        codec=codec,
        tag=entry.name,
        sample_rate=((rate >> 16) or None) if version < 2 else None,
    )


def _mp4a_codec(data: bytes, config: Box) -> str:
    esds = boxes.find(data, config, b"esds")
    if esds is None:
        wave = boxes.find(data, config, b"wave")  # QuickTime keeps it one level down
        esds = boxes.find(data, wave, b"esds") if wave is not None else None
    if esds is None:
        return "aac"
    object_type = _decoder_object_type(boxes.payload(data, esds)[4:])
    return _MP4A_OBJECT_TYPES.get(object_type, "mp4a") if object_type is not None else "aac"


def _descriptor(body: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, payload offset, payload length) of an MPEG-4 descriptor at ``offset``."""
    tag = body[offset]
    length = 0
    offset += 1
    for _ in range(4):
        byte = body[offset]
        offset += 1
        length = (length << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return tag, offset, length


def _decoder_object_type(body: bytes) -> int | None:
    tag, offset, _length = _descriptor(body, 0)
    if tag != 0x03:  # ES_Descriptor
        return None
    flags = body[offset + 2]
    offset += 3
    if flags & 0x80:  # streamDependenceFlag
        offset += 2
    if flags & 0x40:  # URL_Flag
        offset += 1 + body[offset]
    if flags & 0x20:  # OCRstreamFlag
        offset += 2
    tag, offset, _length = _descriptor(body, offset)
    return body[offset] if tag == 0x04 else None  # DecoderConfigDescriptor


def _probe_matroska(source: ByteSource) -> MediaInfo:
    head = source.read(0, 64 * 1024)
    container = Container.WEBM if b"webm" in head[:64] else Container.MATROSKA
    codec = next((name for tag, name in _MATROSKA_CODECS.items() if tag in head), None)
    video = VideoTrack(codec, codec, None, 0, 0, None) if codec else None
    return MediaInfo(size=source.size, container=container, video=video)
