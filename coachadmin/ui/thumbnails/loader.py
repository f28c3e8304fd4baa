"""Thumbnails made on worker threads, a few at a time, newest request first.

The model asks for a thumbnail only when the view paints its tile, so only what is
on screen is fetched. Requests wait on a stack (the last painted tile is the one
the user is looking at) of bounded length, with at most :data:`MAX_IN_FLIGHT`
fetches running, so scrolling through 10,000 images neither floods S3 nor the
shared worker pool. Images over :data:`MAX_SOURCE_BYTES` get the generic icon:
a thumbnail is not worth downloading 200 MB.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap

from coachadmin.errors import UserFacingError
from coachadmin.s3.listing import ObjectInfo
from coachadmin.ui.bridge import Bridge, Latest, Ticket
from coachadmin.ui.preview.access import S3Access
from coachadmin.ui.preview.loaders import NotAnImage, decode_image
from coachadmin.ui.thumbnails.cache import DiskThumbnails, ThumbnailCache, content_id

log = logging.getLogger("coachadmin.thumbnails")

EDGE = 128
MAX_SOURCE_BYTES = 10 * 1000 * 1000
MAX_IN_FLIGHT = 3
MAX_WAITING = 200


@dataclass(frozen=True)
class _Request:
    bucket: str
    info: ObjectInfo
    #: The folder it was asked for: its result is dropped once another folder opens.
    ticket: Ticket


def make_thumbnail(
    access: S3Access, disk: DiskThumbnails | None, bucket: str, info: ObjectInfo, edge: int
) -> QImage | None:
    """On a worker: from the disk cache, or a GET of the (small) image, scaled by the reader."""
    name = content_id(bucket, info, edge)
    if disk is not None:
        cached = disk.load(name)
        if cached is not None:
            return cached
    if info.size > MAX_SOURCE_BYTES or info.size == 0:
        return None
    chunk = access.read_head(bucket, info.key, MAX_SOURCE_BYTES)
    try:
        image = tile(decode_image(chunk.data, max_side=edge).image, edge)
    except NotAnImage:
        return None
    if disk is not None:
        disk.save(name, image)
    return image


def tile(image: QImage, edge: int) -> QImage:
    """``image`` on a transparent square, centred and at the bottom: whatever their shape,
    thumbnails in a row sit on their names."""
    square = QImage(edge, edge, QImage.Format.Format_ARGB32_Premultiplied)
    square.fill(Qt.GlobalColor.transparent)
    painter = QPainter(square)
    painter.drawImage((edge - image.width()) // 2, edge - image.height(), image)
    painter.end()
    return square


def cache_key(bucket: str, info: ObjectInfo) -> str:
    """One version of one object: a replaced object (new ETag) is fetched again."""
    return f"{bucket}/{info.key}\0{info.etag}\0{info.size}"


class ThumbnailLoader(QObject):
    """Turns requests into pixmaps in :attr:`cache`; :attr:`ready` says which key changed."""

    #: (key, loaded): the key's thumbnail is in the cache now, or it has none (generic icon).
    ready = Signal(str, bool)

    def __init__(
        self,
        bridge: Bridge,
        cache: ThumbnailCache | None = None,
        disk: DiskThumbnails | None = None,
        parent: QObject | None = None,
        *,
        edge: int = EDGE,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.cache = cache or ThumbnailCache()
        self.disk = disk
        self.edge = edge
        self.access: S3Access | None = None
        self._folder = Latest()
        self._ticket = self._folder.begin()
        self._waiting: list[_Request] = []
        self._queued: set[str] = set()
        self._in_flight = 0
        #: Keys with no thumbnail (too big, not decodable, refused): not asked again.
        self.failed: set[str] = set()
        self.loaded = 0  # thumbnails that arrived (tests and logs)

    def set_access(self, access: S3Access | None) -> None:
        self.access = access
        self.reset()
        self.cache.clear()
        self.failed.clear()

    def reset(self) -> None:
        """Forget what is waiting (a new folder): results of older requests are dropped."""
        self._ticket = self._folder.begin()
        self._waiting.clear()
        self._queued.clear()

    def thumbnail(self, bucket: str, info: ObjectInfo) -> QPixmap | None:
        return self.cache.get(cache_key(bucket, info))

    def thumbnail_icon(self, bucket: str, info: ObjectInfo) -> QIcon | None:
        """As an icon: the view centres it in the icon area, so every name lines up."""
        pixmap = self.thumbnail(bucket, info)
        return QIcon(pixmap) if pixmap is not None else None

    def request(self, bucket: str, info: ObjectInfo) -> None:
        """Fetch the thumbnail of ``info`` unless it is cached, queued or known to have none."""
        key = info.key
        if self.access is None or key in self._queued or key in self.failed:
            return
        if cache_key(bucket, info) in self.cache:
            return
        self._queued.add(key)
        self._waiting.append(_Request(bucket, info, self._ticket))
        if len(self._waiting) > MAX_WAITING:  # the oldest scrolled away long ago
            dropped = self._waiting.pop(0)
            self._queued.discard(dropped.info.key)
        self._pump()

    def _pump(self) -> None:
        while self._waiting and self._in_flight < MAX_IN_FLIGHT and self.access is not None:
            request = self._waiting.pop()  # newest first: what is on screen now
            self._in_flight += 1
            self.bridge.run(
                make_thumbnail,
                self.access,
                self.disk,
                request.bucket,
                request.info,
                self.edge,
                on_result=partial(self._done, request),
                on_error=partial(self._refused, request),
                on_finished=self._finished,
                owner=self,
            )

    def _finished(self) -> None:
        self._in_flight -= 1
        self._pump()

    def _done(self, request: _Request, image: QImage | None) -> None:
        key = request.info.key
        self._queued.discard(key)
        if not request.ticket.current:
            return
        if image is None:
            self.failed.add(key)
            self.ready.emit(key, False)
            return
        self.loaded += 1
        self.cache.put(cache_key(request.bucket, request.info), QPixmap.fromImage(image))
        self.ready.emit(key, True)

    def _refused(self, request: _Request, error: UserFacingError) -> None:
        """One failed thumbnail is not worth a banner: the tile keeps its generic icon."""
        log.info("no thumbnail for %s: %s", request.info.key, error)
        self._queued.discard(request.info.key)
        if request.ticket.current:
            self.failed.add(request.info.key)
            self.ready.emit(request.info.key, False)
