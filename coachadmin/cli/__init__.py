"""The command line's entry point: parses arguments, then opens the GUI or runs a subcommand.

The parser is built from :mod:`coachadmin.cli.arguments`, which only declares
arguments; each subcommand names its handler, and the handler's module (which
imports boto3, the engine or Qt at its top) is imported here when that subcommand
runs, the only lazy import of the command line. So ``--help``, ``--version`` and
the GUI's start never load boto3, and scripts never load Qt.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from coachadmin import __version__, paths
from coachadmin.cli.arguments import (
    Handler,
    auth,
    connections,
    demo_server,
    lessons,
    presign,
    transfers,
)
from coachadmin.cli.process_exit import OUTPUT_LOST, end_process
from coachadmin.display import printable
from coachadmin.errors import UserFacingError
from coachadmin.log import setup_logging
from coachadmin.redact import redact
from coachadmin.settings import load_settings

log = logging.getLogger("coachadmin.cli")

#: Modules that contribute subcommands, in the order `--help` lists them.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    transfers,
    presign,
    lessons,
    auth,
    connections,
    demo_server,
)

#: The exit status of a failure that is a bug, not the user's (sysexits' EX_SOFTWARE).
INTERNAL_ERROR = 70
#: The commands that, run again after an interruption, go on with their transfers.
TRANSFER_COMMANDS = ("upload", "download", "resume")

OPEN_WINDOW = Handler("coachadmin.cli.gui", "run")
SELF_TEST = Handler("coachadmin.cli.selftest", "run")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coachadmin",
        description=(
            "Manage the coaching platform's media bucket and lessons. "
            "Without a subcommand, opens the desktop app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"coachadmin {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the app on the embedded demo environment (no AWS account needed)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this installation works (demo, window, upload, preview, sign-in); exit",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.set_defaults(handler=OPEN_WINDOW)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def load_handler(handler: Handler) -> Callable[[argparse.Namespace], int]:
    """Import the handler's module (and so what it needs: boto3, the engine, Qt)."""
    run: Callable[[argparse.Namespace], int] = getattr(
        importlib.import_module(handler.module), handler.function
    )
    return run


def _report_settings_damage() -> None:
    """Say once that a damaged settings file was set aside (the next load finds none).

    A home that cannot be made is not reported here: the commands that need it say so,
    and the ones that do not (presign, connection list) still work.
    """
    try:
        paths.settings_path()
    except paths.AppFolderUnavailable:
        return
    for notice in load_settings().notices:
        print(f"coachadmin: {printable(notice)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log_file = setup_logging(verbose=args.verbose)
    handler: Handler = SELF_TEST if args.self_test else args.handler
    try:
        if handler != OPEN_WINDOW:  # the window says so in its own banner
            _report_settings_damage()
        return load_handler(handler)(args)
    except UserFacingError as error:
        message = printable(redact(str(error)))
        log.warning("%s failed: %s", getattr(args, "command", "coachadmin"), message)
        print(f"coachadmin: {message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # before its transfers were under way (drive() pauses them)
        goes_on = getattr(args, "command", "") in TRANSFER_COMMANDS
        again = "; run the same command again to go on where it stopped" if goes_on else ""
        print(f"coachadmin: interrupted{again}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`coachadmin uploads | head -1`)
        _drop_output()
        return OUTPUT_LOST
    except Exception as error:  # a bug: one line for the person, the traceback in the log
        log.exception("%s failed unexpectedly", getattr(args, "command", "coachadmin"))
        where = f"the log {log_file} has the details" if log_file else "run again with -v"
        detail = printable(redact(f"{type(error).__name__}: {error}"))[:300]
        print(
            f"coachadmin: unexpected error ({detail}); this is a bug: {where}, "
            "please send them to whoever supports coachadmin",
            file=sys.stderr,
        )
        return INTERNAL_ERROR


def _drop_output() -> None:
    """Send what is still buffered for stdout nowhere: its reader has gone, and a flush at
    exit would only fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no stdout to speak of
        pass


def run() -> None:
    """The program: :func:`main`, then the process ends (at once where it can:
    :mod:`coachadmin.cli.process_exit`). ``main`` itself returns, for callers in-process."""
    end_process(main())
