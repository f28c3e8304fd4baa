"""Typed failures of the platform's backend, each carrying the backend's own message."""

from __future__ import annotations

from coachadmin.errors import UserFacingError


class BackendError(UserFacingError):
    """The backend refused or failed a call. ``status`` is the HTTP status, 0 when none."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status
        #: The backend's own words, without ours around them ("" when it said nothing).
        self.backend_message = ""


class NotSignedIn(BackendError):
    def __init__(self, message: str = "", *, status: int = 401) -> None:
        super().__init__(
            f"Not signed in to the backend{_detail(message)}. "
            "Sign in (coachadmin login, or File → Sign in) and try again.",
            status=status,
        )


class SessionExpired(NotSignedIn):
    def __init__(self, message: str = "", *, status: int = 401) -> None:
        BackendError.__init__(
            self,
            f"Your backend session has expired{_detail(message)}. Sign in again.",
            status=status,
        )


class SignInRefused(BackendError):
    """The email or password is wrong (a 401 from the login endpoint itself)."""

    def __init__(self, message: str = "", *, status: int = 401) -> None:
        super().__init__(
            f"The backend refused the sign-in{_detail(message)}. Check the email and password.",
            status=status,
        )


class Forbidden(BackendError):
    def __init__(self, message: str = "", *, status: int = 403) -> None:
        super().__init__(
            f"Your account may not do this{_detail(message)}. "
            "Ask an admin of the platform to do it, or to give you the admin role.",
            status=status,
        )


class NotFound(BackendError):
    def __init__(self, message: str = "", *, status: int = 404) -> None:
        super().__init__(
            f"Not found on the backend{_detail(message)}. Refresh and try again.",
            status=status,
        )


class Conflict(BackendError):
    """The request is valid but the item's state forbids it (a legacy video, say)."""

    def __init__(self, message: str = "", *, status: int = 409) -> None:
        super().__init__(
            message or "The backend refused this in the item's current state.", status=status
        )


class BadRequest(BackendError):
    def __init__(self, message: str = "", *, status: int = 400) -> None:
        super().__init__(f"The backend refused the request{_detail(message)}.", status=status)


class ServerError(BackendError):
    def __init__(self, message: str = "", *, status: int = 500) -> None:
        super().__init__(
            f"The backend failed (HTTP {status}){_detail(message)}. "
            "Try again in a minute; if it goes on, tell the platform's developers.",
            status=status,
        )


class BackendUnreachable(BackendError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Cannot reach the backend at {url} ({reason}). "
            "Check your network connection and the backend URL in the connection settings.",
        )


def _detail(message: str) -> str:
    message = message.strip().rstrip(".")
    return f": {message}" if message else ""


def error_for_status(status: int, message: str) -> BackendError:
    """The typed error for a failed response; ``backend_message`` keeps the backend's words."""
    error = _error_for_status(status, message)
    error.backend_message = message
    return error


def _error_for_status(status: int, message: str) -> BackendError:
    if status == 401:
        return SessionExpired(message) if "expired" in message.lower() else NotSignedIn(message)
    if status == 403:
        return Forbidden(message)
    if status == 404:
        return NotFound(message)
    if status == 409:
        return Conflict(message)
    if 400 <= status < 500:
        return BadRequest(message, status=status)
    return ServerError(message, status=status)
