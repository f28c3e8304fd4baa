"""Arguments of `coachadmin presign s3://BUCKET/KEY [--expires DURATION]`."""

from __future__ import annotations

from coachadmin.cli.arguments import Handler, Subparsers
from coachadmin.cli.arguments.options import add_json_option, add_s3_options


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "presign",
        help="print a presigned GET URL for an object (SigV4, at most 7 days)",
        description=(
            "Print a presigned GET URL for s3://BUCKET/KEY on stdout. The URL is signed "
            "locally with Signature Version 4 for the bucket's region; S3 accepts such a link "
            "for at most 7 days, and never longer than the credentials that signed it. The "
            "object is checked first (HeadObject): a missing one prints no link."
        ),
    )
    parser.add_argument("uri", metavar="s3://BUCKET/KEY", help="the object to link to")
    parser.add_argument(
        "--expires",
        metavar="DURATION",
        default="1h",
        help="how long the link works: 15m, 1h, 1d, 7d... (default 1h, at most 7d)",
    )
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="do not check that the object exists (one HeadObject) before printing the link",
    )
    add_json_option(parser)
    add_s3_options(parser)
    parser.set_defaults(handler=Handler("coachadmin.cli.presign", "run"), command="presign")
