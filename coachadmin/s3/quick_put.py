"""PutObject for small files without botocore's per-call machinery, once botocore has
shown how this client reaches the bucket.

A folder of small files is bound by CPU per request, not by bytes: botocore spends about
as much on one ``put_object`` call (parameter validation, endpoint rules, a dozen events,
an XML response parser) as it takes the server to store 100 KiB
(``python bench/bench_put_path.py``). The quick way keeps everything that decides where a
request goes and whether it is accepted, and learns it from botocore itself:

- the first PutObject to a bucket goes through botocore; when it succeeds, its URL (the
  endpoint, addressing style and region botocore resolved), its signing context and the
  client's own request signer are remembered for that bucket;
- later ones build the same request (URL + percent-encoded key, the same headers), sign
  it with that signer (credentials and their refresh, session tokens, region and the
  payload policy of :mod:`coachadmin.s3.signing` included) and send it on the client's
  own HTTP session (its pool, proxies, TLS settings, timeouts and exception mapping);
- an error reply is parsed by botocore's parser and raised as botocore raises it; a
  redirect (the bucket moved region) forgets the route and is sent again through botocore.

Only a first attempt goes the quick way: retries go through botocore, so that they wait
for "100 Continue" (:func:`coachadmin.transfers.source.install_body_hooks`).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botocore.awsrequest import AWSRequest
from botocore.parsers import create_parser

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: The request's parameters the quick way knows how to send, and their headers.
_HEADERS = {
    "ContentLength": "Content-Length",
    "ContentMD5": "Content-MD5",
    "IfNoneMatch": "If-None-Match",
    "ContentType": "Content-Type",
    "CacheControl": "Cache-Control",
}
#: Every parameter the quick way sends: a PutObject with any other goes through botocore.
_SENT = frozenset(_HEADERS) | {"Bucket", "Key", "Metadata"}
#: What learning a route keeps of botocore's request context: how to sign.
_CONTEXT = ("client_config", "has_streaming_input", "auth_type", "signing")
#: The signature versions a route may be learned under (plain SigV4, with or without our
#: known-payload signer): S3 Express and SigV4a stay with botocore.
_PLAIN_SIGV4 = ("s3v4", "v4", "coachadmin-s3v4")
_STASH = "coachadmin.quick_put"
#: Replies botocore answers by sending again elsewhere (its S3 region redirector).
_REDIRECTS = frozenset({301, 302, 307, 308})
_WRONG_REGION = frozenset({"AuthorizationHeaderMalformed", "IllegalLocationConstraintException"})


@dataclass(frozen=True)
class Route:
    """How botocore sent a PutObject to a bucket: where, and how it signed."""

    base_url: str
    context: dict[str, Any]
    signer: Any  # botocore.signers.RequestSigner
    user_agent: str | None


def encoded_key(key: str) -> str:
    """The key as botocore writes it into a request's path (``{Key+}``)."""
    return quote(key.encode("utf-8"), safe="/~")


