"""The desktop app: opening it (the default when no subcommand is given).

Qt is imported with this module, which only the entry point loads, and only for this.
"""

from __future__ import annotations

import argparse

from coachadmin.ui.app import run_app


def run(args: argparse.Namespace) -> int:
    exit_code: int = run_app(demo=bool(args.demo))
    return exit_code
