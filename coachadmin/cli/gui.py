"""Opening the desktop app (the default when no subcommand is given)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    # Qt is imported here and only here, so the subcommands start fast.
    from coachadmin.ui.app import run_app

    exit_code: int = run_app(demo=bool(args.demo))
    return exit_code
