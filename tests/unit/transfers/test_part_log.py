"""The part log: a finished part is handed over at once and on disk when the log closes."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest

from coachadmin.transfers.journal import Journal, PartRecord
from coachadmin.transfers.part_log import PartLog
from tests.support.transfers import journaled_upload


def test_adding_a_part_does_not_wait_for_the_commit_and_close_does() -> None:
    with Journal() as journal:
        rec = journaled_upload(journal, state="uploading")
        busy = threading.Event()
        release = threading.Event()

        def hold_the_journal() -> None:  # as a commit waiting for a slow fsync would
            with journal._lock:
                busy.set()
                release.wait(10)

        holder = threading.Thread(target=hold_the_journal)
        holder.start()
        busy.wait(10)
        log = PartLog(journal, rec.id)
        for number in (1, 2, 3):
            log.add(PartRecord(number, f"e{number}", f"c{number}", 10))  # returns at once
        assert holder.is_alive()
        release.set()
        log.close()
        holder.join()
    with Journal() as reopened:
        assert reopened.parts(rec.id) == {n: PartRecord(n, f"e{n}", f"c{n}", 10) for n in (1, 2, 3)}


def test_a_journal_that_cannot_write_fails_the_close_not_a_worker() -> None:
    with Journal() as journal:
        rec = journaled_upload(journal, state="uploading")
        with closing(PartLog(journal, rec.id)) as log:
            log.add(PartRecord(1, "e1", "c1", 10))
        with (
            pytest.raises(sqlite3.IntegrityError),
            closing(PartLog(journal, "no-such-upload")) as log,
        ):
            log.add(PartRecord(1, "e1", "c1", 10))  # the parts table's foreign key
        assert journal.parts(rec.id) == {1: PartRecord(1, "e1", "c1", 10)}
        assert journal.parts("no-such-upload") == {}
