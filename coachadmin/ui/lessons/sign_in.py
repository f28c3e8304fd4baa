"""The sign-in dialog: backend URL, email, password, "Remember me".

It signs in on a worker and stays open with the backend's message when that
fails, so a mistyped password costs one retype. Without a working keychain,
"Remember me" is unchecked and disabled, with the reason as its tooltip. On the
embedded demo's backend it comes filled in with the demo's admin account (its
published, fake credentials), so trying the app takes one click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from coachadmin import secrets
from coachadmin.backend.client import BackendClient
from coachadmin.backend.models import Session
from coachadmin.demo.backend_seed import ADMIN_EMAIL, ADMIN_PASSWORD, AUTHOR_EMAIL, AUTHOR_PASSWORD
from coachadmin.errors import UserFacingError
from coachadmin.services import sign_in as auth
from coachadmin.ui.panels import name_widget

if TYPE_CHECKING:
    from coachadmin.ui.lessons.session import BackendSession


class SignInDialog(QDialog):
    def __init__(
        self, session: BackendSession, *, reason: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in to the backend")
        self.setMinimumWidth(420)
        self.session = session
        self.busy = False

        self.intro = QLabel(
            "Sign in with your account on the coaching platform. Admins can link videos to "
            "lessons; authors can see courses, lessons and previews."
        )
        self.intro.setWordWrap(True)
        self.url = QLineEdit(session.api_url or "")
        name_widget(self.url, "signInUrl", "The platform backend's address")
        self.url.setReadOnly(True)
        self.url.setToolTip("The backend of this connection (edit the connection to change it).")
        self.email = QLineEdit(session.typed_email or auth.last_email() or "")
        name_widget(self.email, "signInEmail", "Your account's email")
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        name_widget(self.password, "signInPassword", "Your password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = _remember_box()
        self.message = QLabel(reason)
        self.message.setObjectName("signInMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(bool(reason))

        form = QFormLayout()
        form.addRow("Backend", self.url)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("", self.remember)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText("Sign in")
        self.sign_in_button.setObjectName("signInButton")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        if session.demo and not session.typed_email:
            self._fill_in_demo_account()
        (self.password if self.email.text() else self.email).setFocus()

    def _fill_in_demo_account(self) -> None:
        self.email.setText(ADMIN_EMAIL)
        self.password.setText(ADMIN_PASSWORD)
        self.intro.setText(
            "This is the demo backend: its admin account is filled in, press Sign in. "
            f"The author account is {AUTHOR_EMAIL}, password {AUTHOR_PASSWORD}."
        )

    def set_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setStyleSheet("color: #c62828;" if error else "")

    def submit(self) -> None:
        email, password = self.email.text().strip(), self.password.text()
        self.session.typed_email = email  # kept for the next try, even if this one fails
        if not email or not password:
            self.set_message("Enter your email and password.", error=True)
            return
        self._set_busy(True)
        self.set_message("Signing in…")
        self.session.bridge.run(
            self.session.sign_in_with,
            email,
            password,
            self.remember.isChecked(),
            on_result=self._signed_in,
            on_error=self._failed,
            on_finished=lambda: self._set_busy(False),
            owner=self,
        )

    def _signed_in(self, result: tuple[BackendClient, Session]) -> None:
        self.password.clear()
        self.accept()
        self.session.signed_in_as(result)
        user = result[1].user
        self.session.bus.info(f"Signed in as {user.name} ({user.role}).")

    def _failed(self, error: UserFacingError) -> None:
        """Ready for the retype: the fields enabled, the password selected, Enter signs in."""
        self.set_message(str(error), error=True)
        self._set_busy(False)  # a disabled field cannot take the focus
        self.password.selectAll()
        self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.email, self.password, self.sign_in_button):
            widget.setEnabled(not busy)


def _remember_box() -> QCheckBox:
    """ "Remember me": checked where a keychain works, else off and saying why."""
    remember = QCheckBox("Remember me on this computer")
    remember.setObjectName("signInRemember")
    status = secrets.keychain_status()
    if status.available:
        remember.setChecked(True)
        remember.setToolTip("Keeps the sign-in in the system keychain.")
    else:
        remember.setChecked(False)
        remember.setEnabled(False)
        remember.setToolTip(status.message)
        remember.setText(
            "Remember me (no keychain here: you stay signed in until coachadmin quits)"
        )
    return remember
