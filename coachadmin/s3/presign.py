"""Presigned GET URLs: SigV4, made locally without a network call.

A SigV4 URL lives at most 7 days, and never longer than the credentials that
signed it: a URL signed with temporary credentials (SSO, assume-role) stops
working when they expire, whatever its X-Amz-Expires says. We say so. A session
token from the environment comes without its expiry (unless
AWS_CREDENTIAL_EXPIRATION gives it); such a link is said to work for at most the
36 hours that the longest-lived temporary credentials of AWS STS last.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from coachadmin.errors import UsageError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client

MAX_EXPIRY = timedelta(days=7)
DEFAULT_EXPIRY = timedelta(hours=1)
#: The longest any temporary AWS credentials live (STS GetSessionToken and
#: GetFederationToken; AssumeRole and IAM Identity Center give 12 hours at most).
LONGEST_TEMPORARY_CREDENTIALS = timedelta(hours=36)

#: The choices the GUI offers, in order.
EXPIRY_CHOICES: tuple[tuple[str, timedelta], ...] = (
    ("15 minutes", timedelta(minutes=15)),
    ("1 hour", timedelta(hours=1)),
    ("1 day", timedelta(days=1)),
    ("7 days", timedelta(days=7)),
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """``15m``, ``1h``, ``7d``, ``1d12h``, or plain seconds (``900``)."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        cleaned = f"{cleaned}s"
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise UsageError(
            f"'{text}' is not a duration: write it like 15m, 1h, 1d or 7d "
            "(s, m, h, d, w for seconds, minutes, hours, days, weeks)"
        )
    seconds = sum(int(n) * _UNITS[unit.lower()] for n, unit in parts)
    if seconds > MAX_EXPIRY.total_seconds():  # also keeps timedelta from overflowing
        raise UsageError(
            f"'{text}' is longer than S3 accepts: a link lives at most 7 days "
            "(a limit of Signature Version 4). Choose 7d or less."
        )
    return timedelta(seconds=seconds)


def check_expiry(expires: timedelta) -> timedelta:
    if expires <= timedelta(0):
        raise UsageError("A link must live at least one second.")
    if expires > MAX_EXPIRY:
        raise UsageError(
            "S3 does not accept a link that lives longer than 7 days (a limit of "
            "Signature Version 4). Choose 7 days or less."
        )
    return expires


@dataclass(frozen=True)
class CredentialsExpiry:
    """When the signing credentials stop working."""

    at: datetime
    #: False for a session token whose expiry is not known: ``at`` is then the latest
    #: it can be (LONGEST_TEMPORARY_CREDENTIALS from when it was read).
    exact: bool = True


def has_dot_segments(key: str) -> bool:
    """Whether a folder part of ``key`` is ``.`` or ``..``. S3 signs a link's path as it
    is, but browsers, Qt and most HTTP libraries remove such parts from a URL before they
    ask (the URL standard says so), so the signature fails or another object answers;
    curl and the AWS CLI send the path as it is."""
    return any(part in (".", "..") for part in key.split("/"))


@dataclass(frozen=True)
class PresignedUrl:
    url: str
    expires_at: datetime
    #: When the signing credentials expire first, the link dies with them.
    credentials_expire_at: CredentialsExpiry | None = None
    #: The key has a ``.`` or ``..`` folder part (see :func:`has_dot_segments`).
    dot_segments: bool = False

    @property
    def effective_expires_at(self) -> datetime:
        limit = self.credentials_expire_at
        if limit is not None and limit.at < self.expires_at:
            return limit.at
        return self.expires_at

    @property
    def limited_by_credentials(self) -> bool:
        return self.effective_expires_at != self.expires_at

    def warning(self) -> str | None:
        """What to tell the user when the link may not open, or will not live as long as
        asked (None when neither)."""
        said = [text for text in (self._dots_warning(), self._expiry_warning()) if text]
        return " ".join(said) or None

    def _dots_warning(self) -> str:
        if not self.dot_segments:
            return ""
        return (
            "This link may not open in a browser or a player: the object's name has a '.' "
            "or '..' folder part, which they remove from a link before asking S3. curl and "
            "the AWS CLI open it; renaming the object makes a link that works everywhere."
        )

    def _expiry_warning(self) -> str:
        if not self.limited_by_credentials:
            return ""
        when = self.effective_expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        if self.credentials_expire_at is not None and not self.credentials_expire_at.exact:
            return (
                f"This link stops working by {when} at the latest: it is signed with "
                "temporary AWS credentials (a session token), which last at most 36 hours "
                "and expire earlier than the expiry you chose."
            )
        return (
            f"This link stops working at {when}, when your temporary AWS credentials "
            "expire, earlier than the expiry you chose."
        )


def credentials_expiry(
    session: boto3.session.Session, now: datetime | None = None
) -> CredentialsExpiry | None:
    """When the session's credentials expire; ``None`` for long-term keys."""
    credentials: Any = session.get_credentials()
    if credentials is None:
        return None
    expiry = getattr(credentials, "_expiry_time", None)
    if isinstance(expiry, datetime):
        return CredentialsExpiry(expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC))
    if getattr(credentials, "token", None):
        return CredentialsExpiry((now or datetime.now(UTC)) + LONGEST_TEMPORARY_CREDENTIALS, False)
    return None


#: RFC 5987's attr-char beside letters and digits: what ``filename*`` keeps unencoded.
_ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(name: str) -> str:
    """``attachment`` under ``name``, in ASCII (RFC 6266): S3 refuses a response header
    that ISO-8859-1 cannot write (400 InvalidArgument), so a name such as "Café \u2013 intro"
    or "中文.mp4" goes as ``filename*=UTF-8''…`` beside a plain ASCII ``filename``."""
    shown = "".join(c for c in name if c.isprintable()).strip() or "download"
    plain = unicodedata.normalize("NFKD", shown).encode("ascii", "ignore").decode()
    plain = re.sub(r"\s+", " ", re.sub(r'["\\]', "_", plain)).strip()
    stem, dot, suffix = plain.rpartition(".")
    if not plain or (plain != shown and dot and not stem.strip()):  # "中文.mp4" → ".mp4"
        plain = f"download{dot}{suffix}"
    value = f'attachment; filename="{plain}"'
    if plain != shown:
        value += f"; filename*=UTF-8''{quote(shown, safe=_ATTR_CHARS)}"
    return value


def presign_get(
    client: S3Client,
    bucket: str,
    key: str,
    expires: timedelta = DEFAULT_EXPIRY,
    *,
    credentials_expire_at: CredentialsExpiry | None = None,
    download_name: str | None = None,
    now: datetime | None = None,
) -> PresignedUrl:
    """A presigned GET URL for ``key``; ``download_name`` makes browsers save it under that name."""
    check_expiry(expires)
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if download_name:
        params["ResponseContentDisposition"] = content_disposition(download_name)
    seconds = int(expires.total_seconds())
    start = now or datetime.now(UTC)
    url = client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
    return PresignedUrl(
        url=url,
        expires_at=start + timedelta(seconds=seconds),
        credentials_expire_at=credentials_expire_at,
        dot_segments=has_dot_segments(key),
    )
