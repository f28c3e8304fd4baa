"""How an object's fields read in the list: sizes, local times, kinds, storage classes.

Pure functions (no Qt), so the list model stays small and these are easy to test.
"""

from __future__ import annotations

import posixpath
from datetime import datetime

#: File extension → (kind shown in the Type column, icon name in resources/icons).
_KINDS: dict[str, tuple[str, str]] = {
    ".mp4": ("MP4 video", "file-video"),
    ".m4v": ("MPEG-4 video", "file-video"),
    ".mov": ("QuickTime video", "file-video"),
    ".webm": ("WebM video", "file-video"),
    ".mkv": ("Matroska video", "file-video"),
    ".ts": ("MPEG-TS video", "file-video"),
    ".m3u8": ("HLS playlist", "file-text"),
    ".png": ("PNG image", "file-image"),
    ".jpg": ("JPEG image", "file-image"),
    ".jpeg": ("JPEG image", "file-image"),
    ".gif": ("GIF image", "file-image"),
    ".webp": ("WebP image", "file-image"),
    ".svg": ("SVG image", "file-image"),
    ".mp3": ("MP3 audio", "file-audio"),
    ".m4a": ("MPEG-4 audio", "file-audio"),
    ".wav": ("WAV audio", "file-audio"),
    ".vtt": ("WebVTT subtitles", "file-text"),
    ".srt": ("SubRip subtitles", "file-text"),
    ".txt": ("Plain text", "file-text"),
    ".md": ("Markdown", "file-text"),
    ".json": ("JSON", "file-text"),
    ".csv": ("CSV table", "file-text"),
    ".pdf": ("PDF document", "file-text"),
    ".zip": ("ZIP archive", "file"),
}

_STORAGE = {
    "STANDARD": "Standard",
    "STANDARD_IA": "Standard-IA",
    "ONEZONE_IA": "One Zone-IA",
    "INTELLIGENT_TIERING": "Intelligent-Tiering",
    "GLACIER": "Glacier Flexible Retrieval",
    "GLACIER_IR": "Glacier Instant Retrieval",
    "DEEP_ARCHIVE": "Glacier Deep Archive",
    "REDUCED_REDUNDANCY": "Reduced Redundancy",
}


def local_time(moment: datetime | None, *, seconds: bool = False) -> str:
    """``2025-11-03 10:00`` in this computer's time zone (``10:00:07`` with ``seconds``:
    versions saved within a minute); empty when unknown."""
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def known_kind(key: str) -> str | None:
    """The name of a kind of file this table knows ("JPEG image"), else None."""
    found = _KINDS.get(posixpath.splitext(key)[1].lower())
    return found[0] if found else None


def kind_and_icon(key: str) -> tuple[str, str]:
    """What an object is, from its name: ("MP4 video", "file-video")."""
    if key.endswith("/"):
        return "Folder", "folder-closed"
    extension = posixpath.splitext(key)[1].lower()
    if extension in _KINDS:
        return _KINDS[extension]
    return (f"{extension[1:].upper()} file" if extension else "File"), "file"


def storage_class(name: str) -> str:
    if not name:
        return ""
    return _STORAGE.get(name, name.replace("_", " ").title())


def count(number: int, noun: str) -> str:
    """``1 object``, ``1,234 objects``."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
