"""`coachadmin upload|download|uploads|downloads|resume|abort|orphans`: the transfer engine.

Every subcommand takes ``--json`` (one JSON object per line on stdout). Ctrl-C
pauses: the parts in flight finish, the upload stays in the journal, and the
command exits 130 saying how to resume; a second Ctrl-C stops at once (the
upload is still resumable). See docs/transfers.md.
"""

from __future__ import annotations

import argparse
import os
import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from coachadmin.cli.common import (
    drive,
    emit_json,
    flag_settings,
    guard,
    open_journal,
    s3_target,
    transfer_config,
    transfer_queue,
)
from coachadmin.cli.media import ready_to_send, remove_copies, with_media
from coachadmin.cli.transfer_output import TransferOutput
from coachadmin.connection import DEMO_CONNECTION
from coachadmin.display import format_size, printable
from coachadmin.errors import UsageError
from coachadmin.s3.uri import parse_s3_uri
from coachadmin.services.media_readiness import Readiness
from coachadmin.services.transfer_connections import TransferConnections
from coachadmin.transfers.clients import TransferClients, journaled_endpoint
from coachadmin.transfers.download import DownloadRequest, destination_for
from coachadmin.transfers.errors import KeyExists
from coachadmin.transfers.folders import Filter, PlannedFile, Rule, existing_etags, plan_files
from coachadmin.transfers.journal import UploadRecord, listed_state
from coachadmin.transfers.manage import abort_transfer, forget_transfer
from coachadmin.transfers.orphans import abort_orphan, find_orphans
from coachadmin.transfers.queue import TransferQueue
from coachadmin.transfers.retry import head_with_retries, retried
from coachadmin.transfers.source import check_source
from coachadmin.transfers.unfinished import (
    already_there,
    finished_uploads,
    unfinished_download,
    unfinished_uploads,
    upload_of,
)
from coachadmin.transfers.upload import KeyCheck, UploadRequest

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _options_kept(record: UploadRecord, cache_control: str | None, metadata: dict[str, str]) -> str:
    """What a user who gave other options than the unfinished upload began with is told:
    the upload keeps its own (its object is created with them), and how to change them."""
    changed = (cache_control is not None and cache_control != record.cache_control) or (
        bool(metadata) and metadata != record.metadata
    )
    if not changed:
        return ""
    began = (
        f"--cache-control {record.cache_control}" if record.cache_control else "no --cache-control"
    )
    shown = " ".join(f"{k}={v}" for k, v in record.metadata.items())
    began += f", --metadata {shown}" if shown else ", no --metadata"
    return (
        f"; it keeps the options it began with ({began}): to change them, "
        f"`coachadmin abort {record.id}`, then upload again"
    )


def _check_cache_control(value: str | None) -> None:
    """``--cache-control`` as an HTTP header can carry it: printable ASCII, one line."""
    if value is not None and not (value.isascii() and value.isprintable() and value.strip()):
        raise UsageError(
            "--cache-control takes one line of plain ASCII, e.g. max-age=86400 or no-cache"
        )


