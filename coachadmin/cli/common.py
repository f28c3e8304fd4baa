"""What the subcommands' handlers share: where S3 is, the transfer engine for one
command, and JSON output (the signed-in backend is :mod:`coachadmin.cli.backend_session`'s).

Where S3 is, one rule for every subcommand: the flags (``--endpoint-url``,
``--region``, ``--profile``) first; then credentials from the environment
(``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``) and ``AWS_ENDPOINT_URL``; then the saved
active connection when it is for the same bucket (its keychain keys, AWS profile
or environment). A transfer journals the saved connection whose credentials it
uses, so that a resume after a crash uses them again (see
:mod:`coachadmin.services.transfer_connections`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from coachadmin import profiles
from coachadmin.demo.home import running_demo
from coachadmin.errors import UsageError, UserFacingError
from coachadmin.s3.settings import S3Settings
from coachadmin.services.transfer_connections import TransferConnections
from coachadmin.transfers.clients import TransferClients
from coachadmin.transfers.config import MAX_PART_SIZE, MIN_PART_SIZE, TransferConfig, parse_size
from coachadmin.transfers.errors import (
    RESUME,
    TransferError,
    TransferPaused,
    TransientError,
    classify,
    resume_advice,
)
from coachadmin.transfers.events import TransferKind
from coachadmin.transfers.journal import Journal
from coachadmin.transfers.queue import TransferQueue

if TYPE_CHECKING:  # transfer_output.py writes with emit_json
    from coachadmin.cli.transfer_output import TransferOutput

T = TypeVar("T")
log = logging.getLogger("coachadmin.cli")

MAX_CONCURRENCY = 64


def emit_json(obj: dict[str, Any], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(obj, separators=(",", ":"), default=str) + "\n")
    out.flush()


# -- where S3 is -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A command's bucket and how to reach it."""

    bucket: str
    settings: S3Settings
    #: The saved connection whose credentials ``settings`` carries (None: flags or the
    #: environment decide).
    connection: str | None = None


def flag_settings(args: argparse.Namespace | None) -> S3Settings | None:
    """What the S3 flags say (None when none was given, or there are no arguments)."""
    flags = S3Settings(
        endpoint_url=getattr(args, "endpoint_url", None),
        region=getattr(args, "region", None),
        profile=getattr(args, "profile", None),
    )
    return None if flags == S3Settings() else flags


def s3_target(args: argparse.Namespace, bucket: str | None) -> Target:
    """The bucket (``bucket``, else the active connection's) and how to reach it."""
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
    target = Target(bucket, flags.merged_over(base), connection)
    says_where = getattr(args, "command", None) in _SAYS_WHERE
    if says_where and connection is None and target.settings.endpoint_url is None:
        # AWS itself, chosen by nothing explicit: say which credentials go where.
        print(f"coachadmin: {where_note(target, saved)}", file=sys.stderr)
    return target


#: Commands that move objects: when no saved connection decides where, they say where.
_SAYS_WHERE = frozenset({"upload", "upload-link", "download"})


def where_note(target: Target, saved: profiles.Profile | None) -> str:
    """Which S3 and which credentials a transfer is about to use when no connection chose."""
    key_id = os.environ.get("AWS_ACCESS_KEY_ID", "").strip()
    profile = target.settings.profile or os.environ.get("AWS_PROFILE") or "default"
    who = (
        f"the access key …{key_id[-4:]} from the environment"
        if key_id
        else f"the AWS profile '{profile}'"
    )
    why = (
        f"the active connection '{saved.name}' is for the bucket {saved.bucket}"
        if saved is not None
        else "no connection is active"
    )
    note = f"{why}: using AWS S3 for s3://{target.bucket} with {who}"
    demo = running_demo()
    if demo is not None:
        note += f"; the demo is running: pass --endpoint-url {demo.get('s3_endpoint')} to use it"
    return note


def guard(call: Callable[[], T], *, again: str = "try again") -> T:
    """Run an S3 call outside the engine, turning botocore errors into plain messages.

    No transfer is kept for such a call: an engine error's advice to resume becomes
    ``again`` ("upload it again" where an upload had not begun).
    """
    try:
        return call()
    except Exception as error:
        mapped = classify(error)
        if isinstance(mapped, TransientError):
            raise UserFacingError(
                f"cannot reach S3 ({mapped.detail}); check the endpoint and the network"
            ) from error
        if isinstance(mapped, TransferError):
            mapped.amended(resumable=False, again=again)
        if mapped is error:
            raise
        raise mapped from error


