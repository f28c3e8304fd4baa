"""The platform's REST API over HTTP: one requests session, the envelope, typed errors.

Idempotent calls (GET, DELETE) are retried on connection failures and 502/503/504;
PATCH and POST are not, so a link is never applied twice behind the user's back.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError
from urllib3.util.retry import Retry

from coachadmin import __version__
from coachadmin.backend.errors import (
    BackendError,
    BackendUnreachable,
    NotSignedIn,
    SignInRefused,
    error_for_status,
)
from coachadmin.backend.models import Course, Lesson, Session, StreamUrl, User, parse_time
from coachadmin.redact import register_secret

log = logging.getLogger("coachadmin.backend")

#: (connect, read) seconds.
DEFAULT_TIMEOUT = (5.0, 30.0)


def _retrying_session() -> requests.Session:
    session = requests.Session()
    retry = Retry(
        total=3,
        connect=3,
        read=2,
        status=3,
        backoff_factor=0.3,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "DELETE", "OPTIONS"}),
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"coachadmin/{__version__}"
    session.headers["Accept"] = "application/json"
    return session


def _timed_out(exc: requests.RequestException) -> bool:
    """A timeout, also when urllib3's retries wrapped it in a connection error."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ReadTimeoutError | ConnectTimeoutError)


def _segment(value: str) -> str:
    return quote(value, safe="")


class BackendClient:
    """A client for one backend; ``token`` is the Bearer token of a signed-in user."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
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

    def _call(self, method: str, path: str, *, json_body: Any = None, auth: bool = True) -> Any:
        url = f"{self.base_url}{path}"
        headers = {}
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._http.request(
                method, url, json=json_body, headers=headers, timeout=self.timeout
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            reason = "no answer in time" if _timed_out(exc) else "connection failed"
            raise BackendUnreachable(self.base_url, reason) from exc
        except requests.RequestException as exc:
            raise BackendUnreachable(self.base_url, type(exc).__name__) from exc
        log.debug("%s %s -> %s", method, path, response.status_code)
        return self._unwrap(response)

    def _unwrap(self, response: requests.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.ok:
                raise BackendError(
                    f"The backend at {self.base_url} did not answer with the platform's JSON; "
                    "check the backend URL.",
                    status=response.status_code,
                )
            raise error_for_status(response.status_code, response.reason or "")
        message = str(body.get("message") or "")
        if not response.ok or body.get("success") is False:
            status = response.status_code if not response.ok else 500
            raise error_for_status(status, message)
        return body.get("data")

    # -- endpoints ----------------------------------------------------------------------

    def login(self, email: str, password: str) -> Session:
        register_secret(password)
        try:
            data = self._call(
                "POST",
                "/api/auth/login",
                json_body={"email": email, "password": password},
                auth=False,
            )
        except NotSignedIn as error:
            raise SignInRefused(error.backend_message, status=error.status) from None
        token = str(data["token"])
        self.token = token
        expires = data.get("expiresAt")
        return Session(
            token=token,
            user=User.from_json(data["user"]),
            expires_at=parse_time(expires) if isinstance(expires, str) else None,
        )

    def me(self) -> User:
        return User.from_json(self._call("GET", "/api/auth/me"))

    def courses(self) -> list[Course]:
        data = self._call("GET", "/api/courses")
        items = data["courses"] if isinstance(data, dict) else data
        return [Course.from_json(item) for item in items]

    def lessons(self, course_id: str) -> list[Lesson]:
        data = self._call("GET", f"/api/courses/{_segment(course_id)}/lessons")
        items = data["lessons"] if isinstance(data, dict) else data
        lessons = [Lesson.from_json(item) for item in items]
        return sorted(lessons, key=lambda lesson: lesson.order)

    def link(self, lesson_id: str, key: str) -> Lesson:
        data = self._call(
            "PATCH", f"/api/lessons/{_segment(lesson_id)}", json_body={"videoId": key}
        )
        return Lesson.from_json(data)

    def unlink(self, lesson_id: str) -> Lesson:
        data = self._call(
            "PATCH", f"/api/lessons/{_segment(lesson_id)}", json_body={"videoId": None}
        )
        return Lesson.from_json(data)

    def stream_url(self, lesson_id: str) -> StreamUrl:
        data = self._call("GET", f"/api/videos/{_segment(lesson_id)}/stream-url")
        return StreamUrl.from_json(data)

    def delete_video(self, lesson_id: str) -> str:
        """Delete the lesson's video object and clear its link; returns the deleted key."""
        data = self._call("DELETE", f"/api/videos/{_segment(lesson_id)}")
        return str(data.get("deletedKey") or "") if isinstance(data, dict) else ""