def run_upload(args: argparse.Namespace) -> int:
    destination = parse_s3_uri(args.destination)
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.is_dir():
            check_source(path)
    filters = [Filter(Rule(rule), glob) for rule, glob in args.filters]
    planned = plan_files(paths, destination, filters)
    metadata = _parse_metadata(args.metadata)
    _check_cache_control(args.cache_control)
    config = transfer_config(args)
    target = s3_target(args, destination.bucket)
    settings = target.settings
    queue = transfer_queue(config)
    output = TransferOutput(json_mode=bool(args.json))
    queue.subscribe(output.event)
    prepared: list[Readiness | None] = []
    ids: list[str] = []
    try:
        client = queue.clients(settings)
        endpoint = journaled_endpoint(settings, client)
        # The same command run again (after Ctrl-C, a crash or a reboot) goes on with the
        # first run's uploads, not a second of each beside them, and leaves the files it
        # finished as they are.
        waiting = unfinished_uploads(queue.journal, destination.bucket, endpoint)
        again = {p.key: r for p in planned if (r := upload_of(waiting, p.path, p.key))}
        fresh = [p for p in planned if p.key not in again]
        # One file's key is checked in the round trip that begins its upload; a batch's
        # keys are all checked first, from one listing: all or nothing for a script.
        key_check = KeyCheck.WITH_CREATE if len(planned) == 1 else KeyCheck.DONE
        if not args.overwrite and fresh:
            fresh = _not_done_before(
                queue, client, fresh, output, bucket=destination.bucket, endpoint=endpoint,
                batch=key_check is KeyCheck.DONE,
            )  # fmt: skip
        prepared = [ready_to_send(p.path, fix=args.faststart) for p in fresh]
        requests = [
            with_media(
                UploadRequest(
                    path=p.path,
                    bucket=destination.bucket,
                    key=p.key,
                    overwrite=args.overwrite,
                    cache_control=args.cache_control,
                    metadata=metadata,
                    connection=target.connection,
                ),
                ready,
            )
            for p, ready in zip(fresh, prepared, strict=True)
        ]
        for record in again.values():
            queue.add_existing(
                record.id, override=flag_settings(args), overwrite=True if args.overwrite else None
            )
            output.note(
                f"{record.id}: going on with the unfinished upload of {record.path} to "
                f"s3://{record.bucket}/{record.key} (only what is not on the server is sent)"
                + _options_kept(record, args.cache_control, metadata)
            )
        added = queue.add_uploads(requests, settings, key_check=key_check) if requests else []
        ids = [r.id for r in again.values()] + added
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


def _not_done_before(
    queue: TransferQueue,
    client: S3Client,
    planned: list[PlannedFile],
    output: TransferOutput,
    *,
    bucket: str,
    endpoint: str | None,
    batch: bool,
) -> list[PlannedFile]:
    """The files still to send: without those an earlier run uploaded to the same key and
    that are unchanged since, their object still the one it made (by its ETag). Any other
    key that exists refuses the batch (``batch``: its keys are checked here, from one
    listing): no silent overwrite. A single file's key is checked when its upload begins;
    it is looked at here only if the journal has it done."""
    if batch:
        keys = [p.key for p in planned]
        listing = partial(existing_etags, client, bucket, keys)
        config = queue.config
        taken = guard(
            lambda: retried(listing, what="ListObjectsV2", config=config, bucket=bucket, key=""),
            again="upload it again",
        )
        if not taken:
            return planned
        done = finished_uploads(queue.journal, bucket, endpoint)
    else:
        [one] = planned
        done = finished_uploads(queue.journal, bucket, endpoint, one.key)
        if upload_of(done, one.path, one.key) is None:
            return planned
        info = guard(
            lambda: head_with_retries(client, bucket, one.key, queue.config),
            again="upload it again",
        )
        taken = {one.key: info.etag} if info is not None else {}
    kept = {
        p.key
        for p in planned
        if p.key in taken and already_there(upload_of(done, p.path, p.key), p.path, taken[p.key])
    }
    refused = [key for key in taken if key not in kept]
    if refused:
        raise KeyExists(bucket, refused[0], others=len(refused) - 1)
    if kept:
        files = "1 file" if len(kept) == 1 else f"{len(kept):,} files"
        output.note(
            f"{files} uploaded by an earlier run, unchanged since, and still in the bucket as "
            "uploaded: left as they are"
        )
    return [p for p in planned if p.key not in kept]


#: What an HTTP header's name may hold (RFC 9110 "token"): S3 sends each metadata name as
#: the header ``x-amz-meta-NAME``.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: S3's limit on user metadata: names and values together, in bytes.
METADATA_LIMIT = 2048


