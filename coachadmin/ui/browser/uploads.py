"""From dropped or chosen files to queued uploads, asking about keys that exist.

1. walk the dropped folders (worker thread): every file with the key it gets;
2. probe the videos among them (worker, a few KiB each: coachadmin.media); when
   one may not play well for students, ask: fix it (a lossless faststart copy is
   uploaded in its place), upload as it is, or cancel; nothing changes unasked;
3. ask S3 which of the keys exist (HeadObject, a few at a time, worker);
4. for each existing key ask: replace, keep both, or skip, with "apply to all";
5. for "keep both" find free numbered names (worker), then queue every upload
   in the transfer engine, which refuses an existing key unless told to replace.
   Each video goes with the Content-Type and metadata its probe found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from coachadmin.display import format_size
from coachadmin.ui.browser.controller import BrowserController
from coachadmin.ui.browser.dnd import PlannedUpload, UploadPlan, plan_uploads
from coachadmin.ui.browser.formatting import count
from coachadmin.ui.browser.progress import OperationProgress
from coachadmin.ui.browser.question_types import (
    Conflict,
    ConflictChoice,
    MediaChoice,
    MediaNotes,
)
from coachadmin.ui.browser.questions import Questions
from coachadmin.ui.transfers.service import TransferService
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from coachadmin.s3 import operations
    from coachadmin.s3.objects import ObjectInfo as StoredObject
    from coachadmin.services import media_readiness
    from coachadmin.services.media_readiness import Readiness
    from coachadmin.ui.browser import work
else:
    operations = WorkerModule("coachadmin.s3.operations")
    media_readiness = WorkerModule("coachadmin.services.media_readiness")
    work = WorkerModule("coachadmin.ui.browser.work")

log = logging.getLogger("coachadmin.ui.browser")

#: (file, key, replace an existing object)
Decision = tuple[PlannedUpload, str, bool]
#: The probe of each video in an upload, by its path.
Probed = dict[Path, "Readiness"]


class UploadFlow(QObject):
    #: Uploads were handed to the engine: how many (after skips).
    queued = Signal(int)

    def __init__(
        self,
        controller: BrowserController,
        questions: Callable[[], Questions],
        transfers: TransferService,
    ) -> None:
        super().__init__(controller)
        self.controller = controller
        self.questions = questions
        self.transfers = transfers
        self.bus = controller.bus

    def choose_and_upload(self) -> None:
        """The Upload button: a file dialog naming the folder, then the same path as a drop."""
        if self.controller.access is None:
            return
        paths = self.questions().upload_files(
            f"s3://{self.controller.bucket}/{self.controller.prefix}"
        )
        if paths:
            self.upload(paths, None)

    def upload(self, paths: list[Path], prefix: str | None) -> None:
        """Upload ``paths`` (files and folders) into ``prefix`` (None: the current folder)."""
        access = self.controller.access
        if access is None or not paths:
            return
        target = self.controller.prefix if prefix is None else prefix
        self.controller.bridge.run(plan_uploads, paths, target, on_result=self._probe, owner=self)

    def _probe(self, plan: UploadPlan) -> None:
        if plan.problems:
            shown = "; ".join(plan.problems[:3])
            more = f" and {len(plan.problems) - 3} more" if len(plan.problems) > 3 else ""
            self.bus.warning(f"Some files are left out: {shown}{more}")
        if not plan.uploads:
            return
        self.controller.bridge.run(
            media_readiness.probe_videos,
            [u.path for u in plan.uploads],
            on_result=lambda probed: self._ask_about_media(plan, probed),
            owner=self,
        )

    def _ask_about_media(self, plan: UploadPlan, probed: Probed) -> None:
        """Videos that may not play well: fix them first, send them as they are, or stop."""
        found = [probed.get(u.path) for u in plan.uploads]
        noted = [(ready.original, ready) for ready in found if ready is not None and ready.notes]
        if not noted:
            self._check_existing(plan, probed)
            return
        notes = MediaNotes(
            files=tuple((p.name, tuple(n.text for n in r.notes)) for p, r in noted),
            fixable=sum(1 for _p, r in noted if r.fixable),
        )
        choice = self.questions().media_notes(notes)
        if choice is None:
            self.bus.info("Upload cancelled: nothing was sent")
            return
        if choice is MediaChoice.AS_IS or not notes.fixable:
            self._check_existing(plan, probed)
            return
        fixable = [r for _p, r in noted if r.fixable]
        progress = OperationProgress(
            self.controller.page.window(), f"Preparing {count(len(fixable), 'video')}"
        )

        def fixed(copies: list[Readiness]) -> None:
            self._check_existing(plan, probed | {r.original: r for r in copies})

        self.controller.bridge.run(
            lambda: media_readiness.fix_indexes(
                fixable, progress=progress.report, cancelled=progress.cancel.is_set
            ),
            on_result=fixed,
            on_finished=progress.close,
            owner=self,
        )

    def _check_existing(self, plan: UploadPlan, probed: Probed) -> None:
        access = self.controller.access
        if access is None:
            return
        keys = [u.key for u in plan.uploads]
        access.run(
            operations.existing_objects,
            keys,
            on_result=lambda existing: self._resolve(plan, existing, probed),
            owner=self,
        )

    def _resolve(self, plan: UploadPlan, existing: dict[str, StoredObject], probed: Probed) -> None:
        """Ask about each existing key (GUI thread), then find names for "keep both"."""
        decisions: list[Decision] = []
        keep_both: list[PlannedUpload] = []
        conflicts = [u for u in plan.uploads if u.key in existing]
        remembered: ConflictChoice | None = None
        skipped = 0
        for number, upload in enumerate(plan.uploads):
            if upload.key not in existing:
                decisions.append((upload, upload.key, False))
                continue
            choice = remembered
            if choice is None:
                position = conflicts.index(upload)
                answer = self.questions().conflict(
                    Conflict(
                        upload.key,
                        upload.path,
                        upload.size,
                        len(conflicts) - position - 1,
                        existing_size=existing[upload.key].size,
                        existing_modified=existing[upload.key].last_modified,
                        local_modified=_modified(upload.path),
                    )
                )
                if answer is None:  # cancelled: nothing of this upload is queued
                    log.info("upload of %d files cancelled at file %d", len(plan.uploads), number)
                    return
                choice = answer.choice
                if answer.apply_to_all:
                    remembered = choice
            if choice is ConflictChoice.REPLACE:
                decisions.append((upload, upload.key, True))
            elif choice is ConflictChoice.KEEP_BOTH:
                keep_both.append(upload)
            else:
                skipped += 1
        if skipped:
            self.bus.info(f"Skipped {count(skipped, 'file')} that already exist")
        if not keep_both:
            self._queue(decisions, probed)
            return
        access = self.controller.access
        if access is None:
            return
        taken = {key for _upload, key, _replace in decisions}
        access.run(
            work.free_keys,
            [u.key for u in keep_both],
            taken,
            on_result=lambda names: self._queue(
                decisions + [(u, names[i], False) for i, u in enumerate(keep_both)], probed
            ),
            owner=self,
        )

    def _queue(self, decisions: list[Decision], probed: Probed) -> None:
        access = self.controller.access
        if access is None or not decisions:
            return
        for upload, key, replace in decisions:
            self.transfers.upload(
                upload.path,
                key,
                access.connection,
                overwrite=replace,
                media=probed.get(upload.path),
            )
        total = sum(u.size for u, _k, _r in decisions)
        self.bus.info(f"Uploading {count(len(decisions), 'file')} ({format_size(total)})")
        self.queued.emit(len(decisions))


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:  # gone meanwhile: the upload itself will say so
        return None
