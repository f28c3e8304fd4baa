"""A FaultProxy that counts the bytes it serves and refuses presigned URLs as S3 does.

moto accepts any presigned URL, expired or not. Real S3 answers 403 AccessDenied
"Request has expired" once ``X-Amz-Date + X-Amz-Expires`` has passed (by the
server's clock), and 403 for a link whose signing credentials were revoked. This
proxy does both in front of moto, so the preview's handling of dead links is
tested against a server that really refuses them. It also counts the response
bytes it delivers to the client (what "the server served"), which the range-read
test and the video benchmark compare with the object's size.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from support.faultproxy import Fault, FaultProxy, Request

EXPIRED_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)
DENIED_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


def signature(url_or_target: str) -> str:
    query = parse_qs(urlsplit(url_or_target).query)
    return query.get("X-Amz-Signature", [""])[0]


class MediaProxy(FaultProxy):
    def __init__(self, upstream: str, *, clock_offset: float = 0.0, **kwargs: float) -> None:
        """``clock_offset``: seconds the "server clock" is ahead of this machine's."""
        super().__init__(upstream, **kwargs)  # type: ignore[arg-type]
        self.clock_offset = clock_offset
        self.served = 0
        self.revoked: set[str] = set()
        self.refused: list[Request] = []
        self.add_fault(self._expired, Fault("status", code=403, body=EXPIRED_BODY), times=10**9)
        self.add_fault(self._revoked, Fault("status", code=403, body=DENIED_BODY), times=10**9)

    def revoke(self, url: str) -> None:
        """From now on, answer 403 to this link (its credentials were withdrawn)."""
        self.revoked.add(signature(url))

    def gets(self, key: str = "") -> list[Request]:
        """The GET requests that reached the proxy for ``key`` (all if empty)."""
        return [
            r for r in self.stats.requests if r.method == "GET" and key in urlsplit(r.target).path
        ]

    def _expired(self, request: Request) -> bool:
        query = parse_qs(urlsplit(request.target).query)
        if request.method != "GET" or "X-Amz-Date" not in query:
            return False
        signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        lifetime = int(query.get("X-Amz-Expires", ["0"])[0])
        expired = time.time() + self.clock_offset > signed.timestamp() + lifetime
        if expired:
            self.refused.append(request)
        return expired

    def _revoked(self, request: Request) -> bool:
        refused = request.method == "GET" and signature(request.target) in self.revoked
        if refused:
            self.refused.append(request)
        return refused

    def _sent(self, sink: socket.socket, count: int) -> None:
        """Counted on delivery to the client, not on reading from moto: a client that hangs
        up leaves unread data in the proxy, which the server did not really serve to anyone."""
        try:
            to_client = sink.getpeername()[1] != self.upstream[1]
        except OSError:
            return
        if to_client:
            with self._lock:
                self.served += count
