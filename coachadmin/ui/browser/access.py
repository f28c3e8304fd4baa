"""The browser's way to the bucket: one S3 client per connection, used on worker threads.

Widgets never call boto3: they hand a core function (``coachadmin.s3.operations``,
named through :class:`~coachadmin.ui.worker_imports.WorkerModule`) to
:meth:`BucketAccess.run`, which runs ``func(client, bucket, *args)`` through the
bridge and delivers the result on the GUI thread. The client is made on the
first worker that needs it, so boto3 is imported after the window is up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject

from coachadmin.errors import UserFacingError
from coachadmin.s3.reply_waits import READS_TIMEOUT
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.worker_imports import WorkerModule

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from coachadmin.connection import Connection
    from coachadmin.s3 import client as s3_client
else:
    s3_client = WorkerModule("coachadmin.s3.client")

T = TypeVar("T")


class BucketAccess:
    """A connection's bucket and its (lazily made, thread-safe) S3 client."""

    def __init__(self, bridge: Bridge, connection: Connection) -> None:
        self.bridge = bridge
        self.connection = connection
        self._client: S3Client | None = None
        self._lock = threading.Lock()

    @property
    def bucket(self) -> str:
        return self.connection.bucket

    def client(self) -> S3Client:
        """The S3 client (worker threads only: the first call imports boto3)."""
        with self._lock:
            if self._client is None:
                self._client = s3_client.make_client(
                    self.connection.s3, reads_timeout=READS_TIMEOUT
                )
            return self._client

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``func(client, bucket, *args, **kwargs)`` right here (on a worker thread)."""
        return func(self.client(), self.bucket, *args, **kwargs)

    def run(
        self,
        func: Callable[..., T],
        *args: Any,
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[UserFacingError], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> Future[T]:
        """Run ``func(client, bucket, *args, **kwargs)`` on a worker; results on the GUI thread."""
        return self.bridge.run(
            lambda: self.call(func, *args, **kwargs),
            on_result=on_result,
            on_error=on_error,
            on_finished=on_finished,
            owner=owner,
        )
