"""S3 clients for transfers, and where a journaled transfer must go back to.

Clients come from :func:`coachadmin.s3.client.make_client` only, with
botocore's own retries off (the engine retries per part with backoff and
jitter and counts what it re-sends) and progress hooks installed.

A :data:`SettingsFor` says with which settings a journaled transfer reaches S3
again. The engine's own, :func:`journaled`, knows only what the journal holds
(endpoint, region, AWS profile); the application's
(:class:`coachadmin.services.transfer_connections.TransferConnections`) goes back
to the transfer's connection, credentials included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from coachadmin.s3.client import DEFAULT_POOL, make_client
from coachadmin.s3.explain import own_endpoint
from coachadmin.s3.quick_put import install_quick_puts
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.config import DEFAULT_MAX_FILES, TransferConfig, most_parts_in_flight
from coachadmin.transfers.journal import DownloadRecord, UploadRecord
from coachadmin.transfers.source import install_body_hooks

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ClientFactory = Callable[[S3Settings], "S3Client"]
#: The settings to reach S3 with for a journaled transfer, with flags given now on top.
SettingsFor = Callable[[UploadRecord | DownloadRecord, S3Settings | None], S3Settings]


class TransferClients:
    """One client per distinct :class:`S3Settings`, shared by every transfer (thread-safe).

    Its reads' replies time out after ``stall_timeout``, its writes' after ``read_timeout``
    (:mod:`coachadmin.s3.reply_waits`)."""

    def __init__(self, config: TransferConfig | None = None, *, pool: int | None = None) -> None:
        self._config = config or TransferConfig()
        # Every part a queue has in flight holds a connection, plus a few for the
        # requests around them (HeadObject, Create/Complete): no connection is dropped,
        # even once uploads have grown their parts in flight to the most.
        in_flight = DEFAULT_MAX_FILES * most_parts_in_flight(self._config)
        self._pool = pool or max(DEFAULT_POOL, in_flight + 4)
        self._lock = threading.Lock()
        self._clients: dict[S3Settings, S3Client] = {}

    def __call__(self, settings: S3Settings) -> S3Client:
        with self._lock:
            client = self._clients.get(settings)
            if client is None:
                client = make_client(
                    settings,
                    max_pool_connections=self._pool,
                    max_attempts=1,
                    connect_timeout=self._config.connect_timeout,
                    read_timeout=self._config.read_timeout,
                    reads_timeout=self._config.stall_timeout,
                )
                install_body_hooks(client)
                install_quick_puts(client)
                self._clients[settings] = client
            return client


def endpoint_spelling(url: str | None) -> str | None:
    """One spelling per endpoint: ``http://h:9000/`` is ``http://h:9000``; None (AWS's
    own) and "" alike are None."""
    return url.strip().rstrip("/") or None if url else None


def same_endpoint(one: str | None, other: str | None) -> bool:
    return endpoint_spelling(one) == endpoint_spelling(other)


def journaled_endpoint(settings: S3Settings, client: S3Client) -> str | None:
    """The endpoint to journal: the one actually used, unless AWS's own (the region says it)."""
    if settings.endpoint_url:
        return endpoint_spelling(settings.endpoint_url)
    return own_endpoint(client)


def journaled_settings(
    endpoint_url: str | None, region: str | None, profile: str | None, override: S3Settings | None
) -> S3Settings:
    """The settings to resume with: the journal's, with any flags given now on top."""
    base = S3Settings(endpoint_url=endpoint_url, region=region, profile=profile)
    return override.merged_over(base) if override is not None else base


def journaled(record: UploadRecord | DownloadRecord, override: S3Settings | None) -> S3Settings:
    """:data:`SettingsFor` from the journal alone (boto3's chain finds the credentials)."""
    return journaled_settings(record.endpoint_url, record.region, record.profile, override)
