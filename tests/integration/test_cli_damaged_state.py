"""Broken local state never ends a command with a traceback: a damaged journal is moved
aside and said so in one line, and a home that cannot be written still lets the commands
that need nothing from it work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coachadmin import paths
from tests.support.transfers import run_cli


@pytest.mark.parametrize("damage", ["truncated", "garbage", "a folder"])
def test_a_damaged_journal_is_moved_aside_and_the_commands_go_on(damage: str) -> None:
    journal = paths.journal_path()
    assert run_cli("uploads").returncode == 0  # a journal exists
    if damage == "truncated":
        with journal.open("r+b") as handle:
            handle.truncate(100)
    elif damage == "garbage":
        journal.write_bytes(os.urandom(8192))
    else:
        journal.unlink()
        (journal.parent / f"{journal.name}-wal").unlink(missing_ok=True)
        journal.mkdir()
    listed = run_cli("uploads")
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    notice = [line for line in listed.stderr.splitlines() if line.strip()]
    assert len(notice) == 1 and "the transfer journal was damaged" in notice[0], notice
    assert "coachadmin orphans" in notice[0]
    assert listed.stdout.strip() == "no unfinished uploads"
    moved = list(journal.parent.glob(f"{journal.name}.damaged-*"))
    assert len(moved) == 1
    again = run_cli("uploads")  # the new journal is sound: no more notices
    assert again.returncode == 0 and again.stderr == ""


def test_a_home_that_cannot_be_written_gives_one_line_and_presign_still_works(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    env = {**os.environ, "COACHADMIN_HOME": str(blocked / "home")}
    for args in (("uploads",), ("resume", "--all"), ("orphans", "s3://some-bucket")):
        failed = run_cli(*args, env=env)
        assert failed.returncode != 0
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot make the folder" in lines[0], failed.stderr
    link = run_cli(
        "presign", "s3://some-bucket/k.mp4", "--region", "eu-north-1", "--no-check", env=env
    )
    assert link.returncode == 0, link.stderr
    assert link.stdout.startswith("https://some-bucket.s3.eu-north-1.amazonaws.com/k.mp4?")
