"""Where a running demo is and how to sign in to it: light enough for every command that
may talk to the demo (the transfer commands) to import without the demo's servers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from coachadmin.connection import Connection
from coachadmin.s3.settings import S3Settings


@dataclass(frozen=True)
class DemoInfo:
    """Where the demo is and how to sign in; the JSON line ``coachadmin demo-server`` prints."""

    s3_endpoint: str
    api_url: str
    bucket: str
    region: str
    access_key: str
    secret_key: str
    admin_email: str
    admin_password: str
    author_email: str
    author_password: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def s3_settings(self) -> S3Settings:
        return S3Settings(
            endpoint_url=self.s3_endpoint,
            region=self.region,
            access_key=self.access_key,
            secret_key=self.secret_key,
        )

    def connection(self) -> Connection:
        """The connection the app opens on the demo."""
        return Connection(
            name="Demo",
            bucket=self.bucket,
            s3=self.s3_settings(),
            api_url=self.api_url,
            demo=True,
        )
