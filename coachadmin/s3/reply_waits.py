"""How long a client waits for a read's reply that brings nothing: briefly.

A link can go quiet rather than break (Wi-Fi that drops leaves connections open, no
reset): only a timeout tells. The replies to reads (a GET's head and body, a HEAD's, a
listing's) come at once from a server that is there, so a client can give them up sooner
than its ``read_timeout`` (``make_client(reads_timeout=...)``): a transfer after its
``stall_timeout`` (20 s), the browser, the lessons and check-links after
:data:`READS_TIMEOUT`, each then trying again. botocore has a
per-request read timeout (the request context's ``read_timeout``), set here on
``before-call``; a botocore without it waits the client's ``read_timeout``. Writes keep
``read_timeout`` (60 s): their reply's timer starts once the body is handed to the
kernel, whose send buffer (a few MiB) may still be draining to a slow uplink shared by 10
to 32 parts, and S3 may take minutes over a CompleteMultipartUpload or a copy, sending
spaces meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: The reads of the browser, the lessons and check-links (botocore's retries then try
#: again): a folder that stays "Listing…" for minutes on a link gone quiet tells nothing.
READS_TIMEOUT = 20.0

#: Requests without a body that a server answers at once.
READS = (
    "GetObject",
    "HeadObject",
    "HeadBucket",
    "ListObjectsV2",
    "ListObjectVersions",
    "ListParts",
    "ListMultipartUploads",
    "GetBucketVersioning",
)


def time_out_reads(client: S3Client, seconds: float) -> None:
    """``client``'s :data:`READS` give up a reply that brings nothing for ``seconds``."""

    def brisk(context: dict[str, Any], **_: Any) -> None:
        context["read_timeout"] = seconds

    for operation in READS:
        client.meta.events.register(
            f"before-call.s3.{operation}", brisk, unique_id=f"ca-brisk-{operation}"
        )
