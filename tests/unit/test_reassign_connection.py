"""Giving transfers another saved connection: all of them, or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from coachadmin import profiles
from coachadmin.profiles import CredentialSource, Profile
from coachadmin.services.transfer_connections import ConnectionUnavailable, reassign
from coachadmin.transfers.journal import Journal
from tests.support.transfers import journaled_upload


def _media(bucket: str) -> None:
    profiles.save_profile(
        Profile(
            name="media",
            bucket=bucket,
            region="eu-north-1",
            api_url="https://api.example.com",
            credentials=CredentialSource.ENVIRONMENT,
            endpoint_url="http://127.0.0.1:9000",
        )
    )


def test_transfers_to_the_connection_s_bucket_take_it(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db")
    _media("lessons")
    ids = [journaled_upload(journal, bucket="lessons", connection="old").id for _ in range(2)]
    reassign(journal, ids, "media")
    for transfer_id in ids:
        record = journal.get_upload(transfer_id)
        assert (record.connection, record.endpoint_url) == ("media", "http://127.0.0.1:9000")


def test_one_transfer_to_another_bucket_leaves_every_one_as_it_was(tmp_path: Path) -> None:
    """`resume A B --connection media` (or the window's "Use another connection" on two
    rows) where B is in another bucket: refused, naming B, and A keeps its connection too
    (before, A was changed and left unresumed)."""
    journal = Journal(tmp_path / "journal.db")
    _media("lessons")
    first = journaled_upload(journal, bucket="lessons", connection="old")
    second = journaled_upload(journal, bucket="archive", connection="old")
    with pytest.raises(ConnectionUnavailable, match=rf"upload {second.id} belongs to s3://archive"):
        reassign(journal, [first.id, second.id], "media")
    for record in (first, second):
        kept = journal.get_upload(record.id)
        assert (kept.connection, kept.endpoint_url) == ("old", None)
