"""Typed failures of the platform's backend, each carrying the backend's own message."""

from __future__ import annotations

import enum
from urllib.parse import urlsplit

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
    """A 5xx; ``request`` ("GET /api/courses") names the call that failed."""

    def __init__(self, message: str = "", *, status: int = 500, request: str = "") -> None:
        call = f" on {request}" if request else ""
        super().__init__(
            f"The backend failed{call} (HTTP {status}){_detail(message)}. "
            "Try again in a minute; if it goes on, tell the platform's developers.",
            status=status,
        )


class Refused(ServerError):
    """``success: false`` in an answer whose HTTP status says success: the backend's own
    words, and no invented status. A ServerError for whoever decides what is worth trying
    again (pending links wait), since nothing says the refusal is final."""

    def __init__(self, request: str, message: str = "", *, status: int = 200) -> None:
        said = _detail(message) if message.strip() else " without saying why"
        BackendError.__init__(self, f"The backend refused {request}{said}.", status=status)


class UnexpectedAnswer(BackendError):
    """An answer that breaks the platform's API description: a field missing or of the wrong
    kind. Usually the backend URL names another service, or a backend of another version."""

    def __init__(self, request: str, problem: str, *, changes: bool = False) -> None:
        after = " The change may have been made: refresh to see." if changes else ""
        super().__init__(
            f"The backend's answer to {request} {problem}; is the backend URL right?{after}"
        )


class AnswerTooLarge(BackendError):
    """More bytes than any answer of the platform's API needs (read no further)."""

    def __init__(self, url: str, request: str, limit: str) -> None:
        super().__init__(
            f"The backend at {url} sent more than {limit} in answer to {request}, far more "
            "than the platform's answers need; is the backend URL right?"
        )


class Unreachable(enum.Enum):
    """Why no answer came: each calls for a different check."""

    REFUSED = "refused"  # the host answered that nothing listens on the port
    NAME_NOT_FOUND = "name-not-found"  # DNS knows no such host
    NO_ROUTE = "no-route"  # the network cannot reach the host
    CONNECT_TIMEOUT = "connect-timeout"  # nothing answered the connection in time
    NO_ANSWER = "no-answer"  # connected, then no answer in time
    TLS = "tls"  # the secure connection failed
    CUT = "cut"  # the connection was reset or closed mid-exchange
    OTHER = "other"


class BackendUnreachable(BackendError):
    """No answer from the backend; :attr:`why` tells a refused connection, an unknown
    name, a timeout and the rest apart, and the message says what to check for each."""

    why = Unreachable.OTHER

    def __init__(self, url: str, why: Unreachable, detail: str = "") -> None:
        super().__init__(
            f"Cannot reach the backend at {url}: {_unreachable_advice(url, why, detail)}"
        )
        self.why = why


#: What to say for each kind; ``{where}`` is host:port, ``{host}`` the host, ``{said}`` detail.
_ADVICE = {
    Unreachable.REFUSED: (
        "the connection was refused (nothing listens at {where}). Check that the backend is "
        "running and that the URL's host and port are right."
    ),
    Unreachable.NAME_NOT_FOUND: (
        "no server is known by the name {host}. Check the backend URL for a typing mistake, "
        "and your network connection (DNS, VPN)."
    ),
    Unreachable.NO_ROUTE: (
        "the network cannot reach {host}. Check your network connection (Wi-Fi, VPN) and the "
        "backend URL."
    ),
    Unreachable.CONNECT_TIMEOUT: (
        "no answer in time to the connection to {where}. Check your network connection (a "
        "firewall or VPN may block it) and the backend URL."
    ),
    Unreachable.NO_ANSWER: (
        "it accepted the connection but sent no answer in time. Try again in a minute; if it "
        "goes on, the backend is overloaded or stuck: tell the platform's developers."
    ),
    Unreachable.TLS: (
        "the secure connection (TLS) failed{said}. Check that the URL's scheme (http:// or "
        "https://) and port are the backend's, and the computer's date and certificates."
    ),
    Unreachable.CUT: (
        "the connection was cut before the answer was complete. Try again; if it goes on, "
        "check your network connection and any proxy."
    ),
    Unreachable.OTHER: (
        "the connection failed{said}. Check your network connection and the backend URL."
    ),
}


def _unreachable_advice(url: str, why: Unreachable, detail: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or url
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port out of range: the URL says it as it is
        port = None
    where = f"{host}:{port}" if port else host
    said = f" ({detail})" if detail else ""
    return _ADVICE[why].format(where=where, host=host, said=said)


class BackendTooSlow(BackendUnreachable):
    """The whole answer did not arrive within the client's deadline (bytes may have trickled)."""

    why = Unreachable.NO_ANSWER

    def __init__(self, url: str, request: str, seconds: float) -> None:
        BackendError.__init__(
            self,
            f"The backend at {url} did not finish answering {request} within {seconds:g} s. "
            "Check your network connection, or try again later.",
        )


def _detail(message: str) -> str:
    message = message.strip().rstrip(".")
    return f": {message}" if message else ""


def error_for_status(status: int, message: str, request: str = "") -> BackendError:
    """The typed error for a failed response; ``backend_message`` keeps the backend's words."""
    error = _error_for_status(status, message, request)
    error.backend_message = message
    return error


def _error_for_status(status: int, message: str, request: str) -> BackendError:
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
    return ServerError(message, status=status, request=request)
