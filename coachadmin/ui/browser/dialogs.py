"""The browser's questions as dialogs: upload conflict, delete confirmation, link expiry.

Each says plainly what will happen, names what is affected, and puts the safe
answer on Escape. The delete confirmation is louder for a folder: a warning
colour, the number of objects and bytes that go, and a box to tick first.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from coachadmin.display import format_size
from coachadmin.s3.presign import EXPIRY_CHOICES
from coachadmin.ui.browser.formatting import count, local_time
from coachadmin.ui.browser.question_types import (
    Conflict,
    ConflictAnswer,
    ConflictChoice,
    DeletePlan,
)

DANGER = QColor("#c62828")
MAX_NAMES = 8


def title_label(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _body_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _QuestionDialog(QDialog):
    """Icon on the left, title and text on the right, buttons below."""

    def __init__(self, title: str, icon: QStyle.StandardPixmap, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 18, 18, 14)
        outer.setSpacing(14)
        top = QHBoxLayout()
        top.setSpacing(14)
        glyph = QLabel()
        glyph.setPixmap(self.style().standardIcon(icon).pixmap(40, 40))
        glyph.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(glyph)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        top.addLayout(self.body, 1)
        outer.addLayout(top)
        self.buttons = QDialogButtonBox()
        outer.addWidget(self.buttons)


class ConflictDialog(_QuestionDialog):
    """An object with this key exists: replace it, keep both, or skip this file."""

    def __init__(self, conflict: Conflict, parent: QWidget | None = None) -> None:
        super().__init__("File Already Exists", QStyle.StandardPixmap.SP_MessageBoxWarning, parent)
        self.setObjectName("conflictDialog")
        name = conflict.key.rsplit("/", 1)[-1]
        folder = conflict.key[: -len(name)] or "the top of the bucket"
        self.body.addWidget(title_label(f"“{name}” already exists in {folder}"))
        self.body.addLayout(self._comparison(conflict))
        self.body.addWidget(
            _body_label(
                "Replace the object in the bucket, keep both (your file gets a numbered "
                "name), or skip this file?"
            )
        )
        self.apply_all = QCheckBox(
            f"Do this for the other {count(conflict.remaining, 'conflict')} of this upload"
        )
        self.apply_all.setObjectName("applyToAll")
        self.apply_all.setVisible(conflict.remaining > 0)
        self.body.addWidget(self.apply_all)
        self._choice = ConflictChoice.SKIP
        role = QDialogButtonBox.ButtonRole
        for text, choice, button_role in (
            ("Skip", ConflictChoice.SKIP, role.RejectRole),
            ("Keep Both", ConflictChoice.KEEP_BOTH, role.AcceptRole),
            ("Replace", ConflictChoice.REPLACE, role.AcceptRole),
        ):
            button = self.buttons.addButton(text, button_role)
            button.setObjectName(f"conflict{text.replace(' ', '')}")
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            if choice is ConflictChoice.KEEP_BOTH:
                button.setDefault(True)

    @staticmethod
    def _comparison(conflict: Conflict) -> QFormLayout:
        """The object in the bucket beside the file: sizes and dates, as Explorer and
        Finder compare the two before a replace."""
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(2)
        if conflict.existing_size is not None:
            saved = local_time(conflict.existing_modified)
            text = format_size(conflict.existing_size) + (f", saved {saved}" if saved else "")
            stored = _body_label(text)
            stored.setObjectName("existingObject")
            form.addRow("In the bucket:", stored)
        modified = local_time(conflict.local_modified)
        text = format_size(conflict.local_size) + (f", modified {modified}" if modified else "")
        yours = _body_label(text)
        yours.setObjectName("uploadedFile")
        yours.setToolTip(str(conflict.local_path))
        form.addRow("Your file:", yours)
        return form

    def _choose(self, choice: ConflictChoice) -> None:
        self._choice = choice
        self.accept()

    def reject(self) -> None:  # Escape skips this file; it never replaces anything
        self._choice = ConflictChoice.SKIP
        self.accept()

    def answer(self) -> ConflictAnswer:
        return ConflictAnswer(self._choice, self.apply_all.isChecked())


class DeleteDialog(_QuestionDialog):
    """Names what goes; a folder needs a tick before Delete is enabled."""

    def __init__(self, plan: DeletePlan, parent: QWidget | None = None) -> None:
        icon = QStyle.StandardPixmap
        super().__init__(
            "Delete Folder" if plan.has_folders else "Delete",
            icon.SP_MessageBoxCritical if plan.has_folders else icon.SP_MessageBoxQuestion,
            parent,
        )
        self.setObjectName("deleteDialog")
        self.plan = plan
        self.body.addWidget(title_label(self._headline()))
        what = f"{count(plan.objects, 'object')} ({format_size(plan.bytes)})"
        if plan.keeps_versions:
            consequence = (
                f"{what} will be deleted from s3://{plan.bucket}. Students lose access to "
                "them at once. The bucket keeps versions, so S3 leaves a delete marker and "
                "the earlier versions stay (they still cost storage and can be restored)."
            )
        else:
            consequence = (
                f"{what} will be deleted permanently from s3://{plan.bucket}. "
                "Students lose access to them at once. This cannot be undone."
            )
        detail = _body_label(consequence)
        detail.setObjectName("deleteConsequence")
        self.body.addWidget(detail)
        names = list(plan.names[:MAX_NAMES])
        if len(plan.names) > MAX_NAMES:
            names.append(f"… and {len(plan.names) - MAX_NAMES:,} more")
        listing = _body_label("\n".join(f"•  {n}" for n in names))
        listing.setObjectName("deleteNames")
        listing.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.body.addWidget(listing)
        self.delete_button = QPushButton("Delete Folder" if plan.has_folders else "Delete")
        self.delete_button.setObjectName("confirmDelete")
        self.buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        cancel.setFocus()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.understood: QCheckBox | None = None
        if plan.has_folders:
            self._make_loud(detail, plan)

    def _headline(self) -> str:
        plan = self.plan
        if plan.has_folders and len(plan.names) == 1:
            return f"Delete the folder “{plan.names[0]}” and everything in it?"
        if plan.has_folders:
            return f"Delete {count(len(plan.names), 'item')}, folders included?"
        if len(plan.names) == 1:
            return f"Delete “{plan.names[0]}”?"
        return f"Delete {count(len(plan.names), 'object')}?"

    def _make_loud(self, detail: QLabel, plan: DeletePlan) -> None:
        palette = detail.palette()
        palette.setColor(QPalette.ColorRole.WindowText, DANGER)
        detail.setPalette(palette)
        font = QFont(detail.font())
        font.setBold(True)
        detail.setFont(font)
        self.understood = QCheckBox(
            f"I understand that {count(plan.objects, 'object')} will be deleted"
        )
        self.understood.setObjectName("deleteUnderstood")
        self.body.addWidget(self.understood)
        self.delete_button.setEnabled(False)
        self.understood.toggled.connect(self.delete_button.setEnabled)
        button_palette = self.delete_button.palette()
        button_palette.setColor(QPalette.ColorRole.ButtonText, DANGER)
        self.delete_button.setPalette(button_palette)


class LinkExpiryDialog(QDialog):
    """How long the shared link should work (15 minutes to 7 days, SigV4's limit)."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkDialog")
        self.setWindowTitle("Copy Link")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(title_label(f"Share “{key.rsplit('/', 1)[-1]}”"))
        layout.addWidget(
            _body_label(
                "Anyone with the link can download the object until it expires. "
                "The link is copied to the clipboard."
            )
        )
        row = QHBoxLayout()
        row.addWidget(QLabel("Link works for"))
        self.choice = QComboBox()
        self.choice.setObjectName("linkExpiry")
        for label, duration in EXPIRY_CHOICES:
            self.choice.addItem(label, duration)
        self.choice.setCurrentIndex(1)  # 1 hour
        row.addWidget(self.choice, 1)
        layout.addLayout(row)
        buttons = QDialogButtonBox()
        copy = buttons.addButton("Copy Link", QDialogButtonBox.ButtonRole.AcceptRole)
        copy.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def expiry(self) -> timedelta:
        value = self.choice.currentData()
        return value if isinstance(value, timedelta) else EXPIRY_CHOICES[1][1]
