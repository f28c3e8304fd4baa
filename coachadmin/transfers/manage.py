"""Acting on journaled transfers by id: run or resume one, abort one, forget one.

Shared by the command line (``resume``, ``abort``) and the queue. A resumed
transfer goes back to S3 with the settings ``settings_for`` gives for its journal
row (its connection's), with any settings given now (flags) on top.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.errors import UserFacingError
from coachadmin.s3.client import S3Settings
from coachadmin.transfers.clients import ClientFactory, SettingsFor, journaled
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.download import DownloadRunner
from coachadmin.transfers.errors import NoSuchTransfer, RunningElsewhere
from coachadmin.transfers.events import EventSink, TransferState
from coachadmin.transfers.journal import DownloadRecord, Journal, TransferBusy, UploadRecord
from coachadmin.transfers.parts import abort_upload
from coachadmin.transfers.upload import UploadRunner

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.transfers")

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
    settings_for: SettingsFor = journaled,
) -> Runner:
    """The runner that resumes ``transfer_id`` (an upload or a download).

    ``client``: the one that just prepared the transfer, if any; otherwise the
    client for ``settings_for`` the record (with ``override`` on top). ``check_key``: see
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
        client = clients(settings_for(record, override))
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
    settings_for: SettingsFor = journaled,
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
        raise RunningElsewhere(transfer_id, busy.pid) from None
    try:
        if kind == "upload":
            upload = journal.get_upload(transfer_id)
            if upload.state in (TransferState.DONE, TransferState.CANCELLED):
                raise NoSuchTransfer(transfer_id)
            if upload.upload_id is not None:
                abort_upload(
                    clients(settings_for(upload, override)),
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


@dataclass(frozen=True)
class Forgotten:
    """A transfer taken off the list; ``orphan`` says why its server side could not go."""

    transfer_id: str
    bucket: str
    #: "" when nothing is left on the server; else why the multipart upload stays there.
    orphan: str = ""

    def message(self) -> str:
        if not self.orphan:
            return "removed from the list"
        return (
            f"removed from the list; its unfinished upload stays on the server ({self.orphan}): "
            f"clean it up later with `coachadmin orphans s3://{self.bucket} --abort`"
        )


def forget_transfer(
    journal: Journal,
    clients: ClientFactory,
    transfer_id: str,
    config: TransferConfig,
    *,
    override: S3Settings | None = None,
    settings_for: SettingsFor = journaled,
) -> Forgotten:
    """Take a transfer off the list whatever has become of its connection or its server.

    Its multipart upload is aborted where that can be done; where it cannot (the
    connection is gone, S3 cannot be reached, the credentials are refused), the row is
    still closed and the upload left as an orphan that ``coachadmin orphans`` finds
    (the journal no longer looks after it). Refused only while another process runs it.
    """
    kind = journal.kind_of(transfer_id)
    if kind is None:
        raise NoSuchTransfer(transfer_id)
    record = journal.get_record(transfer_id)
    if record.state in (TransferState.DONE, TransferState.CANCELLED):
        return Forgotten(transfer_id, record.bucket)
    try:
        abort_transfer(
            journal, clients, transfer_id, config, override=override, settings_for=settings_for
        )
    except NoSuchTransfer:
        return Forgotten(transfer_id, record.bucket)
    except RunningElsewhere:
        raise
    except UserFacingError as error:
        reason = str(error)
    except Exception as error:  # noqa: BLE001 - the row goes whatever the server says
        reason = f"{type(error).__name__}: {error}"
    else:
        return Forgotten(transfer_id, record.bucket)
    forgotten = Forgotten(transfer_id, record.bucket, reason)
    log.warning("transfer %s forgotten without abort: %s", transfer_id, reason)
    table = "uploads" if kind == "upload" else "downloads"
    journal.claim(table, transfer_id)
    try:
        if kind == "download":
            Path(journal.get_download(transfer_id).temp_path).unlink(missing_ok=True)
            journal.update_download(transfer_id, state=TransferState.CANCELLED)
        else:
            journal.forget_parts(transfer_id)
            journal.update_upload(
                transfer_id, state=TransferState.CANCELLED, error=forgotten.message()
            )
    finally:
        journal.release(table, transfer_id)
    return forgotten
