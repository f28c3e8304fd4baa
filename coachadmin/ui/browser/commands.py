"""What the browser's actions do: new folder, rename, move, delete, download, links, properties.

Each command asks its question through :class:`Questions` (replaceable in tests),
runs the S3 work from :mod:`coachadmin.s3.operations` on a worker thread through
:class:`BucketAccess`, and updates the list and the tree when it is done. Errors
reach the banner as sentences (the operations raise ``BrowseError``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from coachadmin.display import printable
from coachadmin.s3.listing import ObjectInfo
from coachadmin.ui.browser.access import BucketAccess
from coachadmin.ui.browser.controller import BrowserController
from coachadmin.ui.browser.formatting import count, local_time
from coachadmin.ui.browser.object_model import is_folder
from coachadmin.ui.browser.progress import OperationProgress
from coachadmin.ui.browser.properties_dialog import PropertiesDialog
from coachadmin.ui.browser.question_types import DeletePlan
from coachadmin.ui.browser.questions import Questions
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from coachadmin.s3 import operations, properties, versions
    from coachadmin.ui.browser import work
    from coachadmin.ui.transfers.service import TransferService
else:
    operations = WorkerModule("coachadmin.s3.operations")
    properties = WorkerModule("coachadmin.s3.properties")
    versions = WorkerModule("coachadmin.s3.versions")
    work = WorkerModule("coachadmin.ui.browser.work")

log = logging.getLogger("coachadmin.ui.browser")

DeleteGuard = Callable[[str, list[str], Callable[[], None], Sequence[str]], None]


class BrowserCommands(QObject):
    def __init__(
        self,
        controller: BrowserController,
        questions: Callable[[], Questions],
        transfers: TransferService | None = None,
    ) -> None:
        super().__init__(controller)
        self.controller = controller
        self.questions = questions
        self.transfers = transfers
        self.bus = controller.bus
        #: Checks that no lesson links what is about to go: (bucket, keys, proceed, prefixes).
        #: The lessons panel sets it; ``proceed`` runs only when nothing is linked.
        self.delete_guard: DeleteGuard | None = None
        #: Links one object to a lesson: (bucket, key). The lessons panel sets it.
        self.link_hook: Callable[[str, str], None] | None = None

    @property
    def access(self) -> BucketAccess | None:
        return self.controller.access

    def _run(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Run ``coachadmin.s3.operations.<name>(client, bucket, *args)`` on a worker."""
        if self.access is not None:
            self.access.run(getattr(operations, name), *args, owner=self, **kwargs)

    # -- new folder ----------------------------------------------------------------
    def new_folder(self) -> None:
        if self.access is None:
            return
        where = self.controller.prefix or "the top of the bucket"
        name = self.questions().text("New Folder", f"Name of the new folder in {where}:")
        if name is None:
            return
        self._run(
            "create_folder",
            self.controller.prefix,
            name,
            on_result=self._folder_created,
        )

    def _folder_created(self, prefix: str) -> None:
        self.controller.show_new_object(ObjectInfo(prefix, 0, None, "", ""))
        self.controller.select_key(prefix)
        self.bus.info(f"Created the folder {prefix}")

    # -- rename and move -------------------------------------------------------------
    def rename(self) -> None:
        info = self._single("Select one object or folder to rename.")
        if info is None:
            return
        name = self.questions().text("Rename", "New name:", info.name)
        if name is None or name.strip() == info.name:
            return
        if "/" in name.strip():
            self.bus.warning("A name cannot contain '/'. Use Move to put it in another folder.")
            return
        parent = info.key[: len(info.key.rstrip("/")) - len(info.name)]
        target = parent + name.strip() + ("/" if is_folder(info) else "")
        self._move(info, target)

    def move(self) -> None:
        info = self._single("Select one object or folder to move.")
        if info is None:
            return
        answer = self.questions().text(
            "Move", "Move to folder (a prefix such as videos/2025/):", self.controller.prefix
        )
        if answer is None:
            return
        folder = answer.strip().lstrip("/")
        if folder and not folder.endswith("/"):
            folder += "/"
        target = folder + info.name + ("/" if is_folder(info) else "")
        if target != info.key:
            self._move(info, target)

    def _move(self, info: ObjectInfo, target: str) -> None:
        progress = OperationProgress(
            self.controller.page.window(), f"Moving {info.name} to {target}"
        )
        name = "move_prefix" if is_folder(info) else "move_object"

        def done(_result: object) -> None:
            self.controller.model.remove([info.key])
            if is_folder(info):
                self.controller.tree.forget(info.key)
            moved = ObjectInfo(target, info.size, datetime.now(UTC), info.etag, info.storage_class)
            self.controller.show_new_object(moved)
            self.controller.select_key(target)
            self.bus.info(f"Moved {info.key} to {target}")

        self._run(
            name,
            info.key,
            target,
            progress=progress.report,
            cancel=progress.cancel,
            on_result=done,
            on_finished=progress.close,
        )

    # -- delete ----------------------------------------------------------------------
    def delete(self) -> None:
        selected = self.controller.selected_infos()
        if not selected or self.access is None:
            return
        folders = [i.key for i in selected if is_folder(i)]
        keys = [i.key for i in selected if not is_folder(i)]
        names = tuple(self.controller.model.display_name(i) for i in selected)
        plain = sum(i.size for i in selected if not is_folder(i))

        def check_then_ask() -> None:
            assert self.access is not None
            self.access.run(work.before_delete, folders, on_result=ask, owner=self)

        def ask(found: tuple[list[Any], bool]) -> None:
            summaries, keeps_versions = found
            plan = DeletePlan(
                bucket=self.controller.bucket,
                keys=tuple(keys),
                folders=tuple(folders),
                objects=len(keys) + sum(s.objects for s in summaries),
                bytes=plain + sum(s.bytes for s in summaries),
                names=names,
                keeps_versions=keeps_versions,
            )
            if self.questions().confirm_delete(plan):
                self._delete(plan)

        if self.delete_guard is None:
            check_then_ask()
        else:  # refused, naming the lessons, when a lesson links any of it
            self.delete_guard(self.controller.bucket, keys, check_then_ask, folders)

    # -- link to a lesson ----------------------------------------------------------------
    def link_lesson(self) -> None:
        info = self._single("Select one video to link to a lesson.")
        if info is not None and self.link_hook is not None:
            self.link_hook(self.controller.bucket, info.key)

    def _delete(self, plan: DeletePlan) -> None:
        def done(gone: int) -> None:
            self.controller.model.remove([*plan.keys, *plan.folders])
            for folder in plan.folders:
                self.controller.tree.forget(folder)
            self.bus.info(f"Deleted {count(gone, 'object')}")

        assert self.access is not None
        self.access.run(work.delete, plan.keys, plan.folders, on_result=done, owner=self)

    # -- download --------------------------------------------------------------------
    def download(self) -> None:
        selected = self.controller.selected_infos()
        if not selected or self.access is None or self.transfers is None:
            return
        folder = self.questions().download_folder()
        if folder is None:
            return
        access, transfers = self.access, self.transfers
        connection = access.connection

        def queue(plan: work.DownloadPlan) -> None:
            for key, dest in plan.jobs:
                transfers.download(key, dest, connection)
            self.bus.info(f"Downloading {count(len(plan.jobs), 'file')} to {folder}")
            if plan.renamed:
                key, path = plan.renamed[0]
                self.bus.info(
                    f"{count(len(plan.renamed), 'file')} saved under another name, because "
                    "another object's file or folder would have the same name on some disks "
                    f"(letter case, characters no file name may hold): {printable(key)} is "
                    f"saved as {path.name}."
                )
            if plan.refused:
                self.bus.warning(
                    f"{count(len(plan.refused), 'object')} not downloaded. {plan.refused[0]}"
                )

        access.run(work.plan_download, selected, folder, on_result=queue, owner=self)

    # -- copy key, copy link, properties ------------------------------------------------
    def copy_key(self) -> None:
        keys = [i.key for i in self.controller.selected_infos()]
        if keys:
            QGuiApplication.clipboard().setText("\n".join(keys))
            self.bus.info(
                f"Copied the key {keys[0]}" if len(keys) == 1 else f"Copied {len(keys)} keys"
            )

    def copy_link(self) -> None:
        info = self._single("Select one object to share.")
        if info is None or is_folder(info) or self.access is None:
            if info is not None and is_folder(info):
                self.bus.warning("A link can only be made for an object, not a folder.")
            return
        expiry = self.questions().link_expiry(info.key)
        if expiry is None:
            return
        self.access.run(work.presign, info.key, expiry, on_result=self._link_ready, owner=self)

    def _link_ready(self, link: Any) -> None:
        QGuiApplication.clipboard().setText(link.url)
        until = link.effective_expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
        warning = link.warning()
        if warning:
            self.bus.warning(f"Link copied. {warning}")
        else:
            self.bus.info(f"Link copied to the clipboard. It works until {until}.")

    def properties(self) -> None:
        info = self._single("Select one object to see its properties.")
        if info is None or self.access is None:
            return
        if is_folder(info):
            self.bus.info("Folders have no properties of their own; select an object.")
            return
        self.access.run(
            properties.object_properties,
            info.key,
            on_result=self._show_properties,
            owner=self,
        )

    def _show_properties(self, props: Any) -> None:
        dialog = PropertiesDialog(
            props,
            self.controller.page.window(),
            restore=lambda version: self._restore_version(props.key, version, dialog),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.last_dialog: QWidget | None = dialog

    def _restore_version(self, key: str, version: Any, dialog: QWidget) -> None:
        """Make an earlier version the current one (a server-side copy), then show it."""
        when = local_time(version.last_modified) or "an unknown date"
        if self.access is None or not self.questions().confirm_restore(key, when):
            return
        name = key.rsplit("/", 1)[-1]
        progress = OperationProgress(self.controller.page.window(), f"Restoring {name}")

        def done(_result: object) -> None:
            dialog.close()
            self.bus.info(f"Restored the version of {when} of {name}; the newer one is kept.")
            restored = ObjectInfo(key, version.size, datetime.now(UTC), version.etag, "")
            self.controller.show_new_object(restored)
            self.controller.select_key(key)
            self.properties()

        self.access.run(
            versions.restore_version,
            key,
            version,
            progress=progress.report,
            cancel=progress.cancel,
            on_result=done,
            on_finished=progress.close,
            owner=self,
        )

    def _single(self, hint: str) -> ObjectInfo | None:
        selected = self.controller.selected_infos()
        if len(selected) == 1:
            return selected[0]
        current = self.controller.current_info()
        if not selected and current is not None:
            return current
        if selected:
            self.bus.info(hint)
        return None
