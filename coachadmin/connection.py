"""A live connection: which bucket, which S3, which backend, and who we are there.

Profiles (saved, with secrets in the keychain) and the demo environment both
resolve to a :class:`Connection`; the GUI and the command line work on that alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coachadmin.s3.settings import S3Settings

#: How a transfer made on the embedded demo names its connection (a saved connection's
#: name cannot start with a colon).
DEMO_CONNECTION = ":demo"


@dataclass(frozen=True)
class Connection:
    name: str
    bucket: str
    s3: S3Settings = field(default_factory=S3Settings)
    api_url: str | None = None
    production: bool = False
    demo: bool = False
    #: A saved connection (a profile): what a transfer can find again after a restart.
    saved: bool = False

    @property
    def region(self) -> str | None:
        return self.s3.region

    @property
    def transfer_owner(self) -> str | None:
        """What a transfer journals to find this connection again after a restart (None:
        a connection made up on the spot, which a transfer resumes from the journal)."""
        if self.demo:
            return DEMO_CONNECTION
        return self.name if self.saved else None

    def describe(self) -> str:
        """One line for a status bar: ``Demo · s3://bucket (eu-north-1)``."""
        where = f"s3://{self.bucket}"
        if self.region:
            where += f" ({self.region})"
        return f"{self.name} · {where}"
