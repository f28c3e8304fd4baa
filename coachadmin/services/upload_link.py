"""Upload a file into ``videos/`` under the platform's naming, and link it once verified.

Used by ``coachadmin upload-link`` and the lessons panel's "Upload and link…".
The pending link is written before the upload is queued, so a kill at any
moment leaves either nothing or a link that :func:`finish_pending_links`
applies after ``coachadmin resume`` (or the GUI) finishes the upload.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from coachadmin.paths import AppFolderUnavailable
from coachadmin.s3.naming import platform_key
from coachadmin.s3.settings import S3Settings
from coachadmin.services.media_readiness import Readiness
from coachadmin.services.pending_links import (
    Applied,
    BackendFor,
    PendingLink,
    PendingLinks,
    apply_pending_links,
    pending_links_path,
)
from coachadmin.services.sign_in import client_for, normalize_api_url
from coachadmin.transfers.clients import ClientFactory, SettingsFor, journaled
from coachadmin.transfers.journal import Journal
from coachadmin.transfers.source import check_source
from coachadmin.transfers.upload import UploadRequest

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from coachadmin.transfers.queue import TransferQueue

log = logging.getLogger("coachadmin.backend")

VIDEOS_FOLDER = "videos"


def video_key_for(file_name: str) -> str:
    """``videos/BASENAME-TIMESTAMP-RANDOM.EXT``, as the platform names what it stores."""
    return platform_key(VIDEOS_FOLDER, file_name)


def start_upload_and_link(
    queue: TransferQueue,
    settings: S3Settings,
    store: PendingLinks,
    *,
    path: Path,
    bucket: str,
    lesson_id: str,
    api_url: str,
    key: str | None = None,
    connection: str | None = None,
    media: Readiness | None = None,
) -> PendingLink:
    """Record the pending link, then queue the upload; returns the link with its transfer id.

    ``connection``: the connection the upload belongs to (journaled for its resume).
    ``media``: the file's probe (:func:`~coachadmin.services.media_readiness.readiness`):
    its type and metadata go on the object, and its faststart copy, if made, is sent."""
    if media is not None:
        path = media.path
    fingerprint = check_source(path.expanduser().absolute())
    target = key or video_key_for(media.original.name if media is not None else path.name)
    link = store.add(
        PendingLink(
            bucket=bucket,
            key=target,
            lesson_id=lesson_id,
            api_url=normalize_api_url(api_url),
            size=fingerprint.size,
        )
    )
    try:
        request = UploadRequest(path=path, bucket=bucket, key=target, connection=connection)
        if media is not None:
            request = media.apply(request)
        transfer_id = queue.add_upload(request, settings)
    except BaseException:
        store.remove(bucket, target)
        raise
    store.set_transfer(bucket, target, transfer_id)
    log.info("upload-and-link %s -> %s for lesson %s", path, target, lesson_id)
    return replace(link, transfer_id=transfer_id)


def _anything_pending() -> bool:
    try:
        return pending_links_path().exists()
    except AppFolderUnavailable:  # no data folder: nothing was ever kept in it
        return False


def finish_pending_links(
    clients: ClientFactory,
    *,
    fallback: S3Settings | None = None,
    override: S3Settings | None = None,
    store: PendingLinks | None = None,
    journal: Journal | None = None,
    backend_for: BackendFor | None = None,
    settings_for: SettingsFor = journaled,
) -> list[Applied]:
    """Apply every pending link whose upload is verified, with S3 reached as the upload was.

    ``settings_for`` says how each upload's journal row reaches S3 (its connection);
    ``override`` (flags given now) goes on top; ``fallback`` serves links whose journal
    row is gone.
    """
    if store is None and not _anything_pending():
        return []  # nothing was ever pending on this computer
    own_store = store is None
    own_journal = journal is None
    links = store or PendingLinks()
    records = journal or Journal()

    def s3_for(link: PendingLink) -> S3Client:
        settings = fallback or S3Settings()
        if link.transfer_id:
            try:
                record = records.get_upload(link.transfer_id)
            except KeyError:
                pass
            else:
                settings = settings_for(record, None)
                if fallback is not None:
                    settings = settings.merged_over(fallback)
        return clients(override.merged_over(settings) if override else settings)

    try:
        return apply_pending_links(
            links, s3_for=s3_for, backend_for=backend_for or client_for, journal=records
        )
    finally:
        if own_store:
            links.close()
        if own_journal:
            records.close()
