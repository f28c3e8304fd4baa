"""Icons from ``resources/icons``: the app icon, and toolbar icons tinted by the palette.

The toolbar SVGs draw with ``currentColor``. :class:`_TintedSvgEngine` renders them
in the palette's text colour at paint time, so they stay crisp at any scale and
follow a switch between light and dark mode without being rebuilt.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from coachadmin.resource_path import resource

APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@cache
def _svg_text(name: str) -> str:
    return resource("icons", f"{name}.svg").read_text(encoding="utf-8")


def _colour(mode: QIcon.Mode) -> QColor:
    palette = QGuiApplication.palette()
    group = QPalette.ColorGroup.Active
    if mode == QIcon.Mode.Disabled:
        group = QPalette.ColorGroup.Disabled
    role = QPalette.ColorRole.WindowText
    if mode == QIcon.Mode.Selected:
        role = QPalette.ColorRole.HighlightedText
    return palette.color(group, role)


class _TintedSvgEngine(QIconEngine):
    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name
        self._renderers: dict[str, QSvgRenderer] = {}

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        colour = _colour(mode).name()
        renderer = self._renderers.get(colour)
        if renderer is None:
            data = _svg_text(self._name).replace("currentColor", colour)
            renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
            self._renderers[colour] = renderer
        return renderer

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, _state: QIcon.State) -> None:
        self._renderer(mode).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), size * scale), mode, state)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return _TintedSvgEngine(self._name)

    def key(self) -> str:
        return "coachadmin-tinted-svg"


def icon(name: str) -> QIcon:
    """A toolbar/menu icon (``resources/icons/<name>.svg``) in the palette's text colour."""
    return QIcon(_TintedSvgEngine(name))


def app_icon() -> QIcon:
    """The application icon: the PNG sizes where present, the SVG otherwise."""
    result = QIcon()
    for size in APP_ICON_SIZES:
        png = resource("icons", "app", f"app-{size}.png")
        if png.is_file():
            result.addFile(str(png), QSize(size, size))
    if result.isNull():
        result = QIcon(str(resource("icons", "app.svg")))
    return result


def render_app_pngs() -> list[str]:
    """Write ``resources/icons/app/app-<size>.png`` from app.svg (run by hand after editing it).

    ``python -c "from PySide6.QtGui import QGuiApplication as A; a = A([]);
    from coachadmin.ui.icons import render_app_pngs; print(render_app_pngs())"``
    """
    renderer = QSvgRenderer(str(resource("icons", "app.svg")))
    folder = resource("icons", "app")
    written = []
    for size in APP_ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        target = str(folder.joinpath(f"app-{size}.png"))
        pixmap.save(target, "PNG")
        written.append(target)
    return written