# -- the transfer engine for one command -------------------------------------------------


def transfer_config(args: argparse.Namespace) -> TransferConfig:
    """The engine's settings with ``--part-size`` and ``--concurrency`` applied."""
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
    journal = Journal()
    if journal.set_aside is not None:
        print(
            f"coachadmin: the transfer journal was damaged; it was moved to "
            f"{journal.set_aside} and a new one started. Unfinished uploads are still on the "
            "server: `coachadmin orphans s3://BUCKET` lists them, and --abort removes them.",
            file=sys.stderr,
        )
    return journal


def transfer_queue(config: TransferConfig) -> TransferQueue:
    """The engine for one command: the journal, and transfers resumed with their connection."""
    return TransferQueue(
        open_journal(), TransferClients(config), config, settings_for=TransferConnections()
    )


def drive(queue: TransferQueue, ids: list[str], output: TransferOutput) -> int:
    """Wait for the queued transfers, pausing them all on Ctrl-C; report; return the exit code.

    A second Ctrl-C stops at once (:func:`_stop_now`).
    """
    interrupted = False

    def on_interrupt(_signum: int, _frame: Any) -> None:
        nonlocal interrupted
        if interrupted:
            _stop_now(queue, ids, output)
        interrupted = True
        print(
            "\ncoachadmin: pausing (the parts in flight finish); Ctrl-C again to stop at once",
            file=sys.stderr,
        )
        queue.pause_all()

    def on_terminate(_signum: int, _frame: Any) -> None:
        _stop_now(queue, ids, output, code=TERMINATED)  # a kill the journal is made for

    previous = signal.signal(signal.SIGINT, on_interrupt)
    previous_term = signal.signal(signal.SIGTERM, on_terminate)
    try:
        while not queue.wait_idle(timeout=0.2):
            pass
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
        queue.shutdown()
        queue.journal.close()
    return _report(queue, ids, output)


#: The exit status after SIGTERM (128 + 15), as a shell reports a process it terminated.
TERMINATED = 143


def _stop_now(
    queue: TransferQueue, ids: list[str], output: TransferOutput, *, code: int | None = None
) -> NoReturn:
    """End the process without waiting for the parts in flight, as a kill would, which the
    journal is made for (what was sent and not journaled is found on the server by the
    resume): results of what finished, then what to resume; exit ``code`` (by default
    130 while transfers are left, else 0)."""
    left = []
    for transfer_id in ids:
        future = queue.future(transfer_id)
        if not future.done():
            left.append(transfer_id)
        elif future.exception() is None:
            output.result(future.result())
    if left:
        print(
            "\ncoachadmin: stopped; run the same command again, or "
            f"`coachadmin resume {' '.join(left)}`, to continue",
            file=sys.stderr,
        )
    log.info(
        "stopped at once (%s); unfinished: %s",
        "SIGTERM" if code == TERMINATED else "a second Ctrl-C",
        " ".join(left) or "none",
    )
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code if code is not None else TransferPaused.exit_code if left else 0)


def _naming_the_file(
    queue: TransferQueue, transfer_id: str, error: BaseException, ids: list[str]
) -> BaseException:
    """In a command of several files, a failure says which file it is about."""
    event = queue.snapshot(transfer_id)
    if len(ids) < 2 or event is None or not isinstance(error, UserFacingError):
        return error
    name = event.path if event.kind is TransferKind.UPLOAD else f"s3://{event.bucket}/{event.key}"
    if name and name not in str(error):
        error.args = (f"{name}: {error}",)
    return error


def _report(queue: TransferQueue, ids: list[str], output: TransferOutput) -> int:
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
            named = _naming_the_file(queue, transfer_id, error, ids)
            if isinstance(named, UserFacingError):  # which transfer to resume: this one
                named.args = (str(named).replace(RESUME, resume_advice(transfer_id)),)
            failures.append((transfer_id, named))
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
