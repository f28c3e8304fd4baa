"""The preview pane: the selected object's preview, its details and links.

Every load runs on a worker through the bridge, so the window never waits for S3.
Each selection is a new request of a :class:`~coachadmin.ui.bridge.Latest`: a
result that arrives for an older one is dropped, and the older task is cancelled
if it has not started, so arrowing quickly through a folder shows only the last
object. The media player is created the first time a video or audio file is shown
(Qt Multimedia then loads its backend), so opening the window costs nothing of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QStackedWidget, QVBoxLayout, QWidget

from coachadmin.display import format_size
from coachadmin.errors import UserFacingError
from coachadmin.s3.presign import DEFAULT_EXPIRY, PresignedUrl, has_dot_segments
from coachadmin.ui import bridge as bridge_module
from coachadmin.ui import messages
from coachadmin.ui.bridge import Latest
from coachadmin.ui.panels import name_widget, section_header
from coachadmin.ui.preview import links
from coachadmin.ui.preview.access import S3Access
from coachadmin.ui.preview.details_view import DetailsView
from coachadmin.ui.preview.image_view import ImageView
from coachadmin.ui.preview.kinds import Kind, classify, describe
from coachadmin.ui.preview.loaders import ImageResult, TextResult, load_image, load_text
from coachadmin.ui.preview.message_view import LoadingView, MessageView
from coachadmin.ui.preview.text_format import clock, local_time
from coachadmin.ui.preview.text_view import TextView
from coachadmin.ui.widgets import ElidedLabel, PlaceholderLabel

if TYPE_CHECKING:
    from coachadmin.connection import Connection
    from coachadmin.ui.bridge import Bridge
    from coachadmin.ui.browser.selection import SelectedObject
    from coachadmin.ui.preview.media_view import MediaView

log = logging.getLogger("coachadmin.preview")

NO_PREVIEW = "No preview for this type of file. Its details are below."
#: The player asks through a link, and a link's '.' and '..' parts are removed on the way.
NO_PLAYABLE_LINK = (
    "This cannot play here: its name has a '.' or '..' folder part, which the player removes "
    "from the link before asking S3. Download it, or rename it to play it here."
)


class PreviewPane(QWidget):
    """Right side of the browser. Feed it with :meth:`show_object`."""

    PLACEHOLDER = "Select an object to preview it"
    #: What the pane shows now changed: "placeholder", "loading", "image", "media",
    #: "text", "details" or "message" (tests and the status bar follow it).
    view_changed = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        bridge: Bridge | None = None,
        bus: messages.MessageBus | None = None,
    ) -> None:
        super().__init__(parent)
        name_widget(self, "previewPane", "Preview and details of the selected object")
        self.setMinimumWidth(220)
        self._bridge = bridge
        self._bus = bus
        self.connection: Connection | None = None
        self._access: S3Access | None = None
        self.selected: SelectedObject | None = None
        self._selection = Latest()
        self._ticket = self._selection.begin()
        self._task: Future[Any] | None = None
        #: How long the links the player streams from live (renewed when they run out).
        self.media_link_lifetime: timedelta = DEFAULT_EXPIRY
        #: Whether a selected video starts by itself. Off: arrowing through a folder of
        #: videos loads each one's first frame and duration, and plays on Enter, Space,
        #: a double-click or the play button.
        self.autoplay_media = False
        self._play_when_ready = False
        self._media: MediaView | None = None
        self._build()
        self.message_view.retry_requested.connect(self.reload)
        self.links.open_requested.connect(self.open_in_browser)
        self.links.copy_requested.connect(self.copy_link)
        self._show_placeholder(self.PLACEHOLDER)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(section_header("Preview", "preview"))
        self.body = QFrame()
        self.body.setObjectName("previewBody")
        self.body.setFrameShape(QFrame.Shape.StyledPanel)
        self.body.setBackgroundRole(QPalette.ColorRole.Base)
        self.body.setAutoFillBackground(True)
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(0)
        self.title = ElidedLabel()
        self.title.setObjectName("previewTitle")
        self.title.setContentsMargins(10, 8, 10, 4)
        font = QFont(self.title.font())
        font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(font)

        self.stack = QStackedWidget()
        self.placeholder = PlaceholderLabel(self.PLACEHOLDER)
        self.placeholder.setObjectName("previewPlaceholder")
        self.loading = LoadingView()
        self.image_view = ImageView()
        self.text_view = TextView()
        self.details_view = DetailsView()
        self.message_view = MessageView()
        self._views: dict[str, QWidget] = {
            "placeholder": self.placeholder,
            "loading": self.loading,
            "image": self.image_view,
            "text": self.text_view,
            "details": self.details_view,
            "message": self.message_view,
        }
        for view in self._views.values():
            self.stack.addWidget(view)

        self.info = QLabel()
        self.info.setObjectName("previewInfo")
        self.info.setWordWrap(True)
        self.info.setContentsMargins(10, 4, 10, 0)
        self.info.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.links = links.LinkBar()
        body_layout.addWidget(self.title)
        body_layout.addWidget(self.stack, 1)
        body_layout.addWidget(self.info)
        body_layout.addWidget(self.links)
        layout.addWidget(self.body, 1)

    # -- collaborators ---------------------------------------------------------------------
    @property
    def bridge(self) -> Bridge:
        return self._bridge or bridge_module.bridge()

    @property
    def bus(self) -> messages.MessageBus:
        return self._bus or messages.bus()

    def use(self, bridge: Bridge, bus: messages.MessageBus) -> None:
        """The window's bridge and message bus (before the first preview)."""
        self._bridge = bridge
        self._bus = bus

    def set_connection(self, connection: Connection | None) -> None:
        """Work on ``connection``'s bucket from now on (its client is made on first use)."""
        if connection == self.connection:
            return
        self.connection = connection
        self._access = S3Access(connection) if connection is not None else None
        self._show(None)

    # -- what the pane shows ---------------------------------------------------------------
    def current_view(self) -> str:
        current = self.stack.currentWidget()
        return next((name for name, view in self._views.items() if view is current), "")

    @property
    def media(self) -> MediaView:
        """The player, created on first use."""
        if self._media is None:
            from coachadmin.ui.preview.media_view import MediaView  # noqa: PLC0415 - QtMultimedia on first play

            self._media = MediaView(self.bridge)
            self._media.session.failed.connect(self._media_failed)
            self._media.player.durationChanged.connect(self._show_duration)
            self._views["media"] = self._media
            self.stack.addWidget(self._media)
        return self._media

    def show_object(
        self, selected: SelectedObject | None, connection: Connection | None = None
    ) -> None:
        """Preview ``selected`` (None clears the pane); a newer call supersedes this one.

        The same object again (the browser re-announcing its selection) changes nothing:
        a playing video goes on playing. A changed object (new ETag or size) reloads.
        """
        if connection is not None and connection != self.connection:
            self.set_connection(connection)
        unchanged = selected is not None and selected == self.selected
        if unchanged and self._access is not None and self.current_view() != "message":
            return
        self._show(selected)

    def _show(self, selected: SelectedObject | None) -> None:
        self._ticket = self._selection.begin()
        self._play_when_ready = False
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._media is not None:
            self._media.stop()
        self.selected = selected
        self.image_view.clear()
        self.text_view.clear()
        if selected is None:
            self._show_placeholder(self.PLACEHOLDER)
            return
        if self._access is None:
            self._show_placeholder("Connect to a bucket to preview its objects.")
            return
        self.title.setText(selected.name)
        self.title.setToolTip(f"s3://{selected.bucket}/{selected.key}")
        self.title.show()
        kind = classify(selected.key)
        self.links.setVisible(kind is not Kind.FOLDER)
        self.info.setText(self._info_line(selected))
        self.info.setVisible(kind is not Kind.FOLDER)
        if kind is Kind.FOLDER:
            self._switch("placeholder")
            self.placeholder.setText(
                f"\u201c{selected.name}\u201d is a folder: open it to see what it holds."
            )
        elif selected.info is not None and selected.info.size == 0:
            self._show_details("This file is empty.")
        elif kind is Kind.IMAGE:
            self._load(load_image, self._show_image)
        elif kind is Kind.TEXT:
            self._load(load_text, self._show_text)
        elif kind in (Kind.VIDEO, Kind.AUDIO) and has_dot_segments(selected.key):
            self._show_details(NO_PLAYABLE_LINK)
        elif kind in (Kind.VIDEO, Kind.AUDIO):
            self._start_media(kind)
        else:
            self._show_details(NO_PREVIEW)

    def reload(self) -> None:
        """Load the current object again ("Try again")."""
        self._show(self.selected)

    def request_preview(self, selected: SelectedObject | None) -> None:
        """Enter or double-click: preview it, or play/pause it if it is the media shown."""
        if selected != self.selected or self.current_view() in ("message", "placeholder"):
            self._show(selected)
            if selected is not None and classify(selected.key) in (Kind.VIDEO, Kind.AUDIO):
                self._play_when_ready = True
        elif self.current_view() == "media" and self._media is not None:
            self._media.session.toggle()
        elif self.current_view() == "loading":
            self._play_when_ready = True

    def _switch(self, name: str) -> None:
        self.stack.setCurrentWidget(self._views[name])
        self.view_changed.emit(name)

    def _show_placeholder(self, text: str) -> None:
        self.title.hide()
        self.info.hide()
        self.links.hide()
        self.placeholder.setText(text)
        self._switch("placeholder")

    def _show_details(self, reason: str) -> None:
        assert self.selected is not None
        self.details_view.set_object(self.selected.key, self.selected.info, reason)
        self._switch("details")

    def show_message(self, text: str, *, retry: bool = True) -> None:
        self.message_view.show_message(text, retry=retry)
        self._switch("message")

    def _info_line(self, selected: SelectedObject, *extra: str) -> str:
        parts = [describe(selected.key), *extra]
        if selected.info is not None:
            parts.append(format_size(selected.info.size))
            if selected.info.last_modified is not None:
                parts.append(local_time(selected.info.last_modified))
        return " \u00b7 ".join(parts)

    # -- loading ---------------------------------------------------------------------------
    def _load(self, loader: Callable[..., Any], show: Callable[[Any], None]) -> None:
        assert self.selected is not None and self._access is not None
        self._switch("loading")
        self._task = self.bridge.run(
            loader,
            self._access,
            self.selected.bucket,
            self.selected.key,
            on_result=self._ticket.only(show),
            on_error=self._ticket.only(self._failed),
            on_finished=self._task_finished,
            owner=self,
        )

    def _task_finished(self) -> None:
        """Let go of the finished task: its callbacks refer to the pane (no cycle left)."""
        if self._task is not None and self._task.done():
            self._task = None

    def _failed(self, error: UserFacingError) -> None:
        self.show_message(str(error))

    def _show_image(self, result: ImageResult) -> None:
        assert self.selected is not None
        decoded = result.decoded
        self.image_view.set_image(decoded.image)
        self.info.setText(
            self._info_line(self.selected, f"{decoded.width} \u00d7 {decoded.height} px")
        )
        self._switch("image")

    def _show_text(self, result: TextResult) -> None:
        self.text_view.set_text(result)
        self._switch("text")

    # -- video and audio -------------------------------------------------------------------
    def _start_media(self, kind: Kind) -> None:
        assert self.selected is not None and self._access is not None
        media = self.media
        if kind is Kind.AUDIO:
            media.show_audio(self.selected.name)
        else:
            media.show_video()
        ticket = self._ticket
        make_link = self._link_maker(self.selected, self.media_link_lifetime)
        self._switch("loading")

        @ticket.only
        def ready(link: PresignedUrl) -> None:
            self._switch("media")
            media.session.open(
                link, make_link, autoplay=self.autoplay_media or self._play_when_ready
            )

        self._task = self.bridge.run(
            make_link,
            on_result=ready,
            on_error=ticket.only(self._failed),
            on_finished=self._task_finished,
            owner=self,
        )

    def _show_duration(self, duration: int) -> None:
        if self.selected is not None and self.current_view() == "media" and duration > 0:
            self.info.setText(self._info_line(self.selected, clock(duration)))

    def _media_failed(self, message: str) -> None:
        if self.current_view() in ("media", "loading") and self._media is not None:
            self._media.stop()
            self.show_message(message)

    def _link_maker(
        self, selected: SelectedObject, lifetime: timedelta
    ) -> Callable[[], PresignedUrl]:
        access = self._access
        assert access is not None

        def make() -> PresignedUrl:
            return access.presign(selected.bucket, selected.key, lifetime)

        return make

    # -- links -----------------------------------------------------------------------------
    def open_in_browser(self) -> None:
        """Open the object through a 1-hour link in the user's browser."""
        if self.selected is not None and self._access is not None:
            self.bridge.run(
                self._link_maker(self.selected, DEFAULT_EXPIRY),
                on_result=lambda link: links.open_in_browser(link, self.bus),
                owner=self,
            )

    def copy_link(self, expires: timedelta) -> None:
        """Put a presigned link that lives ``expires`` on the clipboard."""
        if self.selected is not None and self._access is not None:
            self.bridge.run(
                self._link_maker(self.selected, expires),
                on_result=lambda link: links.copy_to_clipboard(link, self.bus),
                owner=self,
            )
