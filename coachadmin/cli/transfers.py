"""`coachadmin upload|download|uploads|downloads|resume|abort|orphans`: the transfer engine.

Every subcommand takes ``--json`` (one JSON object per line on stdout). Ctrl-C
pauses: the parts in flight finish, the upload stays in the journal, and the
command exits 130 saying how to resume; a second Ctrl-C stops at once (the
upload is still resumable). See docs/transfers.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.cli.common import Subparsers, add_json_option, add_s3_options, add_tuning_options
from coachadmin.cli.media import add_media_options
from coachadmin.cli.s3_access import (
    flag_settings,
    guard,
    open_journal,
    s3_target,
    transfer_config,
    transfer_output,
    transfer_queue,
)
from coachadmin.display import format_size, printable
from coachadmin.errors import UsageError, UserFacingError

if TYPE_CHECKING:
    from coachadmin.cli.transfer_output import TransferOutput
    from coachadmin.transfers.queue import TransferQueue


def register(subparsers: Subparsers) -> None:
    upload = subparsers.add_parser(
        "upload",
        help="upload files to S3 (resumable, verified)",
        description=(
            "Upload files to s3://BUCKET/PREFIX/ (each keeps its name), or one file to a full "
            "key. Large files go up as resumable multipart uploads: if the command is "
            "interrupted, `coachadmin resume` finishes them."
        ),
    )
    upload.add_argument("paths", nargs="+", metavar="PATH", help="files to upload")
    upload.add_argument("destination", metavar="s3://BUCKET/PREFIX/", help="where to put them")
    upload.add_argument("--overwrite", action="store_true", help="replace existing objects")
    upload.add_argument("--cache-control", metavar="VALUE", help="Cache-Control for the objects")
    upload.add_argument(
        "--metadata",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="user metadata (x-amz-meta-*), may be repeated",
    )
    add_media_options(upload)
    add_tuning_options(upload)
    _add_common(upload)
    upload.set_defaults(handler=run_upload, command="upload")

    download = subparsers.add_parser(
        "download",
        help="download an object from S3 (ranged, resumable, verified)",
        description="Download s3://BUCKET/KEY to PATH (a file, or a folder to keep its name).",
    )
    download.add_argument("source", metavar="s3://BUCKET/KEY")
    download.add_argument("path", metavar="PATH")
    download.add_argument("--overwrite", action="store_true", help="replace an existing file")
    add_tuning_options(download)
    _add_common(download)
    download.set_defaults(handler=run_download, command="download")

    uploads = subparsers.add_parser("uploads", help="list unfinished uploads in the journal")
    add_json_option(uploads)
    uploads.set_defaults(handler=run_list, command="uploads", kind="upload")

    downloads = subparsers.add_parser("downloads", help="list unfinished downloads")
    add_json_option(downloads)
    downloads.set_defaults(handler=run_list, command="downloads", kind="download")

    resume = subparsers.add_parser(
        "resume",
        help="finish unfinished uploads or downloads from the journal",
        description="Resume transfers by id (see `coachadmin uploads`), or all with --all.",
    )
    resume.add_argument("ids", nargs="*", metavar="ID")
    resume.add_argument("--all", action="store_true", help="resume every unfinished transfer")
    resume.add_argument(
        "--overwrite", action="store_true", help="replace the object if it exists now"
    )
    resume.add_argument(
        "--connection",
        metavar="NAME",
        help="resume with this saved connection from now on (when the transfer's own "
        "connection was removed or renamed)",
    )
    add_tuning_options(resume, part_size=False)
    _add_common(resume)
    resume.set_defaults(handler=run_resume, command="resume")

    abort = subparsers.add_parser(
        "abort",
        help="cancel an unfinished transfer (aborts its multipart upload on the server)",
    )
    abort.add_argument("ids", nargs="+", metavar="ID")
    abort.add_argument(
        "--forget",
        action="store_true",
        help="remove it from the list even when the server cannot be reached or its "
        "connection is gone (an upload that cannot be aborted is left as an orphan, "
        "which `coachadmin orphans` cleans up later)",
    )
    _add_common(abort)
    abort.set_defaults(handler=run_abort, command="abort")

    orphans = subparsers.add_parser(
        "orphans",
        help="list (and abort) multipart uploads in a bucket that the journal does not know",
        description=(
            "Unfinished multipart uploads keep their parts, and their cost, until aborted. "
            "This lists those the journal does not look after; --abort removes them."
        ),
    )
    orphans.add_argument("bucket", metavar="s3://BUCKET")
    orphans.add_argument("--abort", action="store_true", help="abort every orphan listed")
    _add_common(orphans)
    orphans.set_defaults(handler=run_orphans, command="orphans")


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_s3_options(parser)
    add_json_option(parser)


# -- shared plumbing ---------------------------------------------------------------------


def drive(queue: TransferQueue, ids: list[str], output: TransferOutput) -> int:
    """Wait for the queued transfers, pausing them all on Ctrl-C; report; return the exit code."""
    interrupted = False

    def on_interrupt(_signum: int, _frame: Any) -> None:
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt
        interrupted = True
        print(
            "\ncoachadmin: pausing (the parts in flight finish); Ctrl-C again to stop at once",
            file=sys.stderr,
        )
        queue.pause_all()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        while not queue.wait_idle(timeout=0.2):
            pass
    finally:
        signal.signal(signal.SIGINT, previous)
        queue.shutdown()
        queue.journal.close()
    return _report(queue, ids, output)


def _report(queue: TransferQueue, ids: list[str], output: TransferOutput) -> int:
    from coachadmin.transfers.errors import TransferPaused

    failures: list[tuple[str, BaseException]] = []
    paused: list[str] = []
    for transfer_id in ids:
        future = queue.future(transfer_id)
        if not future.done():
            paused.append(transfer_id)
            continue
        error = future.exception()
        if error is None:
            output.result(future.result())
        else:
            failures.append((transfer_id, error))
    if len(failures) == 1 and not paused:
        raise failures[0][1]  # main() prints it on one line and exits with its code
    for transfer_id, error in failures:
        print(f"coachadmin: {transfer_id}: {error}", file=sys.stderr)
    if paused:
        raise TransferPaused(" ".join(paused))
    if failures:
        first = failures[0][1]
        return first.exit_code if isinstance(first, UserFacingError) else 1
    return 0


# -- handlers ----------------------------------------------------------------------------


def run_upload(args: argparse.Namespace) -> int:
    from coachadmin.cli.media import ready_to_send, remove_copies, with_media
    from coachadmin.s3.keys import key_for_upload
    from coachadmin.s3.uri import parse_s3_uri
    from coachadmin.transfers.errors import KeyExists
    from coachadmin.transfers.source import check_source
    from coachadmin.transfers.upload import KeyCheck, UploadRequest

    destination = parse_s3_uri(args.destination)
    paths = [Path(p) for p in args.paths]
    for path in paths:
        check_source(path)
    keys = [key_for_upload(p, destination, several=len(paths) > 1) for p in paths]
    if len(set(keys)) != len(keys):
        raise UsageError("two of the files have the same name; upload them separately")
    metadata = _parse_metadata(args.metadata)
    config = transfer_config(args)
    target = s3_target(args, destination.bucket)
    prepared = [ready_to_send(path, fix=args.faststart) for path in paths]
    settings = target.settings
    queue = transfer_queue(config)
    output = transfer_output(args)
    queue.subscribe(output.event)
    ids: list[str] = []
    # One file's key is checked in the round trip that begins its upload; a batch's keys
    # are all checked before anything is sent: all or nothing for a script.
    key_check = KeyCheck.WITH_CREATE if len(keys) == 1 else KeyCheck.DONE
    try:
        if not args.overwrite and len(keys) > 1:
            from coachadmin.s3.objects import object_exists

            client = queue.clients(settings)
            for key in keys:
                if guard(partial(object_exists, client, destination.bucket, key)):
                    raise KeyExists(destination.bucket, key)
        for path, key, ready in zip(paths, keys, prepared, strict=True):
            request = UploadRequest(
                path=path,
                bucket=destination.bucket,
                key=key,
                overwrite=args.overwrite,
                cache_control=args.cache_control,
                metadata=metadata,
                connection=target.connection,
            )
            ids.append(queue.add_upload(with_media(request, ready), settings, key_check=key_check))
    except BaseException:
        queue.shutdown()
        queue.journal.close()
        remove_copies(prepared, finished=not ids)
        raise
    code = 1
    try:
        code = drive(queue, ids, output)
    finally:
        remove_copies(prepared, finished=code == 0)
    return code


def _parse_metadata(items: list[str]) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--metadata '{item}' must look like KEY=VALUE")
        metadata[name.strip()] = value
    return metadata


def run_download(args: argparse.Namespace) -> int:
    from coachadmin.s3.uri import parse_s3_uri
    from coachadmin.transfers.download import DownloadRequest

    source = parse_s3_uri(args.source)
    if source.is_prefix:
        raise UsageError(f"{source} names no object: write s3://BUCKET/KEY")
    config = transfer_config(args)
    target = s3_target(args, source.bucket)
    queue = transfer_queue(config)
    output = transfer_output(args)
    queue.subscribe(output.event)
    try:
        request = DownloadRequest(
            source.bucket, source.key, Path(args.path), args.overwrite, target.connection
        )
        ids = [queue.add_download(request, target.settings)]
    except BaseException:
        queue.shutdown()
        queue.journal.close()
        raise
    return drive(queue, ids, output)


def run_resume(args: argparse.Namespace) -> int:
    """Resume, then make the lesson links whose uploads are now verified (upload-link)."""
    try:
        return _resume(args)
    finally:
        from coachadmin.cli.lessons import apply_pending_links_cli

        apply_pending_links_cli(args, json_mode=bool(args.json))


def _resume(args: argparse.Namespace) -> int:
    from coachadmin.services.transfer_connections import reassign
    from coachadmin.transfers.errors import NoSuchTransfer
    from coachadmin.transfers.journal import UNFINISHED_STATES

    if bool(args.ids) == bool(args.all):
        raise UsageError("give the ids of the transfers to resume, or --all")
    if args.connection and args.all:
        raise UsageError("--connection goes with the ids of the transfers it is for, not --all")
    config = transfer_config(args)
    queue = transfer_queue(config)
    output = transfer_output(args)
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
                if args.connection:
                    reassign(journal, transfer_id, args.connection)
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


def run_list(args: argparse.Namespace) -> int:
    from coachadmin.cli.common import emit_json

    with open_journal() as journal:
        if args.kind == "upload":
            rows = [
                {
                    "id": u.id,
                    "kind": "upload",
                    "state": u.state,
                    "path": u.path,
                    "bucket": u.bucket,
                    "key": u.key,
                    "size": u.size,
                    "bytesDone": sum(p.size for p in journal.parts(u.id).values()),
                    "partSize": u.part_size,
                    "uploadId": u.upload_id,
                    "endpointUrl": u.endpoint_url,
                    "connection": u.connection,
                    "error": u.error,
                    "updated": u.updated_at,
                }
                for u in journal.list_uploads()
            ]
        else:
            rows = [
                {
                    "id": d.id,
                    "kind": "download",
                    "state": d.state,
                    "path": d.dest,
                    "bucket": d.bucket,
                    "key": d.key,
                    "size": d.size,
                    "bytesDone": sum(journal.ranges(d.id).values()),
                    "endpointUrl": d.endpoint_url,
                    "connection": d.connection,
                    "error": d.error,
                    "updated": d.updated_at,
                }
                for d in journal.list_downloads()
            ]
    if args.json:
        for row in rows:
            emit_json(row)
        return 0
    if not rows:
        print(f"no unfinished {args.kind}s")
        return 0
    for row in rows:
        size = int(str(row["size"]))
        done = int(str(row["bytesDone"]))
        percent = 100.0 if size == 0 else 100.0 * done / size
        print(
            f"{row['id']}  {row['state']:<9} {percent:5.1f}% of {format_size(size):>10}  "
            f"{printable(str(row['path']))} -> s3://{row['bucket']}/{printable(str(row['key']))}"
            + (f"  [{_connection_label(row['connection'])}]" if row["connection"] else "")
            + (f"  ({row['error']})" if row["error"] else "")
        )
    return 0


def _connection_label(name: object) -> str:
    from coachadmin.connection import DEMO_CONNECTION

    return "the demo" if name == DEMO_CONNECTION else f"connection {name}"


def run_abort(args: argparse.Namespace) -> int:
    from coachadmin.services.transfer_connections import TransferConnections
    from coachadmin.transfers.clients import TransferClients
    from coachadmin.transfers.manage import abort_transfer, forget_transfer

    config = transfer_config(args)
    output = transfer_output(args)
    clients = TransferClients(config)
    override, settings_for = flag_settings(args), TransferConnections()
    with open_journal() as journal:
        for transfer_id in args.ids:
            where = (journal, clients, transfer_id, config)
            if args.forget:
                forgotten = forget_transfer(*where, override=override, settings_for=settings_for)
                output.line(
                    f"{transfer_id}: {forgotten.message()}",
                    {"event": "forgotten", "id": transfer_id, "orphan": forgotten.orphan},
                )
                continue
            abort_transfer(*where, override=override, settings_for=settings_for)
            output.line(f"aborted {transfer_id}", {"event": "aborted", "id": transfer_id})
    return 0


def run_orphans(args: argparse.Namespace) -> int:
    from coachadmin.s3.uri import parse_s3_uri
    from coachadmin.transfers.clients import TransferClients
    from coachadmin.transfers.orphans import abort_orphan, find_orphans

    target = parse_s3_uri(args.bucket)
    if target.key:
        raise UsageError(f"give a bucket, s3://{target.bucket}, not a key")
    config = transfer_config(args)
    output = transfer_output(args)
    client = TransferClients(config)(s3_target(args, target.bucket).settings)
    with open_journal() as journal:
        orphans = guard(lambda: find_orphans(client, target.bucket, journal, config))
    if not orphans and not args.json:
        output.line(f"no orphaned multipart uploads in s3://{target.bucket}")
    for orphan in orphans:
        when = orphan.initiated.isoformat(timespec="seconds") if orphan.initiated else "?"
        if args.abort:
            guard(partial(abort_orphan, client, orphan, config))
        record = orphan.as_json() | {"aborted": bool(args.abort)}
        verb = "aborted" if args.abort else "orphan"
        output.line(
            f"{verb}  {when}  s3://{orphan.bucket}/{orphan.key}  {orphan.upload_id}", record
        )
    return 0
