"""The preview's reads from S3 and its links, for one connection; run on worker threads.

No Qt here: the pane calls these through the bridge. boto3 and botocore load on
the first worker that needs them (:class:`~coachadmin.ui.worker_imports.WorkerModule`),
so the window opens before they do. One client per connection, built on first use and
shared by the worker threads (boto3 clients are thread-safe).

Errors come out as :class:`PreviewError` subclasses with a sentence for the pane.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import requests

from coachadmin.errors import UserFacingError
from coachadmin.s3.presign import (
    DEFAULT_EXPIRY,
    CredentialsExpiry,
    PresignedUrl,
    credentials_expiry,
    presign_get,
)
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from coachadmin.connection import Connection
    from coachadmin.s3 import client as s3_client
    from coachadmin.ui.preview import s3_errors
else:
    s3_client = WorkerModule("coachadmin.s3.client")
    s3_errors = WorkerModule("coachadmin.ui.preview.s3_errors")

log = logging.getLogger("coachadmin.preview")


class PreviewError(UserFacingError):
    """The preview could not load; the message is shown in the pane itself."""


class LinkRefused(PreviewError):
    """S3 answered 403: the link expired, the clock is off, or the credentials may not read."""


class ObjectGone(PreviewError):
    """S3 answered 404: the object was deleted or renamed since the folder was listed."""


class S3Unreachable(PreviewError):
    """No answer from S3 at all."""


def refused_message(detail: str) -> str:
    return (
        f"S3 refused to read this object ({detail}). The link may have expired or this "
        "computer's clock may be wrong; otherwise your credentials may not allow "
        "s3:GetObject on it. Correct the clock or the credentials, then select it again."
    )


GONE_MESSAGE = (
    "This object no longer exists: it was deleted or renamed since the folder was listed. "
    "Refresh the folder (F5)."
)


@dataclass(frozen=True)
class Chunk:
    """The first bytes of an object (or all of it), as a ranged GET returned them."""

    data: bytes
    total_size: int
    content_type: str

    @property
    def complete(self) -> bool:
        return len(self.data) >= self.total_size


class S3Access:
    """Reads and links for one connection. Every method may block: call it on a worker."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._lock = threading.Lock()
        self._client: S3Client | None = None
        self._credentials_expire_at: CredentialsExpiry | None = None

    def client(self) -> S3Client:
        with self._lock:
            if self._client is None:
                self._credentials_expire_at = credentials_expiry(
                    s3_client.make_session(self.connection.s3)
                )
                # A preview is interactive: fail fast rather than retry for a minute.
                self._client = s3_client.make_client(
                    self.connection.s3, max_pool_connections=8, read_timeout=20, max_attempts=2
                )
            return self._client

    def presign(self, bucket: str, key: str, expires: timedelta = DEFAULT_EXPIRY) -> PresignedUrl:
        """A SigV4 GET link, made locally (no network call)."""
        client = self.client()
        return presign_get(
            client, bucket, key, expires, credentials_expire_at=self._credentials_expire_at
        )

    def read_head(self, bucket: str, key: str, limit: int) -> Chunk:
        """The first ``limit`` bytes of ``key`` (a ranged GET), with the object's full size."""
        client = self.client()
        try:
            response = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{limit - 1}")
            data = response["Body"].read()
        except Exception as error:
            raise s3_errors.translate(error) from error
        total = _total_size(response, len(data))
        return Chunk(data, total, str(response.get("ContentType", "")))


def _total_size(response: Any, received: int) -> int:
    """From ``Content-Range: bytes 0-99/12345``; a server that ignores Range sends it all."""
    content_range = str(response.get("ContentRange", ""))
    if "/" in content_range:
        tail = content_range.rsplit("/", 1)[1]
        if tail.isdigit():
            return int(tail)
    return int(response.get("ContentLength", received) or received)


@dataclass(frozen=True)
class LinkStatus:
    """What S3 answers to a link: the player only says "could not open", this says why."""

    status: int  # 0 when S3 could not be reached
    code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> PreviewError:
        """The message for a link the player could not open."""
        if self.ok:
            return PreviewError(
                "This file could not be played: its format is not supported by the media "
                "backend, or the file is damaged. Use \u201cOpen in browser\u201d to try "
                "another player."
            )
        if self.status == 404:
            return ObjectGone(GONE_MESSAGE)
        if self.status == 403:
            detail = " ".join(part for part in ("403", self.code) if part)
            return LinkRefused(
                refused_message(f"{detail}: {self.message}" if self.message else detail)
            )
        if self.status == 0:
            return S3Unreachable(
                f"Cannot reach S3 ({self.message}). Check the network and the connection's "
                "endpoint, then select the object again."
            )
        return PreviewError(f"S3 answered {self.status} {self.code} {self.message}".strip() + ".")


def probe_link(url: str, *, timeout: float = 10) -> LinkStatus:
    """GET the link's first byte and report S3's answer (status, error code and message)."""
    try:
        response = requests.get(url, headers={"Range": "bytes=0-0"}, timeout=timeout)
    except requests.RequestException as error:
        return LinkStatus(0, message=type(error).__name__)
    with response:
        if response.ok:
            return LinkStatus(response.status_code)
        body = response.text[:4096]
    code = re.search(r"<Code>([^<]*)</Code>", body)
    message = re.search(r"<Message>([^<]*)</Message>", body)
    return LinkStatus(
        response.status_code,
        code.group(1) if code else "",
        message.group(1) if message else "",
    )
