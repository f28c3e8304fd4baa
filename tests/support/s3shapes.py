"""Answers of S3 servers that moto does not give, shaped by the fault proxy's ``rewrite``.

moto's ETags are always MD5s and it keeps no CRC32C/CRC64NVME of its own; AWS under
SSE-KMS gives ETags that are not, and many objects carry a checksum. These play those
servers in front of moto, over HTTP, changing nothing but the answers' headers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.faultproxy import Fault, FaultProxy, Reply, Request

#: Rewrite every request through the proxy (a rule needs a count).
EVERY = 1_000_000


def opaque(etag: str) -> str:
    """An ETag of the same form (32 hex digits, ``-N`` kept) that is not the content's MD5."""
    digest, dash, count = etag.partition("-")
    return hashlib.md5(f"kms:{digest}".encode()).hexdigest() + dash + count


@dataclass
class OpaqueEtags:
    """Plays a server whose ETags are not MD5s: SSE-KMS (``encryption``), or an S3-compatible
    store (``encryption=""``). ``checksums`` (algorithm to value) are added to a HeadObject
    of the whole object that asks for them (``ChecksumMode``), as AWS shows them."""

    encryption: str = "aws:kms"
    checksums: dict[str, str] = field(default_factory=dict)
    checksum_type: str = "FULL_OBJECT"
    #: Only for the requests this accepts (all when None).
    only: Callable[[Request], bool] | None = None
    _real: dict[str, str] = field(default_factory=dict)

    def install(self, proxy: FaultProxy) -> None:
        proxy.add_fault(
            self.only or (lambda _request: True),
            Fault("rewrite", request=self.request, reply=self.reply),
            times=EVERY,
        )

    def request(self, headers: dict[str, str]) -> dict[str, str]:
        if "if-match" in headers:
            fake = headers["if-match"].strip('"')
            headers["if-match"] = f'"{self._real.get(fake, fake)}"'
        return headers

    def reply(self, request: Request, reply: Reply) -> Reply:
        if "etag" in reply.headers:
            reply.headers["etag"] = self._swap(reply.headers["etag"])
        reply.body = re.sub(
            rb"<ETag>(&quot;|\")?([0-9a-f-]+)(&quot;|\")?</ETag>",
            lambda m: (
                b"<ETag>&quot;" + self._swap(m[2].decode()).strip('"').encode() + b"&quot;</ETag>"
            ),
            reply.body,
        )
        if self.encryption and reply.status < 300:
            reply.headers["x-amz-server-side-encryption"] = self.encryption
        wants = request.headers.get("x-amz-checksum-mode") == "ENABLED"
        whole = request.method == "HEAD" and "partNumber=" not in request.target
        if self.checksums and wants and whole:
            for algorithm, value in self.checksums.items():
                reply.headers[f"x-amz-checksum-{algorithm.lower()}"] = value
            reply.headers["x-amz-checksum-type"] = self.checksum_type
        return reply

    def _swap(self, etag: str) -> str:
        real = etag.strip('"')
        fake = opaque(real)
        self._real[fake] = real
        return f'"{fake}"'
