"""Options that several subcommands take, and the exit statuses they document."""

from __future__ import annotations

import argparse

from coachadmin.transfers.config import MiB, TransferConfig

EXIT_CODES = (
    "exit status: 0 success; 1 failure (the message says why); 2 wrong usage; "
    "3 not signed in, or the backend session expired (run coachadmin login)"
)


def local_path(text: str) -> str:
    """A local path argument: never empty (an unset shell variable would otherwise mean
    the current folder, and upload all of it)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path: give a file or folder (. for this one)")
    return text


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per line instead of text (for scripts)",
    )


def add_tuning_options(parser: argparse.ArgumentParser, *, part_size: bool = True) -> None:
    """``--part-size`` and ``--concurrency``, their help showing the engine's defaults."""
    group = parser.add_argument_group("tuning")
    if part_size:
        default = f"{TransferConfig.part_size // MiB}MiB"
        group.add_argument(
            "--part-size",
            metavar="SIZE",
            help=f"part size, e.g. 16MiB (default {default}, min 5MiB)",
        )
    group.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help=(
            f"parts in flight per file, fixed (default: {TransferConfig.concurrency}, growing to "
            f"{TransferConfig.max_concurrency} while more make the upload faster); a download's "
            f"most connections (default {TransferConfig.download_streams})"
        ),
    )


def add_s3_options(parser: argparse.ArgumentParser) -> None:
    """Where S3 is: flags first, then the environment (boto3's chain), then the saved connection."""
    group = parser.add_argument_group("S3 connection")
    group.add_argument("--endpoint-url", metavar="URL", help="an S3-compatible endpoint")
    group.add_argument("--region", metavar="R", help="the bucket's region, e.g. eu-north-1")
    group.add_argument("--profile", metavar="P", help="an AWS profile from your AWS config")


def add_api_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help="the platform backend (default: $COACHADMIN_API_URL, then the last one signed in to,"
        " then the active connection's)",
    )


def add_media_options(parser: argparse.ArgumentParser) -> None:
    """`upload`, `upload-link`: videos are probed first; --faststart fixes the index."""
    parser.add_argument(
        "--faststart",
        action="store_true",
        help="when a video's index (moov) is at the end, move it to the front losslessly "
        "(a copy beside the file is uploaded; the file itself is not changed)",
    )


def add_media_check_options(parser: argparse.ArgumentParser) -> None:
    """`check-links`: the media health of linked videos, on unless --no-media."""
    parser.add_argument(
        "--no-media",
        action="store_true",
        help="do not read the linked videos' first and last bytes for their media health",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 also when a linked video may not play for students",
    )
