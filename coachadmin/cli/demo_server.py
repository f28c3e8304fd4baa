"""`coachadmin demo-server`: the embedded demo environment, headless."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from coachadmin.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "demo-server",
        help="run the demo S3 server and demo backend until Ctrl-C",
        description=(
            "Start the embedded demo environment (a local S3 server with a seeded bucket "
            "and a demo backend with sample courses) on free loopback ports. Prints one "
            "JSON line with the endpoints and credentials, then runs until Ctrl-C or SIGTERM."
        ),
    )
    parser.add_argument(
        "--watch-parent",
        type=int,
        default=None,
        metavar="PID",
        help=argparse.SUPPRESS,  # used by the GUI: exit when that process is gone
    )
    parser.set_defaults(handler=run, command="demo-server")


def run(args: argparse.Namespace) -> int:
    from coachadmin.demo.environment import DemoEnvironment
    from coachadmin.demo.watch import parent_is_alive

    stop = threading.Event()

    def _on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    with DemoEnvironment() as env:
        print(json.dumps(env.info.as_dict()), flush=True)
        while not stop.wait(0.5):
            if args.watch_parent is not None and not parent_is_alive(args.watch_parent):
                break
    print("demo environment stopped", file=sys.stderr)
    return 0
