"""Which view previews an object: decided from its name (a listing carries no type).

Images are whatever the installed Qt image plugins read (asked once, at first use),
so a webp or heic plugin present on the machine is picked up without a code change.
"""

from __future__ import annotations

import enum
from functools import cache
from pathlib import PurePosixPath

from PySide6.QtGui import QImageReader

from coachadmin.ui.browser.formatting import known_kind


class Kind(enum.Enum):
    FOLDER = "folder"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"
    OTHER = "other"


VIDEO_SUFFIXES = frozenset({"mp4", "mov", "m4v", "webm", "mkv", "ogv", "avi", "mpg", "mpeg"})
AUDIO_SUFFIXES = frozenset({"mp3", "m4a", "aac", "wav", "ogg", "oga", "opus", "flac"})
TEXT_SUFFIXES = frozenset(
    {"txt", "text", "md", "json", "vtt", "srt", "csv", "tsv", "log", "xml", "yaml", "yml", "ini"}
)


@cache
def image_suffixes() -> frozenset[str]:
    """Suffixes the Qt image plugins can read here (jpg, png, gif, webp, ...)."""
    formats = {
        bytes(f.data()).decode("ascii", "replace").lower()
        for f in QImageReader.supportedImageFormats()
    }
    if "jpeg" in formats:
        formats.add("jpg")
    return frozenset(formats)


def suffix(key: str) -> str:
    return PurePosixPath(key.rstrip("/")).suffix.lower().lstrip(".")


def classify(key: str) -> Kind:
    if key.endswith("/"):
        return Kind.FOLDER
    ext = suffix(key)
    if ext in VIDEO_SUFFIXES:
        return Kind.VIDEO
    if ext in AUDIO_SUFFIXES:
        return Kind.AUDIO
    if ext in TEXT_SUFFIXES:
        return Kind.TEXT
    if ext in image_suffixes():
        return Kind.IMAGE
    return Kind.OTHER


def describe(key: str) -> str:
    """A short type name for the details line: "PNG image", "MP4 video", "JSON"."""
    known = known_kind(key)  # the name the file list gives it, where it has one
    if known:
        return known
    ext = suffix(key)
    kind = classify(key)
    if kind is Kind.OTHER:
        return f"{ext.upper()} file" if ext else "File"
    return f"{ext.upper()} {kind.value}" if kind is not Kind.TEXT else f"{ext.upper()} text"
