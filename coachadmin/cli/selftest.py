"""``coachadmin --self-test``: the installation checked end to end (demo, window, upload...).

Qt, boto3 and the demo are imported with this module, which only the entry point
loads, and only for the self-test.
"""

from __future__ import annotations

import argparse

from coachadmin.ui.selftest import run_self_test


def run(_args: argparse.Namespace) -> int:
    return run_self_test()
