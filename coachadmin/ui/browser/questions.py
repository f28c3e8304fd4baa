"""Every question the browser asks a person, in one replaceable object.

The browser never opens a QMessageBox or a file dialog itself: it asks its
:class:`Questions`. The main window owns one; tests give the window a
``Questions`` whose methods answer at once, so every branch (replace, keep both,
skip, apply to all, delete or not, quit or not) is tested without patching Qt.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from coachadmin.ui.browser.dialogs import ConflictDialog, DeleteDialog, LinkExpiryDialog
from coachadmin.ui.browser.question_types import (
    Conflict,
    ConflictAnswer,
    DeletePlan,
    MediaChoice,
    MediaNotes,
)


class Questions:
    """The real questions, as dialogs parented to ``parent`` (the main window)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def conflict(self, conflict: Conflict) -> ConflictAnswer | None:
        """Replace, keep both or skip ``conflict.key``; None cancels the whole upload."""
        dialog = ConflictDialog(conflict, self.parent)
        return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def confirm_delete(self, plan: DeletePlan) -> bool:
        return DeleteDialog(plan, self.parent).exec() == QDialog.DialogCode.Accepted

    def media_notes(self, notes: MediaNotes) -> MediaChoice | None:
        """Upload videos that may not play well? Fix them first, as they are, or not at all."""
        box, fix, as_is = media_question(notes, self.parent)
        box.exec()
        clicked = box.clickedButton()
        if fix is not None and clicked is fix:
            return MediaChoice.FIX
        return MediaChoice.AS_IS if clicked is as_is else None

    def confirm_restore(self, key: str, when: str) -> bool:
        """Make the version saved ``when`` the current one? Nothing is deleted."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Restore Version")
        box.setText(f"Make the version of {when} the current {key.rsplit('/', 1)[-1]}?")
        box.setInformativeText(
            "The version shown now is kept in the list of versions: you can restore it "
            "the same way. Links to this object show the restored version."
        )
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is restore

    def text(self, title: str, label: str, value: str = "") -> str | None:
        """A name typed by the user (new folder, rename); None when cancelled."""
        text, ok = QInputDialog.getText(self.parent, title, label, QLineEdit.EchoMode.Normal, value)
        return text if ok and text.strip() else None

    def link_expiry(self, key: str) -> timedelta | None:
        dialog = LinkExpiryDialog(key, self.parent)
        return dialog.expiry() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def confirm_quit(self, running: int) -> bool:
        """Quit with ``running`` transfers unfinished? They pause and resume next time."""
        one = running == 1
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        # Qt adds the app's name to a dialog's title: "Quit — coachadmin", never clipped.
        box.setWindowTitle("Quit")
        box.setText(f"{running} {'transfer is' if one else 'transfers are'} still running.")
        box.setInformativeText(
            f"If you quit now {'it is' if one else 'they are'} paused, and "
            f"{'continues' if one else 'continue'} the next time you open coachadmin."
        )
        quit_button = box.addButton("Pause and Quit", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep Working", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is quit_button

    def confirm_reset_demo(self) -> bool:
        """Delete what the user put in the demo and start it from the sample data?"""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Reset the demo?")
        box.setText("Start the demo again from its sample data?")
        box.setInformativeText(
            "Everything you uploaded to the demo and every change to its lessons is deleted. "
            "Your real connections are not touched."
        )
        reset_button = box.addButton("Reset the Demo", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is reset_button

    def upload_files(self, destination: str) -> list[Path]:
        """Files to upload to ``destination`` (``s3://bucket/videos/``), named in the title."""
        dialog = upload_dialog(self.parent, destination)
        if not dialog.exec():
            return []
        return [Path(n) for n in dialog.selectedFiles()]

    def download_folder(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self.parent, "Download to folder")
        return Path(folder) if folder else None


def upload_dialog(parent: QWidget | None, destination: str) -> QFileDialog:
    """The file dialog of Upload: its title and its button say where the files go."""
    dialog = QFileDialog(parent, f"Upload to {destination}")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Upload")
    return dialog


def media_question(
    notes: MediaNotes, parent: QWidget | None
) -> tuple[QMessageBox, QPushButton | None, QPushButton]:
    """The question before uploading videos that may not play well, and its Fix and Upload
    (None when no file can be fixed) and Upload As It Is / As They Are buttons."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Before Uploading")
    some = len(notes.files)
    # "file": a note may be that the file holds no video at all.
    box.setText(f"{some} {'file' if some == 1 else 'files'} may not play well for students.")
    lines = [f"•  {name} — {' '.join(texts)}" for name, texts in notes.files[:6]]
    if some > 6:
        lines.append(f"•  … and {some - 6} more")
    if notes.fixable:
        which = (
            "" if notes.fixable == some
            else f" (for the {notes.fixable} it can help; the others go as they are)"
        )  # fmt: skip
        lines.append(
            f"Fix and Upload moves the index to the front without re-encoding (the same "
            f"frames){which}; the files on this computer are not changed."
        )
    box.setInformativeText("\n\n".join(lines))
    fix = None
    if notes.fixable:
        fix = box.addButton("Fix and Upload", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(fix)
    as_is = box.addButton(
        "Upload As It Is" if some == 1 else "Upload As They Are",
        QMessageBox.ButtonRole.DestructiveRole,
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    return box, fix, as_is
