"""Helpers the panes share: their names (the contract tests rely on) and their titles.

The panes themselves live in their packages: the preview in ``coachadmin.ui.preview``,
lessons in ``coachadmin.ui.lessons``, transfers in ``coachadmin.ui.transfers``.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from coachadmin.ui.icons import icon


def name_widget(widget: QWidget, name: str, description: str) -> None:
    """objectName and accessibleName are the same identifier; the description is for people."""
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description)


def section_header(text: str, icon_name: str | None = None) -> QWidget:
    """A slim bold title above a pane."""
    header = QWidget()
    layout = QHBoxLayout(header)
    layout.setContentsMargins(8, 6, 8, 4)
    layout.setSpacing(6)
    if icon_name:
        glyph = QLabel()
        glyph.setPixmap(icon(icon_name).pixmap(16, 16))
        layout.addWidget(glyph)
    title = QLabel(text)
    font = QFont(title.font())
    font.setWeight(QFont.Weight.DemiBold)
    title.setFont(font)
    layout.addWidget(title)
    layout.addStretch(1)
    return header
