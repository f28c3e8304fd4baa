"""The journal: durable, versioned, one live owner per transfer."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from coachadmin import paths
from coachadmin.transfers.journal import (
    _SCHEMA_V1,
    FINISHED_KEPT_SECONDS,
    SCHEMA_VERSION,
    Journal,
    PartRecord,
    TransferBusy,
)
from tests.support.transfers import journaled_upload


def test_the_journal_lives_under_coachadmin_home(app_home: Path) -> None:
    with Journal() as journal:
        assert journal.path == paths.journal_path()
        assert str(journal.path).startswith(str(app_home))
    with sqlite3.connect(paths.journal_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ids_are_short_and_typable() -> None:
    with Journal() as journal:
        ids = {journal.new_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 6 and i.isalnum() and i == i.lower() for i in ids)
    assert not any(c in i for i in ids for c in "0o1li")


def _open_from_threads(count: int, use: Callable[[Journal], object]) -> list[BaseException]:
    """Open the journal from ``count`` threads at once; the errors they met."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def open_one() -> None:
        start.wait()
        try:
            with Journal() as journal:
                use(journal)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_threads_opening_a_new_journal_at_once_both_succeed() -> None:
    assert _open_from_threads(4, lambda journal: journal.new_id()) == []


def _write_version_1_journal(path: Path) -> None:
    """A journal as version 1 left it: an upload in flight with one MD5 part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA_V1 + "PRAGMA user_version=1;")
    db.execute(
        "INSERT INTO uploads (id, path, size, mtime_ns, part_size, bucket, key, upload_id, "
        "state, created_at, updated_at) VALUES "
        "('old111', '/tmp/f', 100, 1, 5, 'b', 'k', 'U1', 'paused', 0, 0)"
    )
    db.execute("INSERT INTO parts VALUES ('old111', 1, 'e1', 'm1', 5)")
    db.commit()
    db.close()


def test_a_version_1_journal_is_migrated_and_its_uploads_resume_as_md5() -> None:
    _write_version_1_journal(paths.journal_path())
    assert _open_from_threads(4, lambda journal: journal.get_upload("old111")) == []
    with Journal() as journal:
        upload = journal.get_upload("old111")
        assert upload.checksum_algorithm == "md5" and upload.upload_id == "U1"
        # A transfer journaled before connections were: it resumes as it did then.
        assert upload.connection is None
        assert journal.parts("old111") == {1: PartRecord(1, "e1", "m1", 5)}
    with sqlite3.connect(paths.journal_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4


def test_parts_survive_a_reopen_and_a_restart_forgets_them() -> None:
    with Journal() as journal:
        rec = journaled_upload(journal)
        journal.update_upload(rec.id, upload_id="U1", state="uploading")
        journal.record_part(rec.id, PartRecord(1, "e1", "m1", 5))
        journal.record_part(rec.id, PartRecord(2, "e2", "m2", 5))
    with Journal() as journal:
        again = journal.get_upload(rec.id)
        assert again.upload_id == "U1" and again.metadata == {"a": "b"}
        assert sorted(journal.parts(rec.id)) == [1, 2]
        assert journal.known_upload_ids() == {"U1"}
        journal.restart_upload(rec.id, size=200, upload_id=None)
        assert journal.parts(rec.id) == {}
        assert journal.get_upload(rec.id).size == 200


def test_finishing_an_upload_marks_it_done_and_forgets_its_parts_at_once() -> None:
    with Journal() as journal:
        rec = journaled_upload(journal, state="verifying", error="slow down")
        journal.record_parts(rec.id, [PartRecord(1, "e1", "c1", 5), PartRecord(2, "e2", "c2", 5)])
        journal.finish_upload(rec.id, "abc-2")
    with Journal() as journal:
        done = journal.get_upload(rec.id)
        assert (done.state, done.etag, done.error) == ("done", "abc-2", "")
        assert journal.parts(rec.id) == {}
        assert journal.list_uploads() == []


def test_finished_uploads_are_not_listed() -> None:
    with Journal() as journal:
        a, b, c = journaled_upload(journal), journaled_upload(journal), journaled_upload(journal)
        journal.update_upload(b.id, state="done")
        journal.update_upload(c.id, state="cancelled")
        assert [u.id for u in journal.list_uploads()] == [a.id]
        assert len(journal.list_uploads(unfinished=False)) == 3


def test_a_dead_owner_does_not_block_but_a_live_one_does() -> None:
    with Journal() as journal:
        rec = journaled_upload(journal)
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        journal.update_upload(rec.id, owner_pid=int(dead.stdout))
        journal.claim("uploads", rec.id)  # the old owner is gone (kill -9, reboot)
        assert journal.get_upload(rec.id).owner_pid == os.getpid()
        journal.release("uploads", rec.id)
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            journal.update_upload(rec.id, owner_pid=sleeper.pid)
            with pytest.raises(TransferBusy):
                journal.claim("uploads", rec.id)
        finally:
            sleeper.kill()
            sleeper.wait()


def test_a_newer_schema_is_left_alone(app_home: Path) -> None:
    Journal().close()
    with sqlite3.connect(paths.journal_path()) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with Journal() as journal:  # opens without migrating or failing
        assert journal.list_uploads() == []


def test_transfers_finished_over_a_month_ago_are_forgotten_at_the_next_start() -> None:
    with Journal() as journal:
        old_done, old_cancelled, old_paused, new_done = (journaled_upload(journal) for _ in "abcd")
        journal.record_part(old_done.id, PartRecord(1, "e1", "c1", 5))
        for record, state in ((old_done, "done"), (old_cancelled, "cancelled"),
                              (old_paused, "paused"), (new_done, "done")):  # fmt: skip
            journal.update_upload(record.id, state=state)
        month_ago = time.time() - FINISHED_KEPT_SECONDS - 60
        with sqlite3.connect(paths.journal_path()) as db:
            db.executemany(
                "UPDATE uploads SET updated_at=? WHERE id=?",
                [(month_ago, r.id) for r in (old_done, old_cancelled, old_paused)],
            )
    with Journal() as journal:
        kept = {u.id for u in journal.list_uploads(unfinished=False)}
        assert kept == {old_paused.id, new_done.id}  # a paused upload waits however long
        assert journal.parts(old_done.id) == {}
        with pytest.raises(KeyError):
            journal.get_upload(old_done.id)