def _parse_metadata(items: list[str]) -> dict[str, str]:
    """``--metadata KEY=VALUE`` items, checked as S3 will check them: before any byte goes."""
    metadata: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--metadata '{item}' must look like KEY=VALUE")
        if not _HEADER_NAME.fullmatch(name):
            raise UsageError(
                f"--metadata name '{name}' may hold only letters, digits and - _ . "
                "(no spaces): write it like course-id=42"
            )
        if not value.isascii() or not value.isprintable():
            raise UsageError(
                f"--metadata {name}: S3 keeps only plain ASCII in metadata values; write the "
                "value without accents (or percent-encode them, e.g. h%C3%A9llo for héllo)"
            )
        metadata[name] = value
    size = sum(len(name) + len(value) for name, value in metadata.items())
    if size > METADATA_LIMIT:
        raise UsageError(
            f"--metadata holds {size:,} bytes; S3 takes at most {METADATA_LIMIT:,} (names "
            "and values together): shorten it"
        )
    return metadata


def run_download(args: argparse.Namespace) -> int:
    source = parse_s3_uri(args.source)
    if source.is_prefix:
        raise UsageError(f"{source} names no object: write s3://BUCKET/KEY")
    config = transfer_config(args)
    target = s3_target(args, source.bucket)
    queue = transfer_queue(config)
    output = TransferOutput(json_mode=bool(args.json))
    queue.subscribe(output.event)
    # PATH ending in a separator names a folder (Path() would drop the separator).
    separators = tuple(s for s in (os.sep, os.altsep, "/") if s)
    folder = args.path.endswith(separators)
    try:
        dest = destination_for(Path(args.path), source.key, folder=folder)
        client = queue.clients(target.settings)
        endpoint = journaled_endpoint(target.settings, client)
        record = unfinished_download(queue.journal, source.bucket, source.key, dest, endpoint)
        if record is not None:  # the same command again: go on with the first run's
            queue.add_existing(
                record.id,
                override=flag_settings(args),
                overwrite=True if args.overwrite else None,
            )
            output.note(
                f"{record.id}: going on with the unfinished download of "
                f"s3://{record.bucket}/{record.key} to {record.dest} (only what is not on "
                "this computer is fetched)"
            )
            ids = [record.id]
        else:
            request = DownloadRequest(
                source.bucket, source.key, Path(args.path), args.overwrite, target.connection,
                folder=folder,
            )  # fmt: skip
            ids = [queue.add_download(request, target.settings)]
    except BaseException:
        queue.shutdown()
        queue.journal.close()
        raise
    return drive(queue, ids, output)


def run_list(args: argparse.Namespace) -> int:
    with open_journal() as journal:
        if args.kind == "upload":
            rows = [
                {
                    "id": u.id,
                    "kind": "upload",
                    "state": listed_state(u),
                    "path": u.path,
                    "bucket": u.bucket,
                    "key": u.key,
                    "size": u.size,
                    "bytesDone": journal.uploaded_bytes(u.id),
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
                    "state": listed_state(d),
                    "path": d.dest,
                    "bucket": d.bucket,
                    "key": d.key,
                    "size": d.size,
                    "bytesDone": journal.downloaded_bytes(d.id),
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
        local = printable(str(row["path"]))
        remote = f"s3://{row['bucket']}/{printable(str(row['key']))}"
        # From where to where: a download goes from the bucket to the disk.
        route = f"{remote} -> {local}" if args.kind == "download" else f"{local} -> {remote}"
        print(
            f"{row['id']}  {row['state']:<11} {percent:5.1f}% of {format_size(size):>10}  "
            f"{route}"
            + (f"  [{_connection_label(row['connection'])}]" if row["connection"] else "")
            + (f"  ({row['error']})" if row["error"] else "")
        )
    return 0


def _connection_label(name: object) -> str:
    return "the demo" if name == DEMO_CONNECTION else f"connection {name}"


def run_abort(args: argparse.Namespace) -> int:
    config = transfer_config(args)
    output = TransferOutput(json_mode=bool(args.json))
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
    target = parse_s3_uri(args.bucket)
    if target.key:
        raise UsageError(f"give a bucket, s3://{target.bucket}, not a key")
    config = transfer_config(args)
    output = TransferOutput(json_mode=bool(args.json))
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
