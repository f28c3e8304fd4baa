"""The demo backend's HTTP layer: routing, the JSON envelope, errors, body limits.

stdlib only (``http.server``), which keeps the frozen app small. Every answer,
errors included, is the platform's envelope: ``{"success": true, "data": ...,
"message": ...}`` or ``{"success": false, "message": ...}``, as
``application/json``. Handlers return a :class:`Reply` or raise
:class:`ApiError`; anything else they raise becomes a 500 and a log record.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socketserver
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from coachadmin.demo.serving import TrackingThreadingMixIn

log = logging.getLogger("coachadmin.demo")

MAX_JSON_BODY = 1024 * 1024


class ApiError(Exception):
    """A failure answered with ``status`` and a message for a person."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        """A request header's value ("" if absent); ``headers`` has lower-case names."""
        return self.headers.get(name.lower(), "")

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, or a 400 saying what is wrong with it."""
        try:
            value = json.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ApiError(400, f"The request body is not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise ApiError(400, "The request body must be a JSON object")
        return value


@dataclass(frozen=True)
class Reply:
    data: Any
    message: str = "OK"
    status: int = 200


Handler = Callable[[ApiRequest], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    max_body: int


class Router:
    """``/api/courses/{courseId}/lessons``-style templates to handlers."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self, method: str, template: str, handler: Handler, *, max_body: int = MAX_JSON_BODY
    ) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._routes.append(Route(method, template, re.compile(f"^{regex}$"), handler, max_body))

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed: list[str] = []
        for route in self._routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if route.method == method:
                return route, {name: unquote(value) for name, value in found.groupdict().items()}
            allowed.append(route.method)
        if allowed:
            raise ApiError(
                405, f"{method} is not allowed on {path}", {"Allow": ", ".join(sorted(allowed))}
            )
        raise ApiError(404, f"There is no {path} in this API")


class ApiServer(TrackingThreadingMixIn, HTTPServer):
    """A threaded HTTP server that knows its router."""

    thread_label = "demo-api"

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        super().__init__(address, ApiRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() asks DNS for the host's FQDN, which can hang for
        # seconds on a machine with a broken resolver; loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the desktop client reuses its connection
    server_version = "coachadmin-demo"
    timeout = 60  # an idle keep-alive connection gives its thread back after a minute
    # Headers and body leave in two writes; with Nagle's algorithm and the client's
    # delayed ACK, each answer on a kept-alive connection would wait ~40 ms.
    disable_nagle_algorithm = True
    server: ApiServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        body_read = False
        try:
            route, params = self.server.router.match(self.command, path)
            body = self._read_body(route.max_body)
            body_read = True
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = ApiRequest(self.command, path, headers, body, params)
            reply = route.handler(request)
            envelope = {"success": True, "data": reply.data, "message": reply.message}
            self._send(reply.status, envelope)
        except ApiError as error:
            if not body_read and self.headers.get("Content-Length", "0") not in ("", "0"):
                self.close_connection = True  # the unread body must not become a request
            self._send(error.status, _failure(error.message), error.headers)
        except Exception:
            log.exception("the demo backend failed on %s %s", self.command, path)
            self.close_connection = True
            self._send(500, _failure("The demo backend failed: the log has the details"))

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise ApiError(400, "Send the request with a Content-Length, not chunked")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ApiError(400, "The Content-Length header is not a number") from None
        if length > limit:
            raise ApiError(413, f"The request is larger than this endpoint's {_size(limit)} limit")
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, envelope: dict[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        payload = json.dumps(envelope).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, unknown method) in our envelope too."""
        del explain  # http.server's HTML detail; the envelope has one message
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may be gone
            self._send(code, _failure(message or HTTPStatus(code).phrase))

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("api %s " + format, self.address_string(), *args)


def _failure(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
