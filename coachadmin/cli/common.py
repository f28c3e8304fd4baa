"""Options and output shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

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
