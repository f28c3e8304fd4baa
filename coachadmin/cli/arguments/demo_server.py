"""Arguments of `coachadmin demo-server`."""

from __future__ import annotations

import argparse

from coachadmin.cli.arguments import Handler, Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "demo-server",
        help="run the demo S3 server and demo backend until Ctrl-C",
        description=(
            "Start the embedded demo environment (a local S3 server with a seeded bucket "
            "and a demo backend with sample courses) on free loopback ports. Prints one "
            "JSON line with the endpoints and credentials, then runs until Ctrl-C or SIGTERM. "
            "What you put in the demo is kept in the app's data folder for the next start "
            "(the app's demo is this same demo); --reset starts it fresh."
        ),
    )
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument(
        "--reset",
        action="store_true",
        help="delete what the demo kept and start from the sample data",
    )
    keep.add_argument(
        "--ephemeral",
        action="store_true",
        help="a throwaway demo: sample data, nothing read or kept (self-test, scripts)",
    )
    parser.add_argument(
        "--watch-parent",
        type=int,
        default=None,
        metavar="PID",
        help=argparse.SUPPRESS,  # used by the GUI: exit when that process is gone
    )
    parser.set_defaults(handler=Handler("coachadmin.cli.demo_server", "run"), command="demo-server")
