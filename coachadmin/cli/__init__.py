"""The command line: parses arguments, then opens the GUI or runs a subcommand.

Each subcommand group lives in its own module with a ``register(subparsers)``
function that adds its parsers and sets ``handler`` on them. Qt is imported only
when the GUI opens, so scripts never pay for it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from coachadmin import __version__, paths
from coachadmin.cli import auth, connections, demo_server, gui, lessons, presign, transfers
from coachadmin.display import printable
from coachadmin.errors import UserFacingError
from coachadmin.log import setup_logging
from coachadmin.redact import redact
from coachadmin.settings import load_settings

log = logging.getLogger("coachadmin.cli")

Handler = Callable[[argparse.Namespace], int]

#: Modules that contribute subcommands, in the order `--help` lists them.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    transfers,
    presign,
    lessons,
    auth,
    connections,
    demo_server,
)


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
    parser.set_defaults(handler=gui.run)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


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


def _self_test(_args: argparse.Namespace) -> int:
    from coachadmin.ui.selftest import run_self_test  # Qt: imported only for the self-test

    return run_self_test()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(verbose=args.verbose)
    handler: Handler = _self_test if args.self_test else args.handler
    try:
        if handler is not gui.run:  # the window says so in its own banner
            _report_settings_damage()
        return handler(args)
    except UserFacingError as error:
        message = printable(redact(str(error)))
        log.warning("%s failed: %s", getattr(args, "command", "coachadmin"), message)
        print(f"coachadmin: {message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("coachadmin: interrupted", file=sys.stderr)
        return 130
