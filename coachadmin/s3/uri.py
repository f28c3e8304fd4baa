"""``s3://BUCKET/KEY`` addresses and bucket name rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from coachadmin.display import printable
from coachadmin.errors import UsageError

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
MAX_KEY_BYTES = 1024
#: What XML 1.0 cannot hold (tab, line feed and carriage return it can).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str = ""

    @property
    def is_prefix(self) -> bool:
        """True for ``s3://bucket/`` and ``s3://bucket/folder/``: a place, not an object."""
        return self.key == "" or self.key.endswith("/")

    def join(self, name: str) -> S3Uri:
        return S3Uri(self.bucket, self.key + name)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def validate_bucket_name(bucket: str) -> str:
    if not _BUCKET_RE.match(bucket) or ".." in bucket or _IP_RE.match(bucket):
        raise UsageError(
            f"'{bucket}' is not a valid bucket name: use 3 to 63 lower-case letters, "
            "digits, dots or hyphens, starting and ending with a letter or digit"
        )
    return bucket


def validate_key(key: str) -> str:
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:  # a name whose bytes were not UTF-8 (surrogate escapes)
        try:  # the bytes as they were, where they were bytes
            shown = key.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate of another kind (a Windows name)
            shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
        raise UsageError(
            f"'{printable(shown)}' is not UTF-8 text, which an S3 key must be (a file named "
            "on another system?): rename it, then try again"
        ) from None
    if size > MAX_KEY_BYTES:
        raise UsageError(f"the key is longer than S3's limit of {MAX_KEY_BYTES} bytes")
    return key


def validate_new_key(key: str) -> str:
    """:func:`validate_key`, and no character that XML 1.0 cannot carry: S3 echoes the key
    in its XML answers to a multipart upload, as an entity no XML parser reads, so such an
    upload could never finish (and a small file's would only by luck of its size)."""
    validate_key(key)
    bad = _XML_INVALID.search(key)
    if bad:
        raise UsageError(
            f"'{printable(key)}' holds a character S3's answers cannot carry "
            f"(U+{ord(bad.group()):04X}, a control character): rename the file, or choose "
            "another key"
        )
    return key


def parse_s3_uri(text: str) -> S3Uri:
    """Parse ``s3://BUCKET[/KEY]``; a bad address gets a message that shows the right form."""
    if not text.startswith("s3://"):
        raise UsageError(f"'{text}' is not an S3 address: write it as s3://BUCKET/KEY")
    rest = text[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise UsageError(f"'{text}' names no bucket: write it as s3://BUCKET/KEY")
    return S3Uri(validate_bucket_name(bucket), validate_key(key))
