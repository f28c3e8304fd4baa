"""The desktop app: opening it (the default when no subcommand is given), or its self-test.

Qt is imported with this module, which only the entry point loads, and only for these.
"""

from __future__ import annotations

import argparse

from coachadmin.ui.app import run_app
from coachadmin.ui.selftest import run_self_test


def run(args: argparse.Namespace) -> int:
    exit_code: int = run_app(demo=bool(args.demo))
    return exit_code


def run_self_test_command(_args: argparse.Namespace) -> int:
    return run_self_test()
