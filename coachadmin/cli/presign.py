"""`coachadmin presign s3://BUCKET/KEY [--expires DURATION]`: print one presigned GET URL.

The URL is signed locally (no network call) with Signature Version 4 for the
bucket's region, so the region must be known: from --region, the saved connection
for that bucket, or boto3's chain (AWS_REGION, AWS_DEFAULT_REGION, the profile).
The URL alone goes to stdout, so ``curl "$(coachadmin presign ...)"`` works; a
warning that the credentials expire before the link goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from coachadmin.cli.common import Subparsers, add_json_option, add_s3_options, emit_json
from coachadmin.errors import UsageError


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "presign",
        help="print a presigned GET URL for an object (SigV4, at most 7 days)",
        description=(
            "Print a presigned GET URL for s3://BUCKET/KEY on stdout. The URL is signed "
            "locally with Signature Version 4 for the bucket's region; S3 accepts such a link "
            "for at most 7 days, and never longer than the credentials that signed it."
        ),
    )
    parser.add_argument("uri", metavar="s3://BUCKET/KEY", help="the object to link to")
    parser.add_argument(
        "--expires",
        metavar="DURATION",
        default="1h",
        help="how long the link works: 15m, 1h, 1d, 7d... (default 1h, at most 7d)",
    )
    add_json_option(parser)
    add_s3_options(parser)
    parser.set_defaults(handler=run, command="presign")


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import ProfileNotFound

    from coachadmin.cli.s3_access import guard, s3_target
    from coachadmin.s3.client import make_client, make_session
    from coachadmin.s3.presign import check_expiry, credentials_expiry, parse_duration, presign_get
    from coachadmin.s3.uri import parse_s3_uri

    uri = parse_s3_uri(args.uri)
    if uri.is_prefix:
        raise UsageError(f"'{args.uri}' is a folder, not an object: write s3://BUCKET/KEY")
    expires = check_expiry(parse_duration(args.expires))
    settings = s3_target(args, uri.bucket).settings
    try:
        session = make_session(settings)
    except ProfileNotFound as error:
        raise UsageError(f"{error}: check --profile against your AWS config") from error
    if not session.region_name:
        raise UsageError(
            "the bucket's region is unknown, and a SigV4 link is signed for one region: "
            "pass --region (e.g. --region eu-north-1) or set AWS_REGION"
        )
    # The client signs for the region the session resolved (flag, profile or environment).
    settings = replace(settings, region=session.region_name)
    link = guard(
        lambda: presign_get(
            make_client(settings),
            uri.bucket,
            uri.key,
            expires,
            credentials_expire_at=credentials_expiry(session),
        )
    )
    warning = link.warning()
    if args.json:
        emit_json(
            {
                "url": link.url,
                "expires_at": link.expires_at.isoformat(),
                "effective_expires_at": link.effective_expires_at.isoformat(),
                "warning": warning,
            }
        )
    else:
        print(link.url)
    if warning:
        print(f"coachadmin: warning: {warning}", file=sys.stderr)
    return 0
