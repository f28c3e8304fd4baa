"""`coachadmin resume`: unfinished transfers go on where they stopped; then the lesson
links that waited for those uploads are made (see docs/transfers.md and docs/lessons.md).

Its own module because it is the one transfer command that needs the backend: upload and
download load no HTTP client for it (:mod:`coachadmin.cli.backend_session`).
"""

from __future__ import annotations

import argparse

from coachadmin.cli.backend_session import apply_pending_links
from coachadmin.cli.common import drive, flag_settings, transfer_config, transfer_queue
from coachadmin.cli.transfer_output import TransferOutput
from coachadmin.errors import UsageError
from coachadmin.services.transfer_connections import reassign
from coachadmin.transfers.errors import NoSuchTransfer
from coachadmin.transfers.journal import UNFINISHED_STATES


def run(args: argparse.Namespace) -> int:
    """Resume, then make the lesson links whose uploads are now verified (upload-link)."""
    try:
        return _resume(args)
    finally:
        apply_pending_links(args, json_mode=bool(args.json))


def _resume(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        raise UsageError("give the ids of the transfers to resume, or --all")
    if args.connection and args.all:
        raise UsageError("--connection goes with the ids of the transfers it is for, not --all")
    config = transfer_config(args)
    queue = transfer_queue(config)
    output = TransferOutput(json_mode=bool(args.json))
    queue.subscribe(output.event)
    journal = queue.journal
    try:
        if args.all:
            ids = [u.id for u in journal.list_uploads()] + [d.id for d in journal.list_downloads()]
            if not ids:
                output.line("nothing to resume", {"event": "info", "message": "nothing to resume"})
                return 0
        else:
            ids = list(dict.fromkeys(args.ids))
            for transfer_id in ids:
                kind = journal.kind_of(transfer_id)
                state = (
                    journal.get_upload(transfer_id).state
                    if kind == "upload"
                    else journal.get_download(transfer_id).state
                    if kind == "download"
                    else None
                )
                if state not in UNFINISHED_STATES:
                    raise NoSuchTransfer(transfer_id)
            if args.connection:  # every id checked first: a wrong one changes none
                reassign(journal, ids, args.connection)
        for transfer_id in ids:
            queue.add_existing(
                transfer_id,
                override=flag_settings(args),
                overwrite=True if args.overwrite else None,
            )
    except BaseException:
        queue.shutdown()
        journal.close()
        raise
    return drive(queue, ids, output)
