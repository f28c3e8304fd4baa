"""The platform's REST API over HTTP: one requests session, the envelope, typed errors.

Idempotent calls (GET, DELETE) are retried on connection failures and 502/503/504;
PATCH and POST are not, so a link is never applied twice behind the user's back.

Every call has an overall deadline (the whole answer, retries included, within
``deadline`` seconds: the read timeout alone starts again with every byte) and a
size limit (the body is streamed and reading stops past ``max_body`` bytes). Every
answer is checked against the API description (coachadmin/resources/api/openapi.yaml):
what is missing or wrong is one BackendError naming the request, never a KeyError.
Redirects are not followed: their bodies would escape the limit, and the token must
go only where the user pointed the tool.
"""

from __future__ import annotations

import errno
import logging
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import requests
import urllib3.exceptions
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from coachadmin import __version__
from coachadmin.backend.deadline import Deadline, DeadlineAdapter, DeadlinePassed, DeadlineRetry
from coachadmin.backend.errors import (
    AnswerTooLarge,
    BackendError,
    BackendTooSlow,
    BackendUnreachable,
    NotSignedIn,
    Refused,
    SignInRefused,
    UnexpectedAnswer,
    Unreachable,
    error_for_status,
)
from coachadmin.backend.models import (
    Course,
    Lesson,
    Malformed,
    Session,
    StreamUrl,
    User,
    an_object,
    object_list,
)
from coachadmin.display import format_size
from coachadmin.json_text import parse_json
from coachadmin.redact import register_secret

log = logging.getLogger("coachadmin.backend")

T = TypeVar("T")

#: (connect, read) seconds; the read timeout bounds each wait for the next bytes.
DEFAULT_TIMEOUT = (5.0, 30.0)
#: Seconds for a whole call, retries included: twice the read timeout, so one slow answer
#: still arrives, while a server that trickles bytes holds the user one minute at most.
DEFAULT_DEADLINE = 60.0
#: Bytes an answer may have. The largest the API gives, a course's lessons, is a few hundred
#: bytes a lesson: 16 MiB is tens of thousands of lessons, and little memory to hold.
DEFAULT_MAX_BODY = 16 * 1024 * 1024

_CHUNK = 64 * 1024
#: The backend's own words are kept to this many characters in a message.
_MESSAGE_CHARS = 300


def _retrying_session() -> requests.Session:
    session = requests.Session()
    retry = DeadlineRetry(
        total=3,
        connect=3,
        read=2,
        status=3,
        redirect=0,
        backoff_factor=0.3,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "DELETE", "OPTIONS"}),
        raise_on_status=False,
        raise_on_redirect=False,
    )
    adapter = DeadlineAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"coachadmin/{__version__}"
    session.headers["Accept"] = "application/json"
    return session


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: requests wraps urllib3's MaxRetryError, which names its
    ``reason``, raised from the socket's own OSError."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "reason", None), current.__cause__, current.__context__]
        inner.extend(current.args[:1])
        pending.extend(item for item in inner if isinstance(item, BaseException))


_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN})


def _is_connect_timeout(cause: BaseException) -> bool:
    # A refused connection is a NewConnectionError, which urllib3 makes a
    # ConnectTimeoutError too (for compatibility): not a timeout.
    return isinstance(cause, requests.ConnectTimeout) or (
        isinstance(cause, ConnectTimeoutError) and not isinstance(cause, NewConnectionError)
    )


#: (test, kind) in passes: the first pass's kinds are the most specific causes, so a timeout
#: or a reset found deeper in the same chain does not hide them.
_KINDS: tuple[tuple[tuple[Callable[[BaseException], bool], Unreachable], ...], ...] = (
    (
        (lambda c: isinstance(c, ConnectionRefusedError), Unreachable.REFUSED),
        (
            lambda c: isinstance(c, NameResolutionError | socket.gaierror),
            Unreachable.NAME_NOT_FOUND,
        ),
        (lambda c: isinstance(c, OSError) and c.errno in _NO_ROUTE, Unreachable.NO_ROUTE),
        (lambda c: isinstance(c, ssl.SSLError | requests.exceptions.SSLError), Unreachable.TLS),
    ),
    (
        (lambda c: isinstance(c, ReadTimeoutError | requests.ReadTimeout), Unreachable.NO_ANSWER),
        (_is_connect_timeout, Unreachable.CONNECT_TIMEOUT),
    ),
    (
        (
            lambda c: isinstance(
                c,
                ConnectionResetError
                | ConnectionAbortedError
                | ProtocolError
                | requests.exceptions.ChunkedEncodingError,
            ),
            Unreachable.CUT,
        ),
        (lambda c: isinstance(c, TimeoutError | requests.Timeout), Unreachable.NO_ANSWER),
    ),
)


