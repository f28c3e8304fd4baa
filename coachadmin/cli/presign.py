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

from botocore.exceptions import BotoCoreError, ClientError

from coachadmin.cli.common import emit_json, guard, s3_target
from coachadmin.errors import UsageError, UserFacingError
from coachadmin.s3.client import make_client, make_session
from coachadmin.s3.explain import explain_error
from coachadmin.s3.objects import head_object
from coachadmin.s3.presign import check_expiry, credentials_expiry, parse_duration, presign_get
from coachadmin.s3.settings import S3Settings
from coachadmin.s3.uri import parse_s3_uri


def run(args: argparse.Namespace) -> int:
    uri = parse_s3_uri(args.uri)
    if uri.is_prefix:
        raise UsageError(f"'{args.uri}' is a folder, not an object: write s3://BUCKET/KEY")
    expires = check_expiry(parse_duration(args.expires))
    settings = s3_target(args, uri.bucket).settings
    session = make_session(settings)  # an unknown profile is a usage error (exit 2)
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
    if not args.no_check:
        _check_exists(settings, uri.bucket, uri.key)
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


#: What S3 answers when the credentials themselves are refused: the link is signed with
#: the same credentials and would be refused the same way. (A bare 403 is not among them:
#: a HEAD may be refused where a GET, the link's request, is allowed.)
_REFUSED = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
     "TokenRefreshRequired"}
)  # fmt: skip


def _check_exists(settings: S3Settings, bucket: str, key: str) -> None:
    """Refuse a link to a missing object, or one S3 would refuse (its credentials are);
    warn, and go on, when the check itself cannot be made (no network here)."""
    client = make_client(settings, max_attempts=2, connect_timeout=5, read_timeout=15)
    try:
        found = head_object(client, bucket, key)
    except (BotoCoreError, ClientError, UserFacingError) as error:
        reason = str(error) if isinstance(error, UserFacingError) else explain_error(error)
        if (
            isinstance(error, ClientError)
            and error.response.get("Error", {}).get("Code") in _REFUSED
        ):
            raise UserFacingError(
                f"a link to s3://{bucket}/{key} would be refused: {reason}"
            ) from None
        print(
            f"coachadmin: warning: could not check that s3://{bucket}/{key} exists "
            f"({reason}); the link may not work (--no-check skips the check)",
            file=sys.stderr,
        )
        return
    if found is None:
        raise UserFacingError(
            f"s3://{bucket}/{key} does not exist, so a link to it would only answer 404. "
            "Check the key, or pass "
            "--no-check to make the link anyway."
        )
