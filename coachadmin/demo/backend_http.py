"""The demo backend's HTTP layer on werkzeug: the route table, the envelope, body limits.

werkzeug matches the path, reads the body and serves (as it serves the demo's
S3); this module adds what the platform's API says. Every answer, errors
included, is the platform's envelope: ``{"success": true, "data": ...,
"message": ...}`` or ``{"success": false, "message": ...}``, as
``application/json``. Handlers return a :class:`Reply` or raise
:class:`ApiError`; anything else they raise becomes a 500 and a log record.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from coachadmin.demo.serving import QuietRequestHandler, TrackingWSGIServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("coachadmin.demo")

MAX_JSON_BODY = 1024 * 1024
#: The methods the API understands; any other is 501, as http.server answers it.
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"})


class ApiError(Exception):
    """A failure answered with ``status`` and a message for a person."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class ApiRequest(Request):
    """werkzeug's request, with the route's parameters (``lessonId``...)."""

    params: Mapping[str, str]

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object (whatever its Content-Type), or a 400 saying what is wrong."""
        body = self.get_data()
        try:
            value = json.loads(body.decode("utf-8")) if body.strip() else None
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
    rule: str  # werkzeug's syntax: /api/courses/<courseId>/lessons
    handler: Handler
    max_body: int = MAX_JSON_BODY


class ApiApp:
    """The route table as a WSGI application.

    werkzeug matches the path as sent; the method is looked up here, so that
    HEAD is a 405 like any method a path does not have (werkzeug's rules would
    answer it as a GET) and ``Allow`` lists the table's methods only.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_rule: dict[str, dict[str, Route]] = {}
        for route in routes:
            self._by_rule.setdefault(route.rule, {})[route.method] = route
        rules = [Rule(rule, endpoint=rule) for rule in self._by_rule]
        self._urls = Map(rules, merge_slashes=False)  # /api//courses is a 404, not a redirect

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = ApiRequest(environ)
        try:
            route = self._route(request)
            _check_body(request, route.max_body)
            reply = route.handler(request)
            envelope = {"success": True, "data": reply.data, "message": reply.message}
            response = _answer(reply.status, envelope)
        except ApiError as error:
            response = _answer(error.status, _failure(error.message), error.headers)
        except HTTPException as error:  # werkzeug's own, e.g. a body cut short
            response = _answer(error.code or 500, _failure(error.description or error.name))
        except Exception:
            log.exception("the demo backend failed on %s %s", request.method, request.path)
            response = _answer(500, _failure("The demo backend failed: the log has the details"))
        return response(environ, start_response)

    def _route(self, request: ApiRequest) -> Route:
        if request.method not in _METHODS:
            raise ApiError(501, f"Unsupported method ({request.method!r})")
        # The path as sent: %2F inside a parameter is part of the id, not a separator.
        path = urlsplit(request.environ["RAW_URI"]).path
        try:
            rule, params = self._urls.bind("demo").match(path)
        except HTTPException:
            raise ApiError(404, f"There is no {path} in this API") from None
        request.params = {name: unquote(value) for name, value in params.items()}
        routes = self._by_rule[rule]
        if request.method not in routes:
            allowed = ", ".join(sorted(routes))
            raise ApiError(405, f"{request.method} is not allowed on {path}", {"Allow": allowed})
        return routes[request.method]


def _check_body(request: Request, limit: int) -> None:
    """Refuse, before reading it, a body over the route's limit or of unknown length."""
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        raise ApiError(400, "Send the request with a Content-Length, not chunked")
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise ApiError(400, "The Content-Length header is not a number") from None
    if length > limit:
        raise ApiError(413, f"The request is larger than this endpoint's {_size(limit)} limit")


class ApiRequestHandler(QuietRequestHandler):
    log_label = "api"
    server_version = "coachadmin-demo"
    timeout = 60  # a connection that sends nothing gives its thread back after a minute
    # Headers and body leave in two writes; with Nagle's algorithm and the client's
    # delayed ACK, the body could wait ~40 ms.
    disable_nagle_algorithm = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, too many headers) in the
        envelope too."""
        del explain  # http.server's HTML detail; the envelope has one message
        self.close_connection = True
        response = _answer(code, _failure(message or HTTPStatus(code).phrase))
        with contextlib.suppress(OSError):  # the client may be gone
            self.send_response(code)
            for name, value in [*response.headers.items(), ("Connection", "close")]:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.get_data())

    def handle_expect_100(self) -> bool:
        return True  # werkzeug sends the 100 Continue itself, just before the application runs


class ApiServer(TrackingWSGIServer):
    """The API on ``host:port`` (0: a free one), one tracked thread per connection."""

    thread_label = "demo-api"

    def __init__(self, address: tuple[str, int], app: ApiApp) -> None:
        super().__init__(address[0], address[1], app, handler=ApiRequestHandler)


def _answer(
    status: int, envelope: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    headers = {"Cache-Control": "no-store", **(headers or {})}
    status_line = f"{status} {HTTPStatus(status).phrase}"  # werkzeug's own are in capitals
    return Response(json.dumps(envelope), status_line, headers, content_type="application/json")


def _failure(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
