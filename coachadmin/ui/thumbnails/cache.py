"""Where thumbnails are kept: an LRU in memory bounded by count and bytes, and a disk cache.

The memory cache lives on the GUI thread (it holds QPixmaps). The disk cache is
read and written by the workers that make thumbnails, under
``coachadmin.paths.cache_dir()/thumbnails``; a thumbnail's file name is a hash of
what identifies the object's content (bucket, key, ETag, size), so a replaced
object gets a new thumbnail and nothing stale is ever shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QImage, QImageWriter, QPixmap

from coachadmin import paths
from coachadmin.s3.listing import ObjectInfo

log = logging.getLogger("coachadmin.thumbnails")

#: Memory bounds: whichever is reached first evicts the least recently used.
MAX_ITEMS = 600
MAX_BYTES = 48 * 1024 * 1024
#: Disk bound: the oldest files go when there are more than this many.
MAX_DISK_FILES = 5000


def pixmap_bytes(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * max(1, pixmap.depth()) // 8


class ThumbnailCache:
    """Least-recently-used thumbnails in memory (GUI thread only)."""

    def __init__(self, max_items: int = MAX_ITEMS, max_bytes: int = MAX_BYTES) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, QPixmap] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: str) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: str, pixmap: QPixmap) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= pixmap_bytes(old)
        self._items[key] = pixmap
        self._bytes += pixmap_bytes(pixmap)
        while self._items and (len(self._items) > self.max_items or self._bytes > self.max_bytes):
            _, evicted = self._items.popitem(last=False)
            self._bytes -= pixmap_bytes(evicted)

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0


def content_id(bucket: str, info: ObjectInfo, edge: int) -> str:
    """Names one thumbnail of one version of an object."""
    text = f"{bucket}\0{info.key}\0{info.etag}\0{info.size}\0{edge}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


class DiskThumbnails:
    """PNG thumbnails under the app's cache folder; any thread, failures are only logged."""

    def __init__(self, folder: Path | None = None, max_files: int = MAX_DISK_FILES) -> None:
        self._folder = folder
        self.max_files = max_files

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = paths.cache_dir() / "thumbnails"
        self._folder.mkdir(parents=True, exist_ok=True)
        return self._folder

    def load(self, name: str) -> QImage | None:
        try:
            path = self.folder / f"{name}.png"
            if not path.is_file():
                return None
        except OSError as error:  # no cache folder: thumbnails still work, from S3
            log.debug("thumbnail cache unavailable: %s", error)
            return None
        image = QImage(str(path))
        return None if image.isNull() else image

    def save(self, name: str, image: QImage) -> None:
        try:
            path = self.folder / f"{name}.png"
            partial = path.with_suffix(".part")
            writer = QImageWriter(str(partial), QByteArray(b"png"))
            if writer.write(image):
                partial.replace(path)  # readers never see half a file
            else:
                log.debug("could not write the thumbnail %s: %s", path, writer.errorString())
        except OSError as error:
            log.debug("could not write a thumbnail: %s", error)

    def prune(self) -> int:
        """Delete the oldest thumbnails beyond :attr:`max_files`; returns how many went."""
        files = sorted(self.folder.glob("*.png"), key=_mtime)
        doomed = files[: max(0, len(files) - self.max_files)]
        for path in doomed:
            with contextlib.suppress(OSError):
                path.unlink()
        return len(doomed)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
