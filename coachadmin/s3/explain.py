"""S3 and network failures in plain words: what went wrong and what to do.

Clock skew says by how much the computer's clock is off; expired temporary
credentials say how to renew them (with the profile's name); a network failure
names the endpoint. Every sentence passes through :func:`coachadmin.redact.redact`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from botocore import exceptions as boto_errors
from botocore.exceptions import ClientError

from coachadmin.redact import redact

DENIED_CODES = frozenset({"AccessDenied", "403", "AllAccessDisabled"})

_ENDPOINT_REGION = re.compile(r"s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com")


def region_from_error(error: ClientError) -> str | None:
    """The bucket's real region, if S3's error answer tells it (header, body or endpoint)."""
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    details: dict[str, Any] = dict(error.response.get("Error", {}))
    region = headers.get("x-amz-bucket-region") or details.get("Region")
    if not region:
        match = _ENDPOINT_REGION.search(str(details.get("Endpoint", "")))
        region = match.group(1) if match else None
    return str(region) if region else None


def _clock_skew(error: ClientError) -> str:
    """How far this computer's clock is off, from the Date S3 answered with."""
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    server = str(error.response.get("Error", {}).get("ServerTime") or headers.get("date"))
    try:
        server_time = (
            datetime.fromisoformat(server.replace("Z", "+00:00"))
            if "T" in server
            else parsedate_to_datetime(server)
        )
    except (TypeError, ValueError):
        return "Your computer's clock is off"
    minutes = round((datetime.now(UTC) - server_time).total_seconds() / 60)
    side = "ahead of" if minutes > 0 else "behind"
    return f"Your computer's clock is about {abs(minutes)} minutes {side} S3's"


def _expired(profile: str | None) -> str:
    if profile:
        return (
            "Your temporary AWS credentials have expired. Sign in again with "
            f"'aws sso login --profile {profile}' (or renew the credentials of the AWS "
            f"profile '{profile}'), then try again."
        )
    return (
        "Your temporary AWS credentials (session token) have expired. Get new ones, "
        "or use an AWS profile that renews them (SSO or a role), then try again."
    )


_CODE_MESSAGES: dict[str, str] = {
    "InvalidAccessKeyId": (
        "S3 does not know this access key ID. Check it, or ask your administrator "
        "for a new key (it may have been deactivated)."
    ),
    "SignatureDoesNotMatch": (
        "The secret access key does not match the access key ID. Enter the secret "
        "again, exactly as you received it."
    ),
    "InvalidToken": "The session token is not valid. Get new temporary credentials.",
    "AccessDenied": "S3 refused the request: the credentials lack a permission.",
    "NoSuchBucket": "The bucket does not exist. Check its name and the endpoint.",
    "AllAccessDisabled": "All access to this bucket has been disabled by its owner.",
    "AccountProblem": "The AWS account has a problem (billing?): ask its owner.",
    "SlowDown": "S3 asks to slow down: wait a minute and try again.",
    "ServiceUnavailable": "S3 is unavailable for a moment: wait and try again.",
    "InternalError": "S3 had an internal error: wait and try again.",
}
_EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired"}
)


_NETWORK_MESSAGES: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (
        (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError),
        "No complete AWS credentials were found. Choose an AWS profile, enter an "
        "access key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
    ),
    (
        boto_errors.ProfileNotFound,
        "The AWS profile '{profile}' is not in your AWS configuration. Set it up with "
        "'aws configure' or 'aws configure sso', or choose another.",
    ),
    (
        boto_errors.CredentialRetrievalError,
        "Your AWS credentials could not be obtained: {error}",
    ),
    (
        boto_errors.SSLError,
        "The secure connection to {where} failed (a certificate problem?): {error}",
    ),
    (
        (boto_errors.ConnectTimeoutError, boto_errors.ReadTimeoutError),
        "{where} did not answer in time. Check your network connection and try again.",
    ),
    (
        boto_errors.ProxyConnectionError,
        "The proxy server refused the connection to {where}. Check your proxy settings.",
    ),
    (
        boto_errors.ConnectionError,
        "Could not connect to {where}. Check the address, your network connection, VPN or proxy.",
    ),
)


def _explain_client_error(error: ClientError, profile: str | None) -> str:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code == "RequestTimeTooSkewed":
        return (
            f"{_clock_skew(error)}, and S3 refuses requests more than 15 minutes off. "
            "Turn on automatic date and time in your system settings, then try again."
        )
    if code in _EXPIRED_CODES:
        return _expired(profile)
    if code in _CODE_MESSAGES:
        return _CODE_MESSAGES[code]
    message = error.response.get("Error", {}).get("Message") or "no details"
    return f"S3 answered {code or 'an error'}: {message}"


def own_endpoint(client: object) -> str | None:
    """The endpoint a client was made for, unless AWS's own (its host is amazonaws.com):
    the place a network failure names instead of "AWS S3"."""
    url = getattr(getattr(client, "meta", None), "endpoint_url", None)
    if not isinstance(url, str):
        return None
    host = urlsplit(url).hostname or ""
    return None if host.endswith((".amazonaws.com", ".amazonaws.com.cn")) else url


def explain_error(
    error: BaseException, *, endpoint: str | None = None, profile: str | None = None
) -> str:
    """One or two sentences for a person: what went wrong and what to do (secrets masked)."""
    if isinstance(error, ClientError):
        return redact(_explain_client_error(error, profile))
    if isinstance(error, boto_errors.SSOError | boto_errors.TokenRetrievalError):
        return _expired(profile)
    where = endpoint or "AWS S3"
    for types_, template in _NETWORK_MESSAGES:
        if isinstance(error, types_):
            return redact(template.format(where=where, profile=profile, error=error))
    if isinstance(error, ValueError) and endpoint:
        return redact(f"'{endpoint}' is not a valid S3 endpoint address ({error}).")
    return redact(f"{type(error).__name__}: {error}")
