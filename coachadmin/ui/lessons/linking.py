"""What changes a lesson's video: link (by dialog, by drop, from an object), upload and link,
unlink, unlink and delete, and watch as a student.

Every change asks first where it replaces or deletes something. Authors see
these actions disabled, with a tooltip that says why. Upload and link records
the pending link durably before the upload starts; the link is made when the
upload is verified (here when a transfer reaches done, or when the panel loads
after ``coachadmin resume`` finished it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from coachadmin.backend.models import Lesson, StreamUrl
from coachadmin.display import format_size
from coachadmin.s3.listing import ObjectInfo
from coachadmin.services.lesson_usage import LessonRef, LinkedObjectDelete
from coachadmin.services.lesson_videos import NotInAFolder, refuse_root_key
from coachadmin.services.link_check import LinkState, is_legacy_id, is_s3_key
from coachadmin.services.pending_links import Applied, Outcome, PendingLink, PendingLinks
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.transfers.journal import Journal
from coachadmin.ui.bridge import EventRelay
from coachadmin.ui.browser.progress import OperationProgress
from coachadmin.ui.browser.question_types import MediaChoice, MediaNotes
from coachadmin.ui.browser.questions import Questions
from coachadmin.ui.icons import icon
from coachadmin.ui.lessons.dialogs import (
    ChooseLessonDialog,
    ChooseVideoDialog,
    ReplaceLinkDialog,
    ask,
    describe_current,
)
from coachadmin.ui.lessons.mime import ObjectRef
from coachadmin.ui.lessons.models import LessonRow
from coachadmin.ui.lessons.session import ADMIN_ONLY, BackendSession
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from coachadmin.media.health import MediaHealth
    from coachadmin.services import transfer_connections, upload_link
    from coachadmin.services.media_readiness import Readiness
    from coachadmin.transfers import clients
    from coachadmin.transfers import queue as queue_module
    from coachadmin.transfers.queue import TransferQueue
    from coachadmin.ui.lessons import work
    from coachadmin.ui.lessons.panel import LessonsPanel
    from coachadmin.ui.lessons.player import StudentPlayer
    from coachadmin.ui.transfers.service import TransferService
else:
    clients = WorkerModule("coachadmin.transfers.clients")
    queue_module = WorkerModule("coachadmin.transfers.queue")
    transfer_connections = WorkerModule("coachadmin.services.transfer_connections")
    upload_link = WorkerModule("coachadmin.services.upload_link")
    work = WorkerModule("coachadmin.ui.lessons.work")

log = logging.getLogger("coachadmin.ui.lessons")

SIGN_IN_FIRST = "Sign in to the backend first"


def _choose_file(parent: QWidget) -> Path | None:
    name, _filter = QFileDialog.getOpenFileName(
        parent, "Upload a video and link it", "", "Videos (*.mp4 *.m4v *.mov *.webm *.mkv);;All (*)"
    )
    return Path(name) if name else None


def _questions(panel: QWidget) -> Questions:
    """The main window's questions (tests script them), or the panel's own when alone."""
    window = panel.window()
    found = getattr(window, "questions", None)
    return found if isinstance(found, Questions) else Questions(window)


def _remove_copy(ready: Readiness | None) -> None:
    """Remove a faststart copy that will not be uploaded after all."""
    if ready is not None and ready.temporary:
        ready.path.unlink(missing_ok=True)


class Linker(QObject):
    def __init__(self, panel: LessonsPanel, transfers: TransferService | None) -> None:
        super().__init__(panel)
        self.panel = panel
        self.checking = False
        self.dialog: QObject | None = None
        self.player: StudentPlayer | None = None
        #: Asks for the file to upload; tests replace it.
        self.choose_file: Callable[[], Path | None] = lambda: _choose_file(panel.window())
        #: Asks what to do with a video that may not play well (the window's questions).
        self.ask_media: Callable[[MediaNotes], MediaChoice | None] = lambda notes: _questions(
            panel
        ).media_notes(notes)
        #: The app's transfer service: uploads show in the transfers panel. Without one
        #: (tests of the panel alone) the linker runs a queue of its own.
        self.transfers = transfers
        self._queue: TransferQueue | None = None
        self._relay: EventRelay | None = None
        self._lock = threading.Lock()
        if transfers is not None:
            transfers.upload_finished.connect(lambda _event: self.apply_pending())

        def action(name: str, text: str, icon_name: str | None = None) -> QAction:
            made = QAction(text, panel)
            made.setObjectName(name)
            if icon_name:
                made.setIcon(icon(icon_name))
            return made

        self.link_action = action("linkVideo", "Link video…", "link")
        self.upload_action = action("uploadAndLink", "Upload and link…", "upload")
        self.unlink_action = action("unlinkVideo", "Unlink", "unlink")
        self.delete_action = action("unlinkAndDelete", "Unlink and delete…", "delete")
        self.watch_action = action("watchAsStudent", "Watch as student", "preview")
        self.link_action.triggered.connect(self.link_video)
        self.upload_action.triggered.connect(self.upload_and_link)
        self.unlink_action.triggered.connect(self.unlink)
        self.delete_action.triggered.connect(self.unlink_and_delete)
        self.watch_action.triggered.connect(self.watch)
        panel.lesson_model.objects_dropped.connect(self._dropped)

    def actions(self) -> list[QAction]:
        return [
            self.link_action,
            self.upload_action,
            self.unlink_action,
            self.delete_action,
            self.watch_action,
        ]

    @property
    def session(self) -> BackendSession:
        return self.panel._require_session()

    def update_actions(self) -> None:
        """Enabled only when it can work; otherwise a tooltip that says why not."""
        session = self.panel.session
        row = self.panel.selected_row()
        signed_in = session is not None and session.signed_in
        admin = session is not None and session.is_admin
        video = row.lesson.video_id if row else None
        playable = bool(video) and is_s3_key(video or "") and not is_legacy_id(video or "")

        def rule(action: QAction, ok_for_row: bool, tip: str, admin_only: str | None) -> None:
            if not signed_in:
                action.setEnabled(False)
                action.setToolTip(SIGN_IN_FIRST)
            elif admin_only and not admin:
                action.setEnabled(False)
                action.setToolTip(admin_only)
            elif row is None:
                action.setEnabled(False)
                action.setToolTip("Select a lesson first")
            else:
                action.setEnabled(ok_for_row)
                action.setToolTip(tip)

        rule(self.link_action, True, "Link a video from videos/ to this lesson", ADMIN_ONLY)
        rule(
            self.upload_action,
            True,
            "Upload a video into videos/ and link it once the upload is verified",
            ADMIN_ONLY,
        )
        rule(
            self.unlink_action,
            bool(video),
            "Remove the link; the video stays in the bucket"
            if video
            else "This lesson has no video",
            "Only admins can unlink videos",
        )
        rule(
            self.delete_action,
            playable,
            "Remove the link and delete the video from the bucket"
            if playable
            else "This lesson has no video in the bucket",
            "Only admins can delete videos",
        )
        rule(
            self.watch_action,
            playable,
            "Play the lesson through the link students get"
            if playable
            else "This lesson has no video that plays",
            None,
        )

    # -- linking -------------------------------------------------------------------------

    def link_video(self) -> None:
        row = self.panel.selected_row()
        connection = self.panel.connection
        if row is None or connection is None:
            return
        self.panel.bridge.run(
            work.list_videos,
            connection.s3,
            connection.bucket,
            on_result=lambda videos: self._choose_video(row, videos),
            owner=self,
        )

    def _choose_video(self, row: LessonRow, videos: list[ObjectInfo]) -> None:
        dialog = ChooseVideoDialog(row.lesson, videos, self.panel.window())
        self.dialog = dialog

        def chosen() -> None:
            key = dialog.selected_key()
            if key and self.panel.connection is not None:
                self.link_key(row, self.panel.connection.bucket, key)

        dialog.accepted.connect(chosen)
        dialog.open()

    def link_to_lesson(self, bucket: str, key: str) -> None:
        """ "Link to lesson…" on an object in the browser: pick the lesson, then link."""
        self.session.call(
            work.lessons_of_all_courses,
            on_result=lambda refs: self._choose_lesson(bucket, key, refs),
            owner=self,
        )

    def _choose_lesson(self, bucket: str, key: str, refs: list[LessonRef]) -> None:
        dialog = ChooseLessonDialog(key, refs, self.panel.window())
        self.dialog = dialog

        def chosen() -> None:
            ref = dialog.selected()
            if ref is not None:
                self.link_key(LessonRow(ref.course, ref.lesson), bucket, key)

        dialog.accepted.connect(chosen)
        dialog.open()

    def _dropped(self, source_row: int, objects: list[ObjectRef]) -> None:
        row = self.panel.lesson_model.rows[source_row]
        self.link_key(row, objects[0].bucket, objects[0].key)

    def link_key(self, row: LessonRow, bucket: str, key: str) -> None:
        """Link ``key`` to the lesson, asking first (with both videos) if it replaces one."""
        session, connection, bus = self.panel.session, self.panel.connection, self.panel.bus
        if session is None or connection is None:
            return
        if not session.is_admin:
            bus.warning(f"{ADMIN_ONLY}: “{row.lesson.title}” was not changed.")
            return
        if bucket != connection.bucket:
            bus.error(
                f"{key} is in s3://{bucket}, but the platform plays videos from "
                f"s3://{connection.bucket}: copy it there first."
            )
            return
        if row.lesson.video_id == key:
            bus.info(f"“{row.lesson.title}” already links {key}.")
            return
        try:
            refuse_root_key(key)
        except NotInAFolder as refused:
            bus.error(str(refused))
            return
        self.panel.bridge.run(
            work.replace_info,
            connection.s3,
            bucket,
            key,
            row.lesson.video_id,
            on_result=lambda info: self._confirm_link(row, key, info),
            owner=self,
        )

    def _confirm_link(self, row: LessonRow, key: str, info: work.ReplaceInfo) -> None:
        if info.new is None:
            self.panel.bus.error(f"{key} is not in the bucket, so students could not play it.")
            return
        size = info.new.size
        old = row.lesson.video_id
        if not old:
            self._do_link(row, key, size, info.health)
            return
        dialog = ReplaceLinkDialog(
            row.lesson,
            old=describe_current(old, info.old),
            new=f"{key}\n{format_size(size)}",
            parent=self.panel.window(),
        )
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._do_link(row, key, size, info.health))
        dialog.open()

    def _do_link(
        self, row: LessonRow, key: str, size: int, health: MediaHealth | None = None
    ) -> None:
        def linked(lesson: Lesson) -> None:
            self.panel.lesson_model.update_lesson(lesson, state=LinkState.LINKED, size=size)
            self.panel.links_changed()
            if health is not None and not health.healthy:
                self.panel.bus.warning(
                    f"Linked {key} to “{lesson.title}”, but it may not play for students: "
                    f"{health.describe()}"
                )
            else:
                self.panel.bus.info(f"Linked {key} to “{lesson.title}”.")
            self.update_actions()

        self.session.call(
            lambda client: client.link(row.lesson.id, key), on_result=linked, owner=self
        )

    # -- unlinking -------------------------------------------------------------------------

    def unlink(self) -> None:
        row = self.panel.selected_row()
        if row is None or not row.lesson.video_id:
            return
        video = row.lesson.video_id

        def unlinked(lesson: Lesson) -> None:
            self.panel.lesson_model.update_lesson(lesson, state=LinkState.NO_VIDEO, size=None)
            self.panel.links_changed()
            self.panel.bus.info(f"Unlinked “{lesson.title}”; {video} stays in the bucket.")
            self.update_actions()

        self.dialog = ask(
            self.panel.window(),
            name="unlinkQuestion",
            title="Unlink the video?",
            text=f"Unlink the video from “{row.lesson.title}”?",
            detail=f"{video} stays in the bucket. Students see no video in this lesson.",
            yes_text="Unlink",
            on_yes=lambda: self.session.call(
                lambda client: client.unlink(row.lesson.id), on_result=unlinked, owner=self
            ),
        )

    def unlink_and_delete(self) -> None:
        """Asks twice; refuses when another lesson links the same video."""
        row = self.panel.selected_row()
        if row is None or not row.lesson.video_id:
            return
        key = row.lesson.video_id
        size = f" ({format_size(row.size)})" if row.size is not None else ""
        self.dialog = ask(
            self.panel.window(),
            name="deleteQuestion",
            title="Unlink and delete the video?",
            text=f"Unlink the video from “{row.lesson.title}” and delete it from the bucket?",
            detail=f"{key}{size} will be deleted. The next question asks once more.",
            yes_text="Continue…",
            destructive=True,
            on_yes=lambda: self.session.call(
                lambda client: work.other_lessons_using(client, key, row.lesson.id),
                on_result=lambda others: self._confirm_delete(row, key, others),
                owner=self,
            ),
        )

    def _confirm_delete(self, row: LessonRow, key: str, others: list[LessonRef]) -> None:
        if others:
            self.panel.bus.error(str(LinkedObjectDelete({key: others})))
            return

        def deleted(_key: str) -> None:
            lesson = Lesson(row.lesson.id, row.lesson.course_id, row.lesson.title,
                            row.lesson.order, None)  # fmt: skip
            self.panel.lesson_model.update_lesson(lesson, state=LinkState.NO_VIDEO, size=None)
            self.panel.links_changed()
            self.panel.bus.info(f"Deleted {key} and unlinked “{row.lesson.title}”.")
            self.update_actions()

        self.dialog = ask(
            self.panel.window(),
            name="deleteConfirm",
            title="Delete the video for good?",
            text=f"Really delete {key}?",
            detail="This cannot be undone (unless the bucket keeps versions).",
            yes_text="Delete the video",
            destructive=True,
            on_yes=lambda: self.session.call(
                lambda client: client.delete_video(row.lesson.id), on_result=deleted, owner=self
            ),
        )

    # -- watching --------------------------------------------------------------------------

    def watch(self) -> None:
        row = self.panel.selected_row()
        if row is None:
            return

        def play(stream: StreamUrl) -> None:
            from coachadmin.ui.lessons.player import StudentPlayer  # noqa: PLC0415 - QtMultimedia on first play

            self.player = StudentPlayer(row.lesson, stream, self.panel.window())
            self.player.open()

        self.session.call(
            lambda client: client.stream_url(row.lesson.id), on_result=play, owner=self
        )

    # -- upload and link -------------------------------------------------------------------

    def upload_and_link(self) -> None:
        row = self.panel.selected_row()
        connection = self.panel.connection
        if row is None or connection is None:
            return
        path = self.choose_file()
        if path is None:
            return
        self.panel.bridge.run(  # a file that is no video is refused (NotAVideo): the banner
            work.lesson_video,
            path,
            on_result=lambda ready: self._ask_about_media(row, path, ready),
            owner=self,
        )

    def _ask_about_media(self, row: LessonRow, path: Path, ready: Readiness | None) -> None:
        """A video that may not play well: fix it first, send it as it is, or stop."""
        if ready is None or not ready.notes:
            self._confirm_if_replacing(row, path, ready)
            return
        notes = MediaNotes(
            files=((path.name, tuple(note.text for note in ready.notes)),),
            fixable=int(ready.fixable),
        )
        choice = self.ask_media(notes)
        if choice is None:
            return
        if choice is MediaChoice.AS_IS or not ready.fixable:
            self._confirm_if_replacing(row, path, ready)
            return
        progress = OperationProgress(self.panel.window(), f"Preparing {path.name}")
        self.panel.bridge.run(
            work.fix_video,
            ready,
            progress.report,
            progress.cancel,
            on_result=lambda fixed: self._confirm_if_replacing(row, path, fixed),
            on_finished=progress.close,
            owner=self,
        )

    def _confirm_if_replacing(self, row: LessonRow, path: Path, ready: Readiness | None) -> None:
        connection = self.panel.connection
        if connection is None:
            return
        if not row.lesson.video_id:
            self._start_upload(row, path, ready)
            return
        old = row.lesson.video_id
        self.panel.bridge.run(
            work.replace_info,
            connection.s3,
            connection.bucket,
            old,
            old,
            on_result=lambda info: self._confirm_upload(row, path, old, info, ready),
            owner=self,
        )

    def _confirm_upload(
        self,
        row: LessonRow,
        path: Path,
        old: str,
        info: work.ReplaceInfo,
        ready: Readiness | None,
    ) -> None:
        try:
            size = format_size(path.stat().st_size)
        except OSError:
            size = "?"
        dialog = ReplaceLinkDialog(
            row.lesson,
            old=describe_current(old, info.old),
            new=f"{path.name}\n{size}, uploaded into videos/ and linked once verified",
            parent=self.panel.window(),
        )
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._start_upload(row, path, ready))
        dialog.rejected.connect(lambda: _remove_copy(ready))
        dialog.open()

    def _transfer_queue(self) -> TransferQueue:
        """The queue to upload with (called on a worker: the engine loads boto3)."""
        if self.transfers is not None:
            return self.transfers.queue()
        with self._lock:
            if self._queue is None:
                self._queue = queue_module.TransferQueue(Journal(), clients.TransferClients())
                assert self._relay is not None
                self._queue.subscribe(self._relay.post)
            return self._queue

    def _start_upload(self, row: LessonRow, path: Path, ready: Readiness | None = None) -> None:
        session, connection = self.session, self.panel.connection
        if connection is None or session.api_url is None:
            _remove_copy(ready)
            return
        api_url, bucket, settings = session.api_url, connection.bucket, connection.s3
        if self.transfers is None and self._relay is None:
            self._relay = EventRelay(self, key=lambda event: event.transfer_id)
            self._relay.batch.connect(self._transfer_events)

        def start() -> PendingLink:
            queue = self._transfer_queue()
            with PendingLinks() as store:
                link = upload_link.start_upload_and_link(
                    queue, settings, store, path=path, bucket=bucket, lesson_id=row.lesson.id,
                    api_url=api_url, connection=connection.transfer_owner, media=ready,
                )  # fmt: skip
            if ready is not None and ready.temporary and self.transfers is not None:
                self.transfers.remove_when_done(str(link.transfer_id), ready.path)
            return link

        def started(link: PendingLink) -> None:
            self.refresh_pending()
            self.panel.bus.info(
                f"Uploading {path.name} as {link.key}; it is linked to “{row.lesson.title}” "
                "once the upload is verified."
            )

        self.panel.bridge.run(start, on_result=started, owner=self)

    def _transfer_events(self, events: list[TransferEvent]) -> None:
        if any(e.state is TransferState.DONE for e in events):
            self.apply_pending()

    def apply_pending(self) -> None:
        """Make the links whose uploads are verified (after a resume, maybe days later)."""
        session, connection = self.panel.session, self.panel.connection
        if session is None or connection is None:
            return
        fallback = connection.s3

        transfers = self.transfers
        # This panel's demo, for links whose uploads went to the demo.
        demo = connection.s3 if connection.demo else None

        def apply() -> list[Applied]:
            settings_for = (
                transfers.queue().settings_for
                if transfers is not None
                else transfer_connections.TransferConnections(demo=lambda: demo)
            )
            # The queue's own journal: a small upload's "done" may still wait there to be
            # written with others (Journal.update_soon), and only that journal sees it.
            return upload_link.finish_pending_links(
                clients.TransferClients(),
                fallback=fallback,
                backend_for=session.backend_for,
                settings_for=settings_for,
                journal=self._transfer_queue().journal,
            )

        self.panel.bridge.run(
            apply,
            on_result=self._applied,
            owner=self,
        )

    def _applied(self, results: list[Applied]) -> None:
        for result in results:
            link = result.link
            if result.outcome is Outcome.LINKED and result.lesson is not None:
                self.panel.lesson_model.update_lesson(
                    result.lesson, state=LinkState.LINKED, size=link.size
                )
                self.panel.links_changed()
                self.panel.bus.info(f"Uploaded and linked {link.key} to “{result.lesson.title}”.")
            elif result.outcome is Outcome.DROPPED:
                self.panel.bus.warning(f"Not linked to the lesson: {result.message}")
        self.refresh_pending()
        self.update_actions()

    def refresh_pending(self) -> None:
        self.panel.bridge.run(
            work.pending_by_lesson, on_result=self.panel.lesson_model.set_pending, owner=self
        )

    def shutdown(self) -> None:
        with self._lock:
            queue, self._queue = self._queue, None
        if queue is not None:
            queue.shutdown()
            queue.journal.close()
