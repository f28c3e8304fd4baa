"""Grid mode: the current folder as thumbnails, fed by the same listing as the list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from support.browser import put, unique_bucket_connection

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


def png(width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 40, 40))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(data.data())


def test_grid_mode_shows_the_folders_objects_and_previews_a_tile(
    qtbot, window: MainWindow, demo: DemoEnvironment
) -> None:
    conn = unique_bucket_connection(demo.info.connection())
    put(conn, "images/a.png", png(64, 48), ContentType="image/png")
    put(conn, "images/b.png", png(32, 32), ContentType="image/png")
    put(conn, "images/sub/c.png", png(8, 8), ContentType="image/png")
    controller = window.browser.controller
    with qtbot.waitSignal(controller.listed, timeout=15000):
        window.set_connection(conn)
    with qtbot.waitSignal(controller.listed, timeout=15000):
        controller.navigate("images/")

    page = window.workspace.files
    qtbot.mouseClick(page.grid_button, Qt.MouseButton.LeftButton)
    grid = window.browser.grid_mode.grid
    assert grid is not None
    assert page.views.currentWidget() is grid

    def tiles() -> list[str]:
        model = grid.model()
        return [model.index(r, 0).data() for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: tiles() == ["a.png", "b.png"], timeout=10000)  # no folders

    selected: list[object] = []
    window.workspace.object_selected.connect(selected.append)
    grid.setCurrentIndex(grid.model().index(1, 0))
    assert selected and getattr(selected[-1], "key", None) == "images/b.png"

    qtbot.mouseClick(page.grid_button, Qt.MouseButton.LeftButton)  # back to the list
    assert page.views.currentWidget() is page.object_list
