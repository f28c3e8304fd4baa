"""Where S3 is for a command, and the plumbing every S3 command shares.

One rule for every subcommand: the flags (``--endpoint-url``, ``--region``,
``--profile``) first; then credentials from the environment (``AWS_ACCESS_KEY_ID``,
``AWS_PROFILE``) and ``AWS_ENDPOINT_URL``; then the saved active connection when
it is for the same bucket (its keychain keys, AWS profile or environment). A
transfer journals the saved connection whose credentials it uses, so that a
resume after a crash uses them again (see
:mod:`coachadmin.services.transfer_connections`).

Heavy modules (boto3 through the engine) are imported inside the functions: the
command line's start, and the GUI's, must not pay for them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from coachadmin.errors import UsageError, UserFacingError
from coachadmin.s3.client import S3Settings

if TYPE_CHECKING:
    from coachadmin.cli.transfer_output import TransferOutput
    from coachadmin.transfers.config import TransferConfig
    from coachadmin.transfers.journal import Journal
    from coachadmin.transfers.queue import TransferQueue

T = TypeVar("T")

MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class Target:
    """A command's bucket and how to reach it."""

    bucket: str
    settings: S3Settings
    #: The saved connection whose credentials ``settings`` carries (None: flags or the
    #: environment decide).
    connection: str | None = None


def flag_settings(args: argparse.Namespace) -> S3Settings | None:
    """What the S3 flags say (None when none was given)."""
    flags = S3Settings(
        endpoint_url=getattr(args, "endpoint_url", None),
        region=getattr(args, "region", None),
        profile=getattr(args, "profile", None),
    )
    return None if flags == S3Settings() else flags


def s3_target(args: argparse.Namespace, bucket: str | None) -> Target:
    """The bucket (``bucket``, else the active connection's) and how to reach it."""
    from coachadmin import profiles

    saved = profiles.active_profile()
    bucket = bucket or (saved.bucket if saved else None)
    if not bucket:
        raise UsageError("Which bucket? Pass --bucket (or s3://BUCKET/KEY), or add a connection.")
    base, connection, own_keys = S3Settings(), None, False
    if saved is not None and saved.bucket == bucket:
        base, connection = profiles.s3_settings_for(saved), saved.name
        own_keys = saved.credentials is not profiles.CredentialSource.ENVIRONMENT
    env_endpoint = os.environ.get("AWS_ENDPOINT_URL", "").strip() or None
    if env_endpoint and env_endpoint != base.endpoint_url:
        base, connection = replace(base, endpoint_url=env_endpoint), None
    flags = flag_settings(args) or S3Settings()
    from_env = bool(os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"))
    if (from_env and own_keys) or flags.profile:
        base = replace(base, access_key=None, secret_key=None, session_token=None, profile=None)
        connection = None
    if flags.endpoint_url not in (None, base.endpoint_url):
        connection = None
    return Target(bucket, flags.merged_over(base), connection)


def guard(call: Callable[[], T]) -> T:
    """Run an S3 call outside the engine, turning botocore errors into plain messages."""
    from coachadmin.transfers.errors import TransientError, classify

    try:
        return call()
    except Exception as error:
        mapped = classify(error)
        if isinstance(mapped, TransientError):
            raise UserFacingError(
                f"cannot reach S3 ({mapped.detail}); check the endpoint and the network"
            ) from error
        if mapped is error:
            raise
        raise mapped from error


def transfer_config(args: argparse.Namespace) -> TransferConfig:
    """The engine's settings with ``--part-size`` and ``--concurrency`` applied."""
    from coachadmin.transfers.config import (
        MAX_PART_SIZE,
        MIN_PART_SIZE,
        TransferConfig,
        parse_size,
    )

    part_size = None
    if getattr(args, "part_size", None):
        part_size = parse_size(args.part_size)
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise UsageError("--part-size must be between 5MiB and 5GiB (S3's limits)")
    concurrency = getattr(args, "concurrency", None)
    if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}")
    return TransferConfig().with_overrides(part_size=part_size, concurrency=concurrency)


def open_journal() -> Journal:
    """The transfer journal; a damaged one was moved aside, and the user is told so."""
    from coachadmin.transfers.journal import Journal

    journal = Journal()
    if journal.set_aside is not None:
        print(f"coachadmin: {damaged_journal_notice(journal.set_aside)}", file=sys.stderr)
    return journal


def damaged_journal_notice(aside: Path) -> str:
    return (
        f"the transfer journal was damaged; it was moved to {aside} and a new one started. "
        "Unfinished uploads are still on the server: `coachadmin orphans s3://BUCKET` "
        "lists them, and --abort removes them."
    )


def transfer_queue(config: TransferConfig) -> TransferQueue:
    """The engine for one command: the journal, and transfers resumed with their connection."""
    from coachadmin.services.transfer_connections import TransferConnections
    from coachadmin.transfers.clients import TransferClients
    from coachadmin.transfers.queue import TransferQueue

    return TransferQueue(
        open_journal(), TransferClients(config), config, settings_for=TransferConnections()
    )


def transfer_output(args: argparse.Namespace) -> TransferOutput:
    from coachadmin.cli.transfer_output import TransferOutput

    return TransferOutput(json_mode=bool(args.json))
