"""Options and output shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from coachadmin.transfers.config import MiB, TransferConfig

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = Any


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
        help=f"parts in flight per file (default {TransferConfig.concurrency})",
    )


def add_s3_options(parser: argparse.ArgumentParser) -> None:
    """Where S3 is: flags first, then the environment (boto3's chain), then the saved connection."""
    group = parser.add_argument_group("S3 connection")
    group.add_argument("--endpoint-url", metavar="URL", help="an S3-compatible endpoint")
    group.add_argument("--region", metavar="R", help="the bucket's region, e.g. eu-north-1")
    group.add_argument("--profile", metavar="P", help="an AWS profile from your AWS config")


def emit_json(obj: dict[str, Any], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(obj, separators=(",", ":"), default=str) + "\n")
    out.flush()
