"""A transfer belongs to the connection it was started with: resume it with that one.

The journal keeps, beside the endpoint and region, the name of the transfer's
connection (``UploadRecord.connection``). :class:`TransferConnections` turns a
journal row back into S3 settings with that connection's credentials, wherever
they live (the keychain, an AWS profile with SSO or assume-role, the environment):

- a saved connection: its settings as saved now, if it still points at the same
  bucket and S3 (a connection renamed, deleted or pointed elsewhere is never
  used in its place: nothing is resumed with the wrong account);
- the demo (``DEMO_CONNECTION``): the demo running now, wherever its ports are;
- none (settings given on the command line): what the journal holds, as before.

A connection that cannot be used raises :class:`ConnectionUnavailable`, whose one
line says which connection and what to do: pick another one for the transfer
(:func:`reassign`) or remove it from the list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from coachadmin import profiles
from coachadmin.connection import DEMO_CONNECTION
from coachadmin.demo.home import running_demo
from coachadmin.demo.info import DemoInfo
from coachadmin.errors import UserFacingError
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.clients import journaled, same_endpoint
from coachadmin.transfers.journal import DownloadRecord, Journal, UploadRecord

Record = UploadRecord | DownloadRecord

_WHAT_TO_DO = (
    "Choose a connection for it (Transfers: right-click, Use Connection…; command line: "
    "coachadmin resume ID --connection NAME) or remove it from the list (Remove from List; "
    "coachadmin abort --forget ID)."
)


class ConnectionUnavailable(UserFacingError):
    """The transfer's connection is gone, changed, or cannot give its credentials now."""


def _kind(record: Record) -> str:
    return "upload" if isinstance(record, UploadRecord) else "download"


def running_demo_settings() -> S3Settings | None:
    """The S3 settings of the demo that runs on this computer now, if one does."""
    found = running_demo()
    if found is None:
        return None
    try:
        return DemoInfo(**found).s3_settings()
    except TypeError:
        return None


class TransferConnections:
    """The application's :data:`~coachadmin.transfers.clients.SettingsFor`."""

    def __init__(self, demo: Callable[[], S3Settings | None] = running_demo_settings) -> None:
        """``demo``: the running demo's settings (the GUI passes its own demo's)."""
        self._demo = demo

    def __call__(self, record: Record, override: S3Settings | None) -> S3Settings:
        settings = self.base(record)
        return override.merged_over(settings) if override is not None else settings

    def base(self, record: Record) -> S3Settings:
        name = record.connection
        if name is None:
            return journaled(record, None)
        if name == DEMO_CONNECTION:
            return self._demo_settings(record)
        return self._saved(record, name)

    def _demo_settings(self, record: Record) -> S3Settings:
        settings = self._demo()
        if settings is None:
            raise ConnectionUnavailable(
                f"This {_kind(record)} went to the demo, which is not running. Open the demo "
                "(coachadmin --demo, or Try the Demo) and it goes on from where it stopped."
            )
        return settings

    def _saved(self, record: Record, name: str) -> S3Settings:
        kind = _kind(record)
        try:
            profile = profiles.get_profile(name)
        except profiles.ProfileNotFound:
            raise ConnectionUnavailable(
                f"This {kind} was started with the connection '{name}', which no longer "
                f"exists. {_WHAT_TO_DO}"
            ) from None
        if profile.bucket != record.bucket or not _same_endpoint(profile, record):
            raise ConnectionUnavailable(
                f"The connection '{name}' now points at s3://{profile.bucket}"
                f"{_where(profile.endpoint_url)}, but this {kind} belongs to "
                f"s3://{record.bucket}{_where(record.endpoint_url)}. {_WHAT_TO_DO}"
            )
        try:
            settings = profiles.s3_settings_for(profile)
        except UserFacingError as error:
            raise ConnectionUnavailable(
                f"The {kind} cannot reach S3 with the connection '{name}': {error}"
            ) from error
        if settings.region is None:
            settings = replace(settings, region=record.region)
        return settings


def _same_endpoint(profile: profiles.Profile, record: Record) -> bool:
    """The saved endpoint is the journaled one (None for AWS's own, on both sides)."""
    return same_endpoint(profile.endpoint_url, record.endpoint_url)


def _where(endpoint: str | None) -> str:
    return f" at {endpoint}" if endpoint else ""


def reassign(journal: Journal, transfer_ids: Sequence[str], connection: str) -> None:
    """Make the saved ``connection`` the transfers' from now on (the user's choice).

    It must be a connection to each transfer's bucket; the transfers then go to that
    connection's S3 (its endpoint, if it has one, replaces the journaled one). All of them
    are checked before any is changed: one that cannot take the connection leaves every
    transfer as it was.
    """
    records = [journal.get_record(transfer_id) for transfer_id in transfer_ids]
    changes: dict[str, str | None] = {"connection": connection}
    if connection != DEMO_CONNECTION:
        profile = profiles.get_profile(connection)
        for record in records:
            if profile.bucket != record.bucket:
                raise ConnectionUnavailable(
                    f"The connection '{connection}' is for s3://{profile.bucket}, but "
                    f"{_kind(record)} {record.id} belongs to s3://{record.bucket}: choose a "
                    "connection to that bucket."
                )
        changes["endpoint_url"] = profile.endpoint_url
    for record in records:
        journal.update_record(record.id, **changes)


def started_with(journal: Journal, connection: str) -> list[Record]:
    """The unfinished transfers that belong to ``connection``, oldest first."""
    records: list[Record] = [*journal.list_uploads(), *journal.list_downloads()]
    return sorted((r for r in records if r.connection == connection), key=lambda r: r.created_at)


def left_without_connection(records: list[Record], connection: str) -> str:
    """What a user who removed ``connection`` is told of its unfinished ``records``: that
    they wait, and the two ways on (another connection to the bucket, or forgetting them)."""
    buckets = " or ".join(sorted({f"s3://{r.bucket}" for r in records}))
    ids = ", ".join(r.id for r in records)
    one = len(records) == 1
    what = "1 unfinished transfer" if one else f"{len(records)} unfinished transfers"
    was, they, them = ("was", "it waits", "it") if one else ("were", "they wait", "them")
    return (
        f"{what} ({ids}) {was} started with '{connection}': {they} until you resume {them} "
        f"with another connection to {buckets} (coachadmin resume ID --connection NAME) or "
        f"drop {them} (coachadmin abort --forget ID; `coachadmin orphans s3://BUCKET` then "
        "lists the parts an upload left in the bucket)."
    )
