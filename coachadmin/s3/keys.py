"""Key naming for uploads and Content-Type from a file name."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from coachadmin.errors import UsageError
from coachadmin.s3.uri import S3Uri, validate_new_key

# A few types that the platform's media relies on and that some systems' mime
# tables lack or get wrong.
_EXTRA_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".webp": "image/webp",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".json": "application/json",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def content_type_for(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in _EXTRA_TYPES:
        return _EXTRA_TYPES[suffix]
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


def key_for_upload(path: Path, destination: S3Uri, *, several: bool) -> str:
    """The key a file gets: ``PREFIX/name`` for a prefix, else the key as given (one file only)."""
    if destination.is_prefix:
        return validate_new_key(destination.key + path.name)
    if several:
        raise UsageError(
            f"{destination} is a single key but several files were given; "
            "end the destination with / to upload them under that prefix"
        )
    return validate_new_key(destination.key)
