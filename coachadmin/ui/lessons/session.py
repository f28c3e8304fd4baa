"""Who is signed in to the backend, for the whole GUI, and the one way to call it.

:meth:`BackendSession.call` runs a backend call on the bridge. A 401 (no token,
or a token that expired mid-session) opens the sign-in dialog with the email
filled in, and once signed in the same action runs again: the user never has to
redo what they were doing. "Remember me" keeps the token in the keychain;
unchecked, the token lives in this process's memory only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from coachadmin.backend.client import BackendClient
from coachadmin.backend.errors import NotSignedIn, SessionExpired
from coachadmin.backend.models import Session, User
from coachadmin.errors import UserFacingError
from coachadmin.services import sign_in as auth
from coachadmin.ui.bridge import Bridge, Latest
from coachadmin.ui.lessons.sign_in import SignInDialog
from coachadmin.ui.messages import MessageBus

log = logging.getLogger("coachadmin.ui.lessons")

T = TypeVar("T")

ADMIN_ONLY = "Only admins can link videos"


def _restore(api_url: str) -> tuple[BackendClient, User | None]:
    """On a worker: the stored token (keychain or environment) and whom it belongs to."""
    client = auth.client_for(api_url)
    if not client.token:
        return client, None
    try:
        return client, client.me()
    except NotSignedIn:
        client.token = None
        return client, None


class BackendSession(QObject):
    """The signed-in user of one backend URL; emits :attr:`user_changed` (User or None)."""

    user_changed = Signal(object)
    #: The backend URL changed (str or None): views reload.
    url_changed = Signal(object)

    def __init__(self, bridge: Bridge, bus: MessageBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.bus = bus
        self.api_url: str | None = None
        self.client: BackendClient | None = None
        self.user: User | None = None
        self.dialog: QWidget | None = None
        self.dialog_parent: Callable[[], QWidget | None] = lambda: None
        self._waiting: list[Callable[[], None]] = []
        self._restoring = Latest()
        #: The email last typed in the sign-in dialog (a failed try keeps it for the next).
        self.typed_email = ""
        #: The backend is the embedded demo's: the sign-in dialog fills in its admin account.
        self.demo = False

    # -- the backend -------------------------------------------------------------------

    def set_api_url(self, url: str | None) -> None:
        """Work with the backend at ``url`` (COACHADMIN_API_URL overrides it); None for none."""
        try:
            resolved = auth.resolve_api_url(connection_url=url) if url else auth.env_api_url()
        except UserFacingError as error:
            self.bus.warning(f"The connection's backend URL cannot be used: {error}")
            resolved = None
        if resolved == self.api_url and self.client is not None:
            return
        ticket = self._restoring.begin()
        self.api_url = resolved
        self.client = None
        self._set_user(None)
        self.url_changed.emit(resolved)
        if resolved is not None:
            self.bridge.run(
                _restore,
                resolved,
                on_result=ticket.only(self._restored),
                on_error=lambda error: log.info("no saved sign-in: %s", error),
                owner=self,
            )

    def _restored(self, result: tuple[BackendClient, User | None]) -> None:
        self.client, user = result
        self._set_user(user)

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.client is not None and bool(self.client.token)

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.is_admin

    def _set_user(self, user: User | None) -> None:
        self.user = user
        self.user_changed.emit(user)

    # -- signing in and out --------------------------------------------------------------

    def sign_in_with(
        self, email: str, password: str, remember: bool
    ) -> tuple[BackendClient, Session]:
        """On a worker (the dialog calls it): sign in, keep the token as asked."""
        url = self.api_url
        if url is None:
            raise UserFacingError("This connection has no backend URL: edit the connection.")
        client = BackendClient(url)
        session = client.login(email, password)
        if remember:
            auth.remember_token(url, session.token)
        else:
            auth.forget_token(url)  # an older remembered token must not outlive this choice
        auth.remember_login(url, email)
        return client, session

    def signed_in_as(self, result: tuple[BackendClient, Session]) -> None:
        """GUI thread, after :meth:`sign_in_with` succeeded: use the new token, run what waited."""
        self.client, session = result
        self._set_user(session.user)
        waiting, self._waiting = self._waiting, []
        for retry in waiting:
            retry()

    def sign_in(self, reason: str = "") -> None:
        """Open the sign-in dialog (once); ``reason`` says why it appeared."""
        if self.api_url is None:
            self.bus.warning(
                "This connection has no backend URL, so there is nothing to sign in to."
            )
            return
        if isinstance(self.dialog, SignInDialog) and self.dialog.isVisible():
            if reason:
                self.dialog.set_message(reason)
            return
        dialog = SignInDialog(self, reason=reason, parent=self.dialog_parent())
        dialog.rejected.connect(self._sign_in_cancelled)
        self.dialog = dialog
        dialog.open()

    def _sign_in_cancelled(self) -> None:
        self._waiting.clear()

    def sign_out(self) -> None:
        url = self.api_url
        if self.client is not None:
            self.client.token = None
        self._set_user(None)
        if url is not None:
            self.bridge.run(auth.forget_token, url, owner=self)
            self.bus.info("Signed out of the backend.")

    # -- calls ---------------------------------------------------------------------------

    def call(
        self,
        func: Callable[[BackendClient], T],
        *,
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[UserFacingError], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """``func(client)`` on a worker; on a 401 the sign-in dialog, then the same call again."""

        def again() -> None:
            self.call(
                func, on_result=on_result, on_error=on_error, on_finished=on_finished, owner=owner
            )

        client = self.client
        if client is None or not client.token:
            self._waiting.append(again)
            self.sign_in("Sign in to the backend to continue.")
            return

        def failed(error: UserFacingError) -> None:
            if isinstance(error, NotSignedIn):
                client.token = None
                self._set_user(None)
                self._waiting.append(again)
                if auth.env_token():  # the token was not the keychain's: name its source
                    why = (
                        f"The backend refused the token in {auth.API_TOKEN_ENV}: sign in "
                        "here for this window, or set that variable to a fresh token."
                    )
                elif isinstance(error, SessionExpired):
                    why = "Your session has expired: sign in again to continue."
                else:
                    why = "The backend asks you to sign in again."
                self.sign_in(why)
            elif on_error is not None:
                on_error(error)
            else:
                self.bus.error(str(error))

        self.bridge.run(
            func,
            client,
            on_result=on_result,
            on_error=failed,
            on_finished=on_finished,
            owner=owner,
        )

    def backend_for(self, url: str) -> BackendClient:
        """For pending links: this session's client for its URL, the stored token otherwise."""
        if self.client is not None and self.client.token and url == self.api_url:
            return self.client
        return auth.client_for(url)