def _unreachable(exc: BaseException) -> tuple[Unreachable, str]:
    """Why a request got no answer, and a few words of detail, from what was raised."""
    causes = list(_causes(exc))
    for kinds in _KINDS:
        for test, kind in kinds:
            if any(test(cause) for cause in causes):
                detail = _reason_words(exc) if kind is Unreachable.TLS else ""
                return kind, detail
    return Unreachable.OTHER, type(exc).__name__


def _reason_words(error: BaseException) -> str:
    """An SSL error's reason (``CERTIFICATE_VERIFY_FAILED``, ``WRONG_VERSION_NUMBER``)."""
    for cause in _causes(error):
        reason = getattr(cause, "reason", None)
        if isinstance(cause, ssl.SSLError) and isinstance(reason, str) and reason:
            return reason.replace("_", " ").lower()
    return ""


def _segment(value: str) -> str:
    return quote(value, safe="")


def _words(body: dict[str, Any]) -> str:
    """The backend's ``message``, if it is text, on one line of a readable length."""
    message = body.get("message")
    return _short(message) if isinstance(message, str) else ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_CHARS else text[:_MESSAGE_CHARS] + "…"


class BackendClient:
    """A client for one backend; ``token`` is the Bearer token of a signed-in user.

    ``deadline`` (seconds) bounds each call as a whole, ``max_body`` (bytes) each answer.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.deadline = deadline
        self.max_body = max_body
        self._http = _retrying_session()
        self.token = token

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        register_secret(value)
        self._token = value

    def close(self) -> None:
        self._http.close()

    # -- the envelope ---------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        json_body: Any = None,
        auth: bool = True,
        changes: bool = False,
    ) -> T:
        """``parse(data)`` of the answer's envelope; every failure is a BackendError.
        ``changes``: the call changes something, which a malformed answer leaves unknown."""
        request = f"{method} {path}"
        status, reason, headers, body = self._exchange(method, path, json_body, auth)
        log.debug("%s -> %s (%d bytes)", request, status, len(body))
        data = self._unwrap(request, status, reason, headers, body)
        try:
            return parse(data)
        except Malformed as problem:
            raise UnexpectedAnswer(request, str(problem), changes=changes) from None

    def _exchange(
        self, method: str, path: str, json_body: Any, auth: bool
    ) -> tuple[int, str, Mapping[str, str], bytes]:
        """Status, reason, headers and body of one call, within the deadline and the limit."""
        request = f"{method} {path}"
        headers = {}
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        deadline = Deadline(self.deadline)
        too_slow = BackendTooSlow(self.base_url, request, self.deadline)
        try:
            with deadline:
                response = self._http.request(
                    method,
                    f"{self.base_url}{path}",
                    json=json_body,
                    headers=headers,
                    timeout=self.timeout,
                    stream=True,
                    allow_redirects=False,
                )
                try:
                    body = self._read(response, request, deadline)
                finally:
                    response.close()
        except DeadlinePassed:
            raise too_slow from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.expired:
                raise too_slow from None
            why, detail = _unreachable(exc)
            log.info("%s on %s: %s (%s)", request, self.base_url, why.value, exc)
            raise BackendUnreachable(self.base_url, why, detail) from exc
        if deadline.expired:  # the socket was cut: what came may look complete, and is not
            raise too_slow
        return response.status_code, response.reason or "", response.headers, body

    def _read(self, response: requests.Response, request: str, deadline: Deadline) -> bytes:
        too_large = AnswerTooLarge(self.base_url, request, format_size(self.max_body))
        announced = response.headers.get("Content-Length", "").strip()
        if announced.isdigit() and int(announced) > self.max_body:
            raise too_large
        body = bytearray()
        for chunk in response.iter_content(_CHUNK):
            body += chunk
            if len(body) > self.max_body:
                raise too_large
            if deadline.expired:
                raise DeadlinePassed
        return bytes(body)

    def _unwrap(
        self, request: str, status: int, reason: str, headers: Mapping[str, str], raw: bytes
    ) -> Any:
        if 300 <= status < 400:
            where = headers.get("Location", "")[:200] or "nowhere"
            raise UnexpectedAnswer(request, f"is a redirect (HTTP {status}) to {where}")
        try:
            body = parse_json(raw) if raw else None
        except ValueError:
            body = None
        ok = 200 <= status < 300
        if not isinstance(body, dict):
            # The platform answers everything with its envelope: a page or plain text is a
            # proxy's (worth saying when it speaks of sign-in or of a failure) or another site's.
            if status in (401, 403) or status >= 500:
                raise error_for_status(status, _short(reason), request)
            code = "" if ok else f" (HTTP {status})"
            raise BackendError(
                f"The backend at {self.base_url} did not answer {request} with the "
                f"platform's JSON{code}; check the backend URL.",
                status=status,
            )
        message = _words(body)
        if not ok:
            raise error_for_status(status, message, request)
        success = body.get("success")
        if success is False:
            error = Refused(request, message, status=status)
            error.backend_message = message
            raise error
        if success is not True:
            raise UnexpectedAnswer(request, "has no 'success': true")
        return body.get("data")

    # -- endpoints ----------------------------------------------------------------------

    def login(self, email: str, password: str) -> Session:
        register_secret(password)
        try:
            session = self._call(
                "POST",
                "/api/auth/login",
                lambda data: Session.from_json(an_object(data, "'token'")),
                json_body={"email": email, "password": password},
                auth=False,
            )
        except NotSignedIn as error:
            raise SignInRefused(error.backend_message, status=error.status) from None
        self.token = session.token
        return session

    def me(self) -> User:
        return self._call(
            "GET", "/api/auth/me", lambda data: User.from_json(an_object(data, "user"))
        )

    def courses(self) -> list[Course]:
        return self._call(
            "GET",
            "/api/courses",
            lambda data: [
                Course.from_json(item) for item in object_list(data, "courses", "course")
            ],
        )

    def lessons(self, course_id: str) -> list[Lesson]:
        lessons = self._call(
            "GET",
            f"/api/courses/{_segment(course_id)}/lessons",
            lambda data: [
                Lesson.from_json(item) for item in object_list(data, "lessons", "lesson")
            ],
        )
        return sorted(lessons, key=lambda lesson: lesson.order)

    def link(self, lesson_id: str, key: str) -> Lesson:
        return self._call(
            "PATCH",
            f"/api/lessons/{_segment(lesson_id)}",
            _a_lesson,
            json_body={"videoId": key},
            changes=True,
        )

    def unlink(self, lesson_id: str) -> Lesson:
        return self._call(
            "PATCH",
            f"/api/lessons/{_segment(lesson_id)}",
            _a_lesson,
            json_body={"videoId": None},
            changes=True,
        )

    def stream_url(self, lesson_id: str) -> StreamUrl:
        return self._call(
            "GET",
            f"/api/videos/{_segment(lesson_id)}/stream-url",
            lambda data: StreamUrl.from_json(an_object(data, "'streamingUrl'")),
        )

    def delete_video(self, lesson_id: str) -> str:
        """Delete the lesson's video object and clear its link; returns the deleted key."""
        return self._call(
            "DELETE", f"/api/videos/{_segment(lesson_id)}", _deleted_key, changes=True
        )


def _a_lesson(data: Any) -> Lesson:
    return Lesson.from_json(an_object(data, "lesson"))


def _deleted_key(data: Any) -> str:
    key = an_object(data, "'deletedKey'").get("deletedKey")
    if not isinstance(key, str) or not key:
        raise Malformed("has no 'deletedKey'")
    return key
