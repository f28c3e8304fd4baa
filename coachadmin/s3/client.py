"""One place that builds boto3 S3 clients.

Every client signs with SigV4 (regions opened after 2014, eu-north-1 among them,
accept nothing else). Checksums are computed by us and sent as headers (CRC32 or
Content-MD5 per part) rather than as botocore's default CRC trailers, which
several S3-compatible servers reject; see docs/architecture.md. How bodies are
signed is in :mod:`coachadmin.s3.signing`.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import getproxies

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from coachadmin.errors import UsageError
from coachadmin.redact import register_secret
from coachadmin.s3.reply_waits import time_out_reads
from coachadmin.s3.settings import S3Settings
from coachadmin.s3.signing import install_signing_hooks

if TYPE_CHECKING:
    from botocore.config import _S3Dict
    from mypy_boto3_s3 import S3Client

DEFAULT_POOL = 32
#: An AWS region's name (eu-north-1, us-gov-west-1, cn-north-1); S3-compatible servers
#: use names of the same shape (us-east-1, garage, auto).
REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class S3SettingsError(UsageError):
    """Settings no client can be made of: an endpoint that is no web address, a region
    that is no region's name, an AWS profile that is not configured."""


def check_settings(settings: S3Settings) -> None:
    """Raise :class:`S3SettingsError` for an endpoint or region botocore would fail on
    later, with a message that says what to write instead."""
    if settings.endpoint_url is not None:
        _check_endpoint(settings.endpoint_url)
    if settings.region is not None:
        check_region(settings.region)


def _check_endpoint(endpoint: str) -> None:
    text = endpoint.strip()
    wrong = S3SettingsError(
        f"the endpoint '{endpoint}' is not a web address: write it with http:// or https://, "
        "e.g. https://s3.eu-north-1.amazonaws.com or http://127.0.0.1:9000"
    )
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is no port
        host = parts.hostname
    except ValueError:
        raise wrong from None
    if parts.password:  # never shown, logged or journaled
        register_secret(parts.password)
    if parts.scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in text):
        raise wrong
    if parts.username or parts.password:
        raise S3SettingsError(
            "the endpoint carries a user name or password, which S3 does not take (it signs "
            "each request with the access key): remove the part before '@'"
        )


def check_region(region: str, where: str = "") -> None:
    """Raise :class:`S3SettingsError` for a region that is no region's name (``where``:
    where it came from, when not from the settings given)."""
    if not REGION.fullmatch(region):
        raise S3SettingsError(
            f"'{region}' is not a region's name{where}: write it like eu-north-1 (the "
            "bucket's region, shown in the S3 console)"
        )


def register_proxy_secrets() -> None:
    """Mask the credentials in the URLs of proxies wherever they appear: every ``*_PROXY``
    variable's, and the system's that botocore takes through urllib's ``getproxies``; also
    the part before a '/' they hold, which urllib3 quotes when it cannot parse the URL."""
    urls = {v for k, v in os.environ.items() if k.lower().endswith("_proxy")}
    for url in urls | set(getproxies().values()):
        userinfo = url.partition("://")[2].rpartition("@")[0]
        password = userinfo.partition(":")[2]
        for secret in (userinfo, password):
            register_secret(secret)
            register_secret(re.split(r"[/?#]", secret, maxsplit=1)[0])


def make_session(settings: S3Settings) -> boto3.session.Session:
    check_settings(settings)
    register_secret(settings.secret_key)
    register_secret(settings.session_token)
    register_proxy_secrets()
    try:
        session = boto3.session.Session(
            profile_name=settings.profile,
            aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key,
            aws_session_token=settings.session_token,
            region_name=settings.region,
        )
        region = session.region_name  # the settings', or the environment's, or the profile's
    except ProfileNotFound as error:
        raise _no_profile(error) from None
    if region is not None and settings.region is None:
        check_region(region, " (from AWS_REGION, AWS_DEFAULT_REGION or your AWS config)")
    return session


def _no_profile(error: ProfileNotFound) -> S3SettingsError:
    return S3SettingsError(
        f"the AWS profile '{error.kwargs.get('profile', '')}' is not in your AWS "
        "configuration: set it up with 'aws configure' or 'aws configure sso', or choose "
        "another (--profile, AWS_PROFILE)"
    )


def _addressing(settings: S3Settings) -> _S3Dict:
    """Path style for S3-compatible servers; for AWS, the bucket's regional virtual host.

    ``bucket.s3.<region>.amazonaws.com``, never the global ``bucket.s3.amazonaws.com``
    that botocore's "auto" style gives presigned links: regions opened after 2019 and
    buckets younger than a day answer that host with a redirect or a signature error
    (boto/boto3#2989, #1982). botocore still falls back to the path style for a bucket
    whose name has dots (its TLS certificate would not match).
    """
    if settings.endpoint_url:
        return {"addressing_style": "path"}
    return {"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}


def make_client(
    settings: S3Settings,
    *,
    max_pool_connections: int = DEFAULT_POOL,
    max_attempts: int = 4,
    connect_timeout: float = 10,
    read_timeout: float = 60,
    reads_timeout: float | None = None,
) -> S3Client:
    """A client for ``settings``; ``max_attempts`` counts every attempt, the first included.

    ``reads_timeout``: a read's reply that brings nothing for this long is given up, where
    a write's waits ``read_timeout`` (:mod:`coachadmin.s3.reply_waits`).

    The transfer engine passes ``max_attempts=1``: it retries each part itself, with
    backoff and jitter, and counts what it re-sends.
    """
    config = Config(
        signature_version="s3v4",
        max_pool_connections=max_pool_connections,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3=_addressing(settings),
    )
    session = make_session(settings)
    try:  # a profile named by AWS_PROFILE is looked up here
        client = session.client("s3", endpoint_url=settings.endpoint_url, config=config)
    except ProfileNotFound as error:
        raise _no_profile(error) from None
    install_signing_hooks(client)
    if reads_timeout is not None and reads_timeout < read_timeout:
        time_out_reads(client, reads_timeout)
    return client
