"""Every icon the window's actions show draws something, in the palette's colours."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QIcon

from coachadmin.ui.main_window import MainWindow


def drawn_pixels(icon: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> int:
    image = icon.pixmap(QSize(24, 24), mode).toImage()
    points = ((x, y) for x in range(image.width()) for y in range(image.height()))
    return sum(1 for x, y in points if image.pixelColor(x, y).alpha())


def test_every_action_with_an_icon_draws_it(window: MainWindow):
    actions = [a for a in window.findChildren(QAction) if not a.icon().isNull()]
    names = {a.objectName() for a in actions}
    assert {"unlinkVideo", "linkVideo", "unlinkAndDelete", "checkLinks"} <= names
    for action in actions:
        name = action.objectName() or action.text()
        assert drawn_pixels(action.icon()) > 20, f"{name} draws nothing"
        assert drawn_pixels(action.icon(), QIcon.Mode.Disabled) > 20
