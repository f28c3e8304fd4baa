"""Where S3 is and who we are there: :class:`S3Settings`, without boto3.

The connection, the profiles and the GUI hold these; only
:mod:`coachadmin.s3.client` turns them into a boto3 session and client.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class S3Settings:
    """Where S3 is and who we are there. ``None`` means: boto3's standard chain decides."""

    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None

    def merged_over(self, base: S3Settings) -> S3Settings:
        """These settings where given, ``base`` where not (flags over a saved connection)."""
        return replace(
            base,
            **{name: value for name, value in self.__dict__.items() if value is not None},
        )

    def __repr__(self) -> str:  # never show the secret in a repr, a log or a traceback
        return (
            f"S3Settings(endpoint_url={self.endpoint_url!r}, region={self.region!r}, "
            f"profile={self.profile!r}, access_key={'set' if self.access_key else None})"
        )