class QuickPuts:
    """One client's learned routes, per bucket (thread-safe: a route is replaced whole)."""

    def __init__(self, client: S3Client) -> None:
        self._client = weakref.ref(client)
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._parser = create_parser("rest-xml")
        self._output: Any = client.meta.service_model.operation_model("PutObject").output_shape
        #: PutObjects sent the quick way (for tests and benchmarks).
        self.sent = 0
        if _http_session(client) is None:  # a botocore that keeps it elsewhere: never quick
            return
        events = client.meta.events
        events.register("before-parameter-build.s3.PutObject", self._note_target)
        events.register_last("before-sign.s3.PutObject", self._note_request)
        events.register("after-call.s3.PutObject", self._learn)

    def route(self, bucket: str) -> Route | None:
        return self._routes.get(bucket)

    def forget(self, bucket: str) -> None:
        with self._lock:
            self._routes.pop(bucket, None)

    # -- learning from botocore's own PutObject ---------------------------------------

    def _note_target(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_STASH] = {"bucket": params.get("Bucket"), "key": params.get("Key")}

    def _note_request(
        self, request: Any, signature_version: str, request_signer: Any, **_: Any
    ) -> None:
        stash = request.context.get(_STASH)
        if stash is None:
            return
        url = str(request.url)
        suffix = "/" + encoded_key(str(stash["key"]))
        plain = signature_version in _PLAIN_SIGV4 and "?" not in url and url.endswith(suffix)
        stash["route"] = (
            Route(
                base_url=url[: -len(suffix)],
                # Copies: botocore may still change this request's own dicts.
                context={
                    name: _copied(request.context[name])
                    for name in _CONTEXT
                    if name in request.context
                },
                signer=request_signer,
                user_agent=request.headers.get("User-Agent"),
            )
            if plain
            else None
        )

    def _learn(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        stash = context.get(_STASH) or {}
        route = stash.get("route")
        if route is not None and 200 <= http_response.status_code < 300:
            with self._lock:
                self._routes[str(stash["bucket"])] = route

    # -- the quick request -------------------------------------------------------------

    def put(self, route: Route, body: Any, params: dict[str, Any]) -> dict[str, Any]:
        """PutObject of ``params`` (their ``Body`` is ``body``) along ``route``."""
        client = self._client()
        if client is None:
            raise RuntimeError("the S3 client is gone")
        bucket, key = str(params["Bucket"]), str(params["Key"])
        headers = {_HEADERS[name]: str(params[name]) for name in _HEADERS if name in params}
        for name, value in (params.get("Metadata") or {}).items():
            headers[f"x-amz-meta-{name}"] = str(value)
        if route.user_agent:
            headers["User-Agent"] = route.user_agent
        request = AWSRequest("PUT", f"{route.base_url}/{encoded_key(key)}", headers, data=body)
        request.context = dict(route.context)
        quiet = getattr(body, "signal_not_transferring", None)
        if quiet is not None:  # the signer may read the body: that is not sending it
            quiet()
        try:
            route.signer.sign("PutObject", request)
        finally:
            loud = getattr(body, "signal_transferring", None)
            if loud is not None:
                loud()
        response = _http_session(client).send(request.prepare())
        self.sent += 1
        status = int(response.status_code)
        reply_headers = {name.lower(): value for name, value in response.headers.items()}
        if 200 <= status < 300:
            return _success(status, reply_headers)
        parsed = self._parser.parse(
            {"status_code": status, "headers": reply_headers, "body": response.content},
            self._output,
        )
        code = str(parsed.get("Error", {}).get("Code", ""))
        if status in _REDIRECTS or code in _WRONG_REGION:
            self.forget(bucket)
            body.seek(0)
            return dict(client.put_object(Body=body, **params))
        # A ClientError subclass (NoSuchBucket, ...), as botocore raises it; the stubs
        # call it an instance.
        error: Any = client.exceptions.from_code(code)
        raise error(parsed, "PutObject")


def _copied(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


def _http_session(client: S3Client) -> Any:
    """The client's own HTTP session (botocore keeps it private), or None."""
    return getattr(getattr(client, "_endpoint", None), "http_session", None)


def _success(status: int, headers: dict[str, str]) -> dict[str, Any]:
    """What botocore's parser makes of a PutObject reply, as far as transfers read it."""
    reply: dict[str, Any] = {
        "ResponseMetadata": {
            "RequestId": headers.get("x-amz-request-id", ""),
            "HostId": headers.get("x-amz-id-2", ""),
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        }
    }
    for field, header in (
        ("ETag", "etag"),
        ("VersionId", "x-amz-version-id"),
        ("ChecksumCRC32", "x-amz-checksum-crc32"),
    ):
        if header in headers:
            reply[field] = headers[header]
    return reply


_INSTALLED: weakref.WeakKeyDictionary[Any, QuickPuts] = weakref.WeakKeyDictionary()
_INSTALLING = threading.Lock()


def install_quick_puts(client: S3Client) -> QuickPuts:
    """Let ``client`` learn its routes to buckets (once per client)."""
    with _INSTALLING:
        quick = _INSTALLED.get(client)
        if quick is None:
            quick = _INSTALLED[client] = QuickPuts(client)
        return quick


def put_object(
    client: S3Client, body: Any, params: dict[str, Any], *, quick: bool
) -> dict[str, Any]:
    """PutObject of ``params`` with ``body``: the quick way when ``quick``, the client
    knows the bucket's route and every parameter is one the quick way sends; otherwise
    through botocore (which may teach the client the route)."""
    learned = _INSTALLED.get(client)
    route = learned.route(str(params.get("Bucket"))) if learned is not None else None
    if quick and learned is not None and route is not None and params.keys() <= _SENT:
        return learned.put(route, body, params)
    return dict(client.put_object(Body=body, **params))
