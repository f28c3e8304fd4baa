"""The grid view mode: tiles, thumbnails loaded lazily over HTTP, bounded caches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from support.mediaproxy import MediaProxy
from support.preview import MEDIA_NOISE, demo_objects, unique_prefix

from coachadmin.connection import Connection
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.client import make_client
from coachadmin.s3.listing import ObjectInfo, iter_objects
from coachadmin.ui.thumbnails import ThumbnailGrid
from coachadmin.ui.thumbnails.cache import DiskThumbnails, ThumbnailCache
from coachadmin.ui.thumbnails.loader import MAX_SOURCE_BYTES

pytestmark = pytest.mark.qt_log_ignore(*MEDIA_NOISE)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def proxy(demo) -> Iterator[MediaProxy]:
    with MediaProxy(demo.info.s3_endpoint) as running:
        yield running


@pytest.fixture
def connection(demo, proxy) -> Connection:
    """The demo, reached through a proxy that counts every GET."""
    info = demo.info.connection()
    return replace(info, s3=replace(info.s3, endpoint_url=proxy.url))


@pytest.fixture
def make_grid(qtbot, bridge, tmp_path):
    def make(connection: Connection, *, disk: DiskThumbnails | None = None) -> ThumbnailGrid:
        grid = ThumbnailGrid(bridge=bridge, disk=disk or DiskThumbnails(tmp_path / "thumbs"))
        qtbot.addWidget(grid)
        grid.set_connection(connection)
        return grid

    return make


def _png(width: int, height: int, colour: str) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def _listed(connection: Connection, prefix: str) -> list[ObjectInfo]:
    client = make_client(connection.s3)
    try:
        return sorted(iter_objects(client, connection.bucket, prefix), key=lambda i: i.key)
    finally:
        client.close()


def test_the_grid_shows_every_object_and_thumbnails_of_images(qtbot, make_grid, demo, connection):
    objects = sorted(demo_objects(demo).values(), key=lambda info: info.key)
    grid = make_grid(connection)
    grid.resize(900, 700)
    grid.show()
    grid.set_items(demo.info.bucket, objects)
    model = grid.model()
    assert model.rowCount() == len(objects)
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == [o.name for o in objects]
    images = [o for o in objects if o.key.startswith("images/")]
    qtbot.waitUntil(lambda: grid.loader.loaded == len(images), timeout=10_000)
    generic = {
        model.index(r, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey()
        for r in range(len(objects))
        if objects[r] not in images
    }
    for row, info in enumerate(objects):
        decoration = model.index(row, 0).data(Qt.ItemDataRole.DecorationRole)
        assert isinstance(decoration, QIcon)
        thumbnail = grid.loader.thumbnail(demo.info.bucket, info)
        if info in images:
            assert thumbnail is not None
            assert (thumbnail.width(), thumbnail.height()) == (128, 128)  # a square tile
            assert decoration.cacheKey() not in generic
        else:
            assert thumbnail is None  # videos, captions: a generic icon, nothing fetched
    cover = next(o for o in images if o.key.endswith(".png"))
    thumb = grid.loader.thumbnail(demo.info.bucket, cover).toImage()
    # 480x270 scaled to 128x72, kept its shape, at the bottom of its transparent tile.
    opaque_rows = [y for y in range(128) if thumb.pixelColor(64, y).alpha() == 255]
    assert opaque_rows == list(range(128 - 72, 128))
    opaque_columns = [x for x in range(128) if thumb.pixelColor(x, 127).alpha() == 255]
    assert len(opaque_columns) == 128


def test_thumbnails_load_lazily_as_tiles_come_into_view(qtbot, make_grid, demo, connection, proxy):
    prefix = unique_prefix("grid")
    client = make_client(demo.info.s3_settings())
    for n in range(80):
        client.put_object(
            Bucket=demo.info.bucket, Key=f"{prefix}{n:03d}.png", Body=_png(64, 48, "#2f80ed")
        )
    items = _listed(connection, prefix)
    grid = make_grid(connection)
    grid.resize(380, 260)  # room for a handful of tiles
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_items(demo.info.bucket, items)
    qtbot.waitUntil(lambda: grid.loader.loaded > 0, timeout=10_000)
    qtbot.waitUntil(lambda: grid.loader._in_flight == 0 and not grid.loader._waiting)
    first_batch = len(proxy.gets(prefix))
    assert 0 < first_batch < 20  # only what is on screen, not 80 images

    grid.scrollToBottom()
    last = grid.model().index(len(items) - 1, 0)
    last.data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(
        lambda: grid.loader.thumbnail(demo.info.bucket, items[-1]) is not None, timeout=10_000
    )
    assert len(proxy.gets(prefix)) < len(items)  # the middle of the folder was never fetched


def test_the_disk_cache_serves_a_second_grid_without_s3(
    qtbot, make_grid, demo, connection, proxy, tmp_path
):
    images = list(demo_objects(demo, "images/").values())
    disk = DiskThumbnails(tmp_path / "shared")
    first = make_grid(connection, disk=disk)
    first.resize(800, 600)
    first.show()
    first.set_items(demo.info.bucket, images)
    qtbot.waitUntil(lambda: first.loader.loaded == len(images), timeout=10_000)
    assert len(list((tmp_path / "shared").glob("*.png"))) == len(images)
    gets = len(proxy.gets("images/"))

    second = make_grid(connection, disk=disk)
    second.resize(800, 600)
    second.show()
    second.set_items(demo.info.bucket, images)
    qtbot.waitUntil(lambda: second.loader.loaded == len(images), timeout=10_000)
    assert len(proxy.gets("images/")) == gets  # every thumbnail came from the disk


def test_a_large_image_gets_the_generic_icon_without_a_download(
    qtbot, make_grid, demo, connection, proxy
):
    huge = ObjectInfo(
        key="images/poster-huge.png",
        size=MAX_SOURCE_BYTES + 1,
        last_modified=datetime.now(UTC),
        etag="abc",
        storage_class="STANDARD",
    )
    grid = make_grid(connection)
    grid.resize(400, 300)
    grid.show()
    grid.set_items(demo.info.bucket, [huge])
    qtbot.waitUntil(lambda: huge.key in grid.loader.failed, timeout=10_000)
    assert grid.loader.thumbnail(demo.info.bucket, huge) is None
    assert proxy.gets("poster-huge") == []


def test_selecting_and_opening_a_tile(qtbot, make_grid, demo, connection):
    images = sorted(demo_objects(demo, "images/").values(), key=lambda info: info.key)
    grid = make_grid(connection)
    grid.resize(600, 400)
    grid.show()
    grid.set_items(demo.info.bucket, images)
    with qtbot.waitSignal(grid.object_selected) as chosen:
        grid.setCurrentIndex(grid.model().index(1, 0))
    assert chosen.args[0].key == images[1].key
    assert chosen.args[0].bucket == demo.info.bucket
    assert chosen.args[0].info == images[1]
    with qtbot.waitSignal(grid.object_activated) as opened:
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert opened.args[0].key == images[1].key
    assert [s.key for s in grid.selected_objects()] == [images[1].key]


def test_an_empty_folder_says_so(qtbot, make_grid, connection):
    grid = make_grid(connection)
    grid.set_items(connection.bucket, [])
    assert grid.model().rowCount() == 0
    assert grid._empty_text == "This folder has no objects."


def test_the_memory_cache_is_bounded_by_count_and_bytes(qtbot):
    def tile(side: int) -> QPixmap:
        pixmap = QPixmap(side, side)
        pixmap.fill(QColor("#d93025"))
        return pixmap

    by_count = ThumbnailCache(max_items=3, max_bytes=10**9)
    for n in range(5):
        by_count.put(f"k{n}", tile(8))
    assert len(by_count) == 3
    assert "k0" not in by_count and "k1" not in by_count
    by_count.get("k2")  # used: k3 is now the least recently used
    by_count.put("k5", tile(8))
    assert "k2" in by_count and "k3" not in by_count

    one = tile(64)
    size = one.width() * one.height() * one.depth() // 8
    by_bytes = ThumbnailCache(max_items=100, max_bytes=size * 2)
    for n in range(4):
        by_bytes.put(f"b{n}", tile(64))
    assert len(by_bytes) == 2
    assert by_bytes.bytes <= size * 2


def test_names_start_right_under_their_tiles_one_line_or_two(qtbot, make_grid, connection):
    """As in Explorer and Finder: a short name is not centred in the space of a long one."""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    names = ["intro.mp4", "a-long-lesson-name-that-wraps-onto-two-lines.mp4"]
    items = [ObjectInfo(f"videos/{n}", 1, when, "etag", "STANDARD") for n in names]
    grid = make_grid(connection)
    grid.resize(600, 300)
    grid.show()
    grid.set_items(connection.bucket, items)
    qtbot.waitExposed(grid)
    image = grid.viewport().grab().toImage()
    background = image.pixelColor(image.width() - 1, image.height() - 1)
    text_tops = []
    for row in range(2):
        rect = grid.visualRect(grid.model().index(row, 0))
        columns = range(rect.left(), rect.right())
        below_tile = rect.top() + grid.iconSize().height() + 2
        inked = (
            y
            for y in range(below_tile, rect.bottom())
            if any(image.pixelColor(x, y) != background for x in columns)
        )
        text_tops.append(next(inked))
    assert text_tops[0] == text_tops[1]
