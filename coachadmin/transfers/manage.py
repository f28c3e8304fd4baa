"""Acting on journaled transfers by id: run or resume one, abort one.

Shared by the command line (``resume``, ``abort``) and the queue. A resumed
transfer goes back to the endpoint, region and profile it was journaled with,
with any settings given now (flags) on top.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.s3.client import S3Settings
from coachadmin.transfers.clients import ClientFactory, journaled_settings
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.download import DownloadRunner
from coachadmin.transfers.errors import NoSuchTransfer, TransferError
from coachadmin.transfers.events import EventSink, TransferState
from coachadmin.transfers.journal import DownloadRecord, Journal, TransferBusy, UploadRecord
from coachadmin.transfers.parts import abort_upload
from coachadmin.transfers.upload import UploadRunner

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Runner = UploadRunner | DownloadRunner


def runner_for(
    journal: Journal,
    clients: ClientFactory,
    transfer_id: str,
    config: TransferConfig,
    *,
    override: S3Settings | None = None,
    sink: EventSink | None = None,
    control: TransferControl | None = None,
    slots: threading.Semaphore | None = None,
    overwrite: bool | None = None,
    check_key: bool = False,
    client: S3Client | None = None,
) -> Runner:
    """The runner that resumes ``transfer_id`` (an upload or a download).

    ``client``: the one that just prepared the transfer, if any; otherwise the
    client for the journaled settings (with ``override`` on top). ``check_key``: see
    :class:`~coachadmin.transfers.upload.UploadRunner`.
    """
    kind = journal.kind_of(transfer_id)
    record: UploadRecord | DownloadRecord
    if kind == "upload":
        record = journal.get_upload(transfer_id)
    elif kind == "download":
        record = journal.get_download(transfer_id)
    else:
        raise NoSuchTransfer(transfer_id)
    if client is None:
        client = clients(
            journaled_settings(record.endpoint_url, record.region, record.profile, override)
        )
    common: dict[str, Any] = {"sink": sink, "control": control, "slots": slots}
    if kind == "upload":
        return UploadRunner(
            journal, client, transfer_id, config, overwrite=overwrite, check_key=check_key, **common
        )
    return DownloadRunner(journal, client, transfer_id, config, **common)


def abort_transfer(
    journal: Journal,
    clients: ClientFactory,
    transfer_id: str,
    config: TransferConfig,
    *,
    override: S3Settings | None = None,
) -> None:
    """Cancel a transfer that is not running: abort its multipart upload on the server
    (so that no parts are left to cost money) or delete its partial file."""
    kind = journal.kind_of(transfer_id)
    if kind is None:
        raise NoSuchTransfer(transfer_id)
    table = "uploads" if kind == "upload" else "downloads"
    try:
        journal.claim(table, transfer_id)
    except TransferBusy as busy:
        raise TransferError(
            f"transfer {transfer_id} is running in process {busy.pid}; stop it first "
            "(Ctrl-C pauses it), then abort"
        ) from None
    try:
        if kind == "upload":
            upload = journal.get_upload(transfer_id)
            if upload.state in (TransferState.DONE, TransferState.CANCELLED):
                raise NoSuchTransfer(transfer_id)
            if upload.upload_id is not None:
                settings = journaled_settings(
                    upload.endpoint_url, upload.region, upload.profile, override
                )
                abort_upload(
                    clients(settings),
                    upload.bucket,
                    upload.key,
                    upload.upload_id,
                    {
                        "control": TransferControl(),
                        "max_attempts": config.max_attempts,
                        "base": config.backoff_base,
                        "cap": config.backoff_cap,
                        "bucket": upload.bucket,
                        "key": upload.key,
                    },
                )
            journal.forget_parts(transfer_id)
            journal.update_upload(transfer_id, state=TransferState.CANCELLED)
        else:
            download = journal.get_download(transfer_id)
            if download.state in (TransferState.DONE, TransferState.CANCELLED):
                raise NoSuchTransfer(transfer_id)
            Path(download.temp_path).unlink(missing_ok=True)
            journal.update_download(transfer_id, state=TransferState.CANCELLED)
    finally:
        journal.release(table, transfer_id)
