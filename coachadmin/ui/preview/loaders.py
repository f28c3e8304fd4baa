"""What the pane loads on worker threads: an image decoded to a QImage, the head of a text.

QImage (unlike QPixmap) may be made off the GUI thread, so decoding never blocks the
window; the pane turns the result into a pixmap when it arrives. Both readers fetch
with a ranged GET, so a mislabelled 4 GB "notes.txt" costs 256 KiB, not 4 GB.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from coachadmin.display import format_size
from coachadmin.json_text import parse_json
from coachadmin.ui.preview.access import PreviewError, S3Access
from coachadmin.ui.preview.kinds import suffix

#: Images up to this size are previewed; larger ones get their details and a link.
IMAGE_LIMIT = 40 * 1000 * 1000
#: How much of a text the pane shows.
TEXT_LIMIT = 256 * 1024
#: Decoded images are scaled down to this many pixels on their longer side (memory bound).
MAX_DECODED_SIDE = 4096


class ImageTooLarge(PreviewError):
    pass


class NotAnImage(PreviewError):
    pass


@dataclass(frozen=True)
class DecodedImage:
    image: QImage
    #: The image's own pixel size (before any scaling for display).
    width: int
    height: int
    format: str


@dataclass(frozen=True)
class ImageResult:
    decoded: DecodedImage
    size: int


@dataclass(frozen=True)
class TextResult:
    text: str
    shown_bytes: int
    total_size: int
    pretty_json: bool

    @property
    def truncated(self) -> bool:
        return self.shown_bytes < self.total_size


def decode_image(data: bytes, max_side: int = MAX_DECODED_SIDE) -> DecodedImage:
    """Decode ``data``, scaled (by the reader, cheaply) to at most ``max_side`` pixels."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)  # honour EXIF orientation, as every photo viewer does
    original = reader.size()
    fmt = bytes(reader.format().data()).decode("ascii", "replace")
    if not original.isValid() or not fmt:
        raise NotAnImage(
            "This file could not be read as an image: its format is not supported here, or "
            "it is damaged. Use \u201cOpen in browser\u201d to try another viewer."
        )
    width, height = original.width(), original.height()
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        width, height = height, width
    longer = max(original.width(), original.height())
    if longer > max_side:
        scale = max_side / longer
        reader.setScaledSize(
            QSize(max(1, round(original.width() * scale)), max(1, round(original.height() * scale)))
        )
    image = reader.read()
    error = reader.errorString()
    del reader  # the reader points at the buffer: it goes first
    buffer.close()
    if image.isNull():
        raise NotAnImage(
            f"This image could not be decoded ({error}): the file may be damaged or truncated."
        )
    return DecodedImage(image, width, height, fmt.upper())


def load_image(access: S3Access, bucket: str, key: str) -> ImageResult:
    chunk = access.read_head(bucket, key, IMAGE_LIMIT)
    if not chunk.complete:
        raise ImageTooLarge(
            f"This image is too large to preview here ({format_size(chunk.total_size)}). "
            "Use \u201cOpen in browser\u201d to see it."
        )
    return ImageResult(decode_image(chunk.data), chunk.total_size)


def decode_text(data: bytes, *, complete: bool) -> str:
    """UTF-8 with replacement characters; a character cut by the range is dropped, not mangled."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    return decoder.decode(data, final=complete)


def load_text(access: S3Access, bucket: str, key: str, limit: int = TEXT_LIMIT) -> TextResult:
    chunk = access.read_head(bucket, key, limit)
    text = decode_text(chunk.data, complete=chunk.complete)
    pretty = False
    if chunk.complete and (suffix(key) == "json" or "json" in chunk.content_type):
        try:
            text = json.dumps(parse_json(text), indent=2, ensure_ascii=False)
            pretty = True
        except ValueError:
            pass  # shown as it is: a broken JSON file is still worth reading
    return TextResult(text, len(chunk.data), chunk.total_size, pretty)
