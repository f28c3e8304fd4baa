"""The status bar: the folder's item count, the connection (production impossible to
miss) and who is signed in to the backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from coachadmin.ui.widgets import Badge

if TYPE_CHECKING:  # coachadmin.connection imports boto3: not at start-up
    from coachadmin.backend.models import User
    from coachadmin.connection import Connection

#: The production badge's colour: a strong red reads as "careful" in light and dark mode.
PRODUCTION_COLOUR = QColor("#c62828")


class ConnectionStatus(QWidget):
    """ "Production" / "Demo" badge, then ``Connection.describe()``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        self.production_badge = Badge("Production", PRODUCTION_COLOUR)
        self.production_badge.setObjectName("productionBadge")
        self.production_badge.setToolTip("This is the production bucket: students see changes.")
        self.demo_badge = Badge("Demo")
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setToolTip("A sample bucket and backend on this computer.")
        self.label = QLabel()
        self.label.setObjectName("connectionLabel")
        layout.addWidget(self.production_badge)
        layout.addWidget(self.demo_badge)
        layout.addWidget(self.label)
        self.set_connection(None)

    def set_connection(self, connection: Connection | None) -> None:
        self.production_badge.setVisible(bool(connection and connection.production))
        self.demo_badge.setVisible(bool(connection and connection.demo))
        text = connection.describe() if connection else "Not connected"
        self.label.setText(text)
        production = " (production)" if connection and connection.production else ""
        self.setAccessibleName(f"Connection: {text}{production}")


class UserStatus(QLabel):
    """Who is signed in to the backend: "Ada Admin · admin", or nothing when nobody is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userStatus")
        self.set_user(None)

    def set_user(self, user: User | None) -> None:
        self.setVisible(user is not None)
        if user is None:
            self.setText("")
            self.setAccessibleName("Not signed in to the backend")
            return
        self.setText(f"{user.name} · {user.role}")
        self.setToolTip(f"Signed in to the backend as {user.email} ({user.role})")
        self.setAccessibleName(f"Signed in as {user.name}, {user.role}")


class FolderCount(QLabel):
    """How many items the folder has: "12 items", or "3 of 12 shown" while filtered."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("folderCount")

    def set_counts(self, shown: int, total: int) -> None:
        noun = "item" if total == 1 else "items"
        self.setText(f"{shown:,} of {total:,} shown" if shown != total else f"{total:,} {noun}")
        self.setAccessibleName(self.text())
