"""Arguments of `coachadmin upload|download|uploads|downloads|resume|abort|orphans`."""

from __future__ import annotations

import argparse
from functools import partial

from coachadmin.cli.arguments import Handler, Subparsers
from coachadmin.cli.arguments.options import (
    add_json_option,
    add_media_options,
    add_s3_options,
    add_tuning_options,
    local_path,
)


def register(subparsers: Subparsers) -> None:
    upload = subparsers.add_parser(
        "upload",
        help="upload files and folders to S3 (resumable, verified)",
        description=(
            "Upload files and folders to s3://BUCKET/PREFIX/ (a file keeps its name, a folder "
            "its name and the paths under it), or one file to a full key. Large files go up "
            "as resumable multipart uploads: if the command is interrupted, `coachadmin "
            "resume` finishes them. An existing key is refused unless --overwrite."
        ),
    )
    upload.add_argument(
        "paths", nargs="+", metavar="PATH", type=local_path, help="files and folders to upload"
    )
    upload.add_argument("destination", metavar="s3://BUCKET/PREFIX/", help="where to put them")
    upload.add_argument("--overwrite", action="store_true", help="replace existing objects")
    for rule, verb in (("exclude", "leave out"), ("include", "take again")):
        upload.add_argument(
            f"--{rule}",
            dest="filters",
            action="append",
            default=[],
            metavar="GLOB",
            type=partial(_tagged, rule),
            help=f"{verb} the files whose path under the prefix matches (e.g. '*.tmp'); "
            "may be repeated, the last matching --exclude or --include decides",
        )
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
    upload.set_defaults(handler=Handler("coachadmin.cli.transfers", "run_upload"), command="upload")

    download = subparsers.add_parser(
        "download",
        help="download an object from S3 (ranged, resumable, verified)",
        description="Download s3://BUCKET/KEY to PATH (a file, or a folder to keep its name).",
    )
    download.add_argument("source", metavar="s3://BUCKET/KEY")
    download.add_argument("path", metavar="PATH", type=local_path)
    download.add_argument("--overwrite", action="store_true", help="replace an existing file")
    add_tuning_options(download)
    _add_common(download)
    download.set_defaults(
        handler=Handler("coachadmin.cli.transfers", "run_download"), command="download"
    )

    uploads = subparsers.add_parser("uploads", help="list unfinished uploads in the journal")
    add_json_option(uploads)
    uploads.set_defaults(
        handler=Handler("coachadmin.cli.transfers", "run_list"), command="uploads", kind="upload"
    )

    downloads = subparsers.add_parser("downloads", help="list unfinished downloads")
    add_json_option(downloads)
    downloads.set_defaults(
        handler=Handler("coachadmin.cli.transfers", "run_list"),
        command="downloads",
        kind="download",
    )

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
    resume.set_defaults(handler=Handler("coachadmin.cli.resume", "run"), command="resume")

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
    abort.set_defaults(handler=Handler("coachadmin.cli.transfers", "run_abort"), command="abort")

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
    orphans.set_defaults(
        handler=Handler("coachadmin.cli.transfers", "run_orphans"), command="orphans"
    )


def _tagged(rule: str, glob: str) -> tuple[str, str]:
    """A filter as given, tagged with its rule: the two options share one ordered list."""
    return rule, glob


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_s3_options(parser)
    add_json_option(parser)
