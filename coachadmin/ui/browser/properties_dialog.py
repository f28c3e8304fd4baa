"""An object's properties: size, ETag, Content-Type, metadata, dates, class, and, in a
versioned bucket, its versions with a button to bring an earlier one back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coachadmin.display import format_size
from coachadmin.ui.browser.dialogs import title_label
from coachadmin.ui.browser.formatting import kind_and_icon, local_time, storage_class

if TYPE_CHECKING:  # botocore is imported only when properties are read (on a worker)
    from coachadmin.s3.properties import ObjectProperties
    from coachadmin.s3.versions import ObjectVersion

#: ``restore(version)``: make that earlier version the current one (asks, then copies).
Restore = Callable[["ObjectVersion"], None]


def _value(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _size_text(size: int) -> str:
    human = format_size(size)
    return human if size < 1000 else f"{human} ({size:,} bytes)"


def version_text(props: ObjectProperties) -> str:
    if props.versioning is None:
        return "Unknown (not allowed to read the bucket's versioning)"
    if props.versioning in ("Enabled", "Suspended"):
        state = "on" if props.versioning == "Enabled" else "suspended"
        return f"{props.version_id or 'null'} (versioning {state})"
    return "Versioning is off for this bucket"


def version_note(version: ObjectVersion) -> str:
    if version.is_delete_marker:
        return "deleted" + (" (current)" if version.is_latest else "")
    return "current" if version.is_latest else ""


class PropertiesDialog(QDialog):
    def __init__(
        self,
        props: ObjectProperties,
        parent: QWidget | None = None,
        *,
        restore: Restore | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("propertiesDialog")
        self.setWindowTitle(f"Properties of {props.key.rsplit('/', 1)[-1]}")
        self.setMinimumWidth(520)
        self.props = props
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(title_label(props.key.rsplit("/", 1)[-1]))
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        kind = kind_and_icon(props.key)[0]
        rows = (
            ("Location", props.uri, "propLocation"),
            ("Size", _size_text(props.size), "propSize"),
            ("Type", f"{props.content_type or 'not set'} — {kind}", "propContentType"),
            ("Last modified", local_time(props.last_modified) or "unknown", "propModified"),
            ("ETag", props.etag, "propEtag"),
            ("Storage class", storage_class(props.storage_class), "propStorage"),
            ("Version", version_text(props), "propVersion"),
            ("Cache-Control", props.cache_control or "not set", "propCache"),
        )
        for label, text, name in rows:
            form.addRow(f"{label}:", _value(text, name))
        layout.addLayout(form)
        layout.addWidget(QLabel("User metadata:" if props.metadata else "User metadata: none"))
        self.metadata = QTableWidget(len(props.metadata), 2)
        self.metadata.setObjectName("propMetadata")
        self.metadata.setHorizontalHeaderLabels(["Key", "Value"])
        self.metadata.verticalHeader().hide()
        self.metadata.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.metadata.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (key, value) in enumerate(sorted(props.metadata.items())):
            self.metadata.setItem(row, 0, QTableWidgetItem(key))
            self.metadata.setItem(row, 1, QTableWidgetItem(value))
        self.metadata.setMaximumHeight(120)
        self.metadata.setVisible(bool(props.metadata))
        layout.addWidget(self.metadata)
        self._restore = restore
        self._add_versions(layout)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy Key", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(props.key))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _add_versions(self, layout: QVBoxLayout) -> None:
        versions = self.props.versions
        self.versions = QTableWidget(len(versions), 3)
        self.versions.setObjectName("propVersions")
        self.versions.setHorizontalHeaderLabels(["Saved", "Size", ""])
        self.versions.verticalHeader().hide()
        self.versions.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.versions.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.versions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for row, version in enumerate(versions):
            size = "" if version.is_delete_marker else format_size(version.size)
            saved = local_time(version.last_modified, seconds=True) or "unknown"
            cells = (saved, size, version_note(version))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"Version {version.version_id}")
                self.versions.setItem(row, column, item)
        self.versions.setMaximumHeight(160)
        self.restore_button = QPushButton("Restore This Version")
        self.restore_button.setObjectName("restoreVersion")
        self.restore_button.setToolTip(
            "Make the selected version the current one again. Nothing is deleted: the "
            "current version stays in the list."
        )
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._restore_selected)
        self.versions.itemSelectionChanged.connect(self._selection_changed)
        shown = len(versions) > 1 or any(v.is_delete_marker for v in versions)
        heading = QLabel(f"Versions ({len(versions)}):")
        for widget in (heading, self.versions, self.restore_button):
            widget.setVisible(shown)
        layout.addWidget(heading)
        layout.addWidget(self.versions)
        layout.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignLeft)

    def selected_version(self) -> ObjectVersion | None:
        rows = self.versions.selectionModel().selectedRows()
        return self.props.versions[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        version = self.selected_version()
        restorable = version is not None and not version.is_latest and not version.is_delete_marker
        self.restore_button.setEnabled(restorable and self._restore is not None)

    def _restore_selected(self) -> None:
        version = self.selected_version()
        if version is not None and self._restore is not None:
            self._restore(version)
