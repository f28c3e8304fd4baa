"""`coachadmin demo-server`: the embedded demo environment, headless."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
from typing import Any

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.demo.home import demo_dir
from coachadmin.demo.watch import parent_is_alive
from coachadmin.errors import UsageError

#: Seconds a demo session token lives (default one hour); process tests set it short.
TOKEN_TTL_ENV = "COACHADMIN_DEMO_TOKEN_TTL"  # noqa: S105 - a variable name, no secret


def token_ttl_from_env() -> float:
    raw = os.environ.get(TOKEN_TTL_ENV, "").strip()
    if not raw:
        return 3600.0
    try:
        ttl = float(raw)
    except ValueError:
        ttl = math.nan
    if not math.isfinite(ttl) or ttl <= 0:
        raise UsageError(f"{TOKEN_TTL_ENV} must be a positive number of seconds, not {raw!r}")
    return ttl


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    data_dir = None if args.ephemeral else demo_dir()
    environment = DemoEnvironment(
        token_ttl_seconds=token_ttl_from_env(),
        data_dir=data_dir,
        reset=args.reset,
        owner=args.watch_parent,
    )
    with environment as env:
        print(json.dumps(env.info.as_dict()), flush=True)
        while not stop.wait(0.5):
            if args.watch_parent is not None and not parent_is_alive(args.watch_parent):
                print("the parent process is gone: stopping", file=sys.stderr)
                break
    print("demo environment stopped", file=sys.stderr)
    return 0
