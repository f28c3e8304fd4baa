"""Keep secrets out of logs, error messages and crash reports.

Two layers: every secret the app handles is registered here when it is loaded
(:func:`register_secret`) and masked wherever it appears; and patterns catch
secrets the app never saw as values (presigned URL signatures, bearer tokens,
secret-looking assignments).
"""

from __future__ import annotations

import re
import threading

MASK = "[REDACTED]"

_lock = threading.Lock()
_known: set[str] = set()

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Presigned URL query parameters that grant access.
    (
        re.compile(
            r"(?i)(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s\"'<>]+",
        ),
        r"\1" + MASK,
    ),
    (re.compile(r"(?i)((?:Signature|AWSAccessKeyId)=)[^&\s\"'<>]+"), r"\1" + MASK),
    # HTTP authorization headers.
    (re.compile(r"(?i)(Bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + MASK),
    (re.compile(r"(?i)(AWS4-HMAC-SHA256\s+Credential=)[^\s,]+"), r"\1" + MASK),
    (re.compile(r"(?i)(Signature=)[0-9a-f]{16,}"), r"\1" + MASK),
    # key=value or "key": "value" where the key names a secret.
    (
        re.compile(
            r"(?i)((?:secret[_-]?access[_-]?key|aws_secret_access_key|session[_-]?token"
            r"|password|passwd|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',&}]+",
        ),
        r"\1" + MASK,
    ),
)

_MIN_SECRET_LENGTH = 6


def register_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears from now on in this process."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every known secret and secret-looking value masked."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def contains_known_secret(text: str) -> bool:
    """Whether ``text`` holds a registered secret (a last check before writing a file)."""
    with _lock:
        known = list(_known)
    return any(secret in text for secret in known)
