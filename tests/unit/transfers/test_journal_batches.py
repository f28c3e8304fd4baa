"""Small files' journal writes go in batches: many rows per transaction."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

from coachadmin import paths
from coachadmin.transfers.journal import SOON_BATCH, SOON_DELAY, Journal, UploadRecord


def committed_state(transfer_id: str) -> tuple[str, int | None]:
    """What another process would read: only committed rows."""
    with sqlite3.connect(paths.journal_path()) as db:
        return db.execute(
            "SELECT state, owner_pid FROM uploads WHERE id=?", (transfer_id,)
        ).fetchone()


def records(journal: Journal, count: int) -> list[UploadRecord]:
    base = UploadRecord(
        id="", path="/tmp/f", size=10, mtime_ns=1, part_size=5, bucket="b", key="k", state="queued"
    )
    return [replace(base, id=journal.new_id(), key=f"k{n}") for n in range(count)]


def test_many_uploads_are_journaled_in_one_transaction_already_claimed(app_home: Path) -> None:
    with Journal() as journal:
        made = records(journal, 50)
        before = journal._db.total_changes
        journal.create_uploads(made, claimed=True)
        assert journal._db.total_changes - before == 50
        assert committed_state(made[0].id) == ("queued", os.getpid())
        journal.claim("uploads", made[0].id)  # ours already: nothing written
        assert journal._db.total_changes - before == 50


def test_soon_written_changes_are_read_at_once_and_committed_together(app_home: Path) -> None:
    with Journal() as journal:
        made = records(journal, 3)
        journal.create_uploads(made)
        journal.update_soon("uploads", made[0].id, state="uploading")
        journal.update_soon("uploads", made[1].id, state="done", etag="e")
        assert committed_state(made[1].id)[0] == "queued"  # not yet on disk
        assert journal.get_upload(made[1].id).state == "done"  # a read commits them first
        assert committed_state(made[0].id)[0] == "uploading"
        journal.update_soon("uploads", made[0].id, state="done")
        journal.update_upload(made[2].id, state="failed")  # any other write takes them along
        assert committed_state(made[0].id)[0] == "done"


def test_soon_written_changes_reach_the_disk_within_the_delay_or_a_batch(app_home: Path) -> None:
    with Journal() as journal:
        made = records(journal, SOON_BATCH + 1)
        journal.create_uploads(made)
        journal.update_soon("uploads", made[0].id, state="done")
        deadline = time.monotonic() + SOON_DELAY * 10
        while committed_state(made[0].id)[0] != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert committed_state(made[0].id)[0] == "done"
        for record in made[1:]:
            journal.update_soon("uploads", record.id, state="done")
        assert committed_state(made[SOON_BATCH - 1].id)[0] == "done"  # the batch was full
        journal.update_soon("uploads", made[0].id, state="failed")
    assert committed_state(made[0].id)[0] == "failed"  # closing writes what is left
