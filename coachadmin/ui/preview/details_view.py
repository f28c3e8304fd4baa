"""An object's metadata, shown for the types the pane cannot preview."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from coachadmin.display import format_size
from coachadmin.s3.listing import ObjectInfo
from coachadmin.ui.preview.kinds import describe
from coachadmin.ui.preview.text_format import local_time


def _value_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DetailsView(QWidget):
    """ "No preview for this type" and what S3 knows of the object."""

    FIELDS = ("Name", "Size", "Type", "Last modified", "ETag", "Storage class")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewDetails")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        header = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon).pixmap(32, 32))
        header.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        self.reason = QLabel()
        self.reason.setObjectName("previewDetailsReason")
        self.reason.setWordWrap(True)
        header.addWidget(self.reason, 1)
        layout.addLayout(header)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for name in self.FIELDS:
            self.values[name] = _value_label()
            form.addRow(f"{name}:", self.values[name])
        layout.addLayout(form)
        layout.addStretch(1)

    def set_object(self, key: str, info: ObjectInfo | None, reason: str) -> None:
        self.reason.setText(reason)
        unknown = "not listed"
        self.values["Name"].setText(key.rsplit("/", 1)[-1])
        self.values["Size"].setText(
            f"{format_size(info.size)} ({info.size:,} bytes)" if info else unknown
        )
        self.values["Type"].setText(describe(key))
        self.values["Last modified"].setText(local_time(info.last_modified) if info else unknown)
        self.values["ETag"].setText(info.etag if info else unknown)
        self.values["Storage class"].setText(info.storage_class if info else unknown)
