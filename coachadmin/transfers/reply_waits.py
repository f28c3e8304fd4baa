"""How long a transfer waits for a read's reply that brings nothing: ``stall_timeout``.

A link can go quiet rather than break (Wi-Fi that drops mid-transfer leaves connections
open, no reset): only a timeout tells. The replies to a transfer's reads (a GET's head
and body, a HEAD's, ListParts') come at once from a server that is there, so they are
given up after ``stall_timeout`` (20 s) through botocore's per-request read timeout (the
request context's ``read_timeout``, set here on ``before-call``; a botocore without it
waits the client's ``read_timeout``, as before). Writes keep the client's
``read_timeout`` (60 s): their reply's timer starts once the body is handed to the
kernel, whose send buffer (megabytes) may still be draining to a slow uplink shared by
10 to 32 parts, and S3 may take minutes over a CompleteMultipartUpload or a copy,
sending spaces meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: The reads a transfer client makes: requests without a body, answered at once.
READS = ("GetObject", "HeadObject", "ListParts", "ListObjectsV2", "HeadBucket")


def time_out_reads(client: S3Client, seconds: float) -> None:
    """``client``'s :data:`READS` give up a reply that brings nothing for ``seconds``."""

    def brisk(context: dict[str, Any], **_: Any) -> None:
        context["read_timeout"] = seconds

    for operation in READS:
        client.meta.events.register(
            f"before-call.s3.{operation}", brisk, unique_id=f"ca-brisk-{operation}"
        )
