"""Acting on journaled transfers by id: run or resume one, abort one, forget one.

Shared by the command line (``resume``, ``abort``) and the queue. A resumed
transfer goes back to S3 with the settings ``settings_for`` gives for its journal
row (its connection's), with any settings given now (flags) on top.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.bounded import Slots
from coachadmin.errors import UserFacingError
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.clients import ClientFactory, SettingsFor, journaled
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.download import DownloadRunner
from coachadmin.transfers.errors import NoSuchTransfer, RunningElsewhere, with_advice
from coachadmin.transfers.events import EventSink, TransferState
from coachadmin.transfers.journal import DownloadRecord, Journal, TransferBusy, UploadRecord
from coachadmin.transfers.orphans import orphan_note
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
    slots: Slots | None = None,
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
    forget: bool = False,
) -> str:
    """Cancel a transfer that is not running: abort its multipart upload on the server
    (so that no parts are left to cost money) or delete its partial file.

    ``forget``: close the row even when the server side cannot be aborted (the connection
    is gone, S3 cannot be reached, the credentials are refused); then the reason is
    returned ("" when nothing is left on the server) and the upload stays an orphan that
    ``coachadmin orphans`` finds, since the journal no longer looks after it.
    """
    kind = journal.kind_of(transfer_id)
    if kind is None:
        raise NoSuchTransfer(transfer_id)
    table = "uploads" if kind == "upload" else "downloads"
    try:
        journal.claim(table, transfer_id)
    except TransferBusy as busy:
        raise RunningElsewhere(transfer_id, busy.pid) from None
    orphan = ""
    try:
        if kind == "upload":
            upload = journal.get_upload(transfer_id)
            if upload.state in (TransferState.DONE, TransferState.CANCELLED):
                raise NoSuchTransfer(transfer_id)
            if upload.upload_id is not None:
                try:
                    _abort_on_server(upload, clients, config, settings_for(upload, override))
                except Exception as error:
                    if not forget:
                        if isinstance(error, UserFacingError):
                            error.args = (with_advice(str(error), _abort_later(transfer_id)),)
                        raise
                    orphan = (
                        with_advice(str(error), "")
                        if isinstance(error, UserFacingError)
                        else f"{type(error).__name__}: {error}"
                    )
                    log.warning("transfer %s forgotten without abort: %s", transfer_id, orphan)
            journal.forget_parts(transfer_id)
            said = Forgotten(transfer_id, upload.bucket, orphan).message() if orphan else ""
            journal.update_upload(transfer_id, state=TransferState.CANCELLED, error=said)
        else:
            download = journal.get_download(transfer_id)
            if download.state in (TransferState.DONE, TransferState.CANCELLED):
                raise NoSuchTransfer(transfer_id)
            Path(download.temp_path).unlink(missing_ok=True)
            journal.update_download(transfer_id, state=TransferState.CANCELLED)
    finally:
        journal.release(table, transfer_id)
    return orphan


def _abort_later(transfer_id: str) -> str:
    """The advice of an abort that could not reach the server."""
    return (
        f"the upload is not aborted: run `coachadmin abort {transfer_id}` again when the "
        f"network or server is back, or `coachadmin abort --forget {transfer_id}` to take it "
        "off the list now"
    )


def _abort_on_server(
    upload: UploadRecord, clients: ClientFactory, config: TransferConfig, settings: S3Settings
) -> None:
    abort_upload(
        clients(settings),
        upload.bucket,
        upload.key,
        upload.upload_id or "",
        {
            "control": TransferControl(),
            "max_attempts": config.max_attempts,
            "base": config.backoff_base,
            "cap": config.backoff_cap,
            "bucket": upload.bucket,
            "key": upload.key,
        },
    )


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
        return f"removed from the list; {orphan_note(self.bucket, self.orphan)}"


def forget_transfer(
    journal: Journal,
    clients: ClientFactory,
    transfer_id: str,
    config: TransferConfig,
    *,
    override: S3Settings | None = None,
    settings_for: SettingsFor = journaled,
) -> Forgotten:
    """Take a transfer off the list whatever has become of its connection or its server
    (:func:`abort_transfer` with ``forget``). Refused only while another process runs it."""
    try:
        record = journal.get_record(transfer_id)
    except KeyError:
        raise NoSuchTransfer(transfer_id) from None
    try:
        orphan = abort_transfer(
            journal,
            clients,
            transfer_id,
            config,
            override=override,
            settings_for=settings_for,
            forget=True,
        )
    except NoSuchTransfer:  # done or cancelled already: only the row goes
        orphan = ""
    return Forgotten(transfer_id, record.bucket, orphan)
