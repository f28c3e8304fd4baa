"""Text, JSON and subtitles, read-only, with a note when only the beginning is shown."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from coachadmin.display import format_size
from coachadmin.ui.preview.loaders import TextResult


def truncation_note(result: TextResult) -> str:
    shown = (
        f"{result.shown_bytes // 1024} KiB"
        if result.shown_bytes >= 1024
        else format_size(result.shown_bytes)
    )
    return f"Showing the first {shown} of {format_size(result.total_size)}."


class TextView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.note = QLabel()
        self.note.setObjectName("previewTextNote")
        self.note.setWordWrap(True)
        self.note.setContentsMargins(8, 4, 8, 0)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("previewText")
        self.editor.setAccessibleName("Text preview")
        self.editor.setReadOnly(True)
        self.editor.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.editor.document().setDocumentMargin(8)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)

    def set_text(self, result: TextResult) -> None:
        self.editor.setPlainText(result.text)
        self.note.setText(truncation_note(result) if result.truncated else "")
        self.note.setVisible(result.truncated)

    def clear(self) -> None:
        self.editor.clear()
        self.note.hide()
