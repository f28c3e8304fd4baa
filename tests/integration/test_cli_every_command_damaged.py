"""Every subcommand, run with broken local state, ends in clear lines and never a traceback.

Each command runs as a real process against servers that refuse connections (nothing
listens on the discard port), so what is checked is how it meets the damage, not a
network answer: at most one line for the damage (said once, then set aside) and one for
the command's own outcome, each starting with ``coachadmin:``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.integration.test_cli_process import _subcommands
from tests.support.transfers import run_cli

DEAD = "http://127.0.0.1:9"  # the discard port: connections are refused at once
S3 = ("--endpoint-url", DEAD)


def _invocations(file: Path, target: Path) -> dict[str, tuple[str, ...]]:
    """One run of every subcommand, with the arguments it needs to reach its real work."""
    return {
        "upload": ("upload", str(file), "s3://some-bucket/x/", *S3),
        "download": ("download", "s3://some-bucket/x/f.txt", str(target / "out.txt"), *S3),
        "uploads": ("uploads",),
        "downloads": ("downloads",),
        "resume": ("resume", "--all"),
        "abort": ("abort", "1"),
        "orphans": ("orphans", "s3://some-bucket", *S3),
        "presign": ("presign", "s3://some-bucket/k.mp4", "--region", "eu-north-1", *S3),
        "courses": ("courses",),
        "lessons": ("lessons", "1"),
        "link": ("link", "1", "s3://some-bucket/videos/a.mp4", *S3),
        "unlink": ("unlink", "1"),
        "check-links": ("check-links", "--bucket", "some-bucket", *S3),
        "upload-link": ("upload-link", "--bucket", "some-bucket", "1", str(file), *S3),
        "login": ("login", "--email", "testing@example.com", "--password-stdin"),
        "logout": ("logout",),
        "whoami": ("whoami",),
        "connection": ("connection", "list"),
        # Serves until Ctrl-C when it can start: only run where its home is unusable.
        "demo-server": ("demo-server",),
    }


def _damage_settings_nested(home: Path) -> None:
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text("[" * 100_000, encoding="utf-8")


def _damage_settings_garbage(home: Path) -> None:
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_bytes(os.urandom(4096))


def _damage_databases(home: Path) -> None:
    """The journal is noise and the pending links a folder: neither is a database."""
    (home / "data").mkdir(parents=True)
    (home / "data" / "transfers.sqlite3").write_bytes(os.urandom(8192))
    (home / "data" / "pending-links.sqlite3").mkdir()


DAMAGES: dict[str, Callable[[Path], None]] = {
    "settings nested 100,000 deep": _damage_settings_nested,
    "settings of random bytes": _damage_settings_garbage,
    "journal and pending links damaged": _damage_databases,
}


def _environment(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "COACHADMIN_"))
    }
    return env | {
        "COACHADMIN_HOME": str(home),
        "COACHADMIN_API_URL": DEAD,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_MAX_ATTEMPTS": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }


def _run_all(commands: dict[str, tuple[str, ...]], home: Path) -> dict[str, list[str]]:
    """Each command's stderr lines; the first runs alone, as it meets the damage first."""
    env = _environment(home)
    names = list(commands)

    def one(name: str) -> list[str]:
        result = run_cli(*commands[name], env=env, stdin="testing\n", timeout=120)
        assert "Traceback" not in result.stderr, (name, result.stderr)
        return [line for line in result.stderr.splitlines() if line.strip()]

    first = {names[0]: one(names[0])}
    with ThreadPoolExecutor(max_workers=4) as pool:
        return first | dict(zip(names[1:], pool.map(one, names[1:]), strict=True))


def test_the_table_covers_every_subcommand(tmp_path: Path) -> None:
    assert sorted(_invocations(tmp_path, tmp_path)) == _subcommands()


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_every_command_says_the_damage_once_and_goes_on(damage: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    DAMAGES[damage](home)
    file = tmp_path / "f.txt"
    file.write_text("hello")
    commands = _invocations(file, tmp_path)
    del commands["demo-server"]  # it would start and serve: covered by the read-only home
    seen = _run_all(commands, home)
    for name, lines in seen.items():
        assert len(lines) <= 2, (name, lines)
        assert all(line.startswith("coachadmin: ") for line in lines), (name, lines)
    assert "try again when the network" in seen["orphans"][-1]  # no transfer to resume
    told = [line for lines in seen.values() for line in lines if "damaged" in line]
    if damage.startswith("settings"):
        assert len(told) == 1, told  # moved aside by the first command, said by it alone
        assert "The settings file was damaged" in told[0] and "kept as" in told[0]
        assert list((home / "config").glob("settings.json.corrupt-*"))
    else:
        assert any("the transfer journal was damaged" in line for line in told), told
        assert list((home / "data").glob("transfers.sqlite3.damaged-*"))
    assert not any("damaged" in line for line in run_cli("uploads", env=_environment(home)).stderr)


def test_every_command_in_a_home_that_cannot_be_made_gives_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    file = tmp_path / "f.txt"
    file.write_text("hello")
    seen = _run_all(_invocations(file, tmp_path), blocker / "home")
    for name, lines in seen.items():
        assert len(lines) <= 1, (name, lines)
        assert all(line.startswith("coachadmin: ") for line in lines), (name, lines)
    needs_home = ["upload", "download", "uploads", "downloads", "resume", "abort", "demo-server"]
    for name in needs_home:
        assert "cannot make the folder" in seen[name][0], (name, seen[name])
    assert seen["connection"] == []
    assert len(seen["presign"]) == 1 and "could not check" in seen["presign"][0]  # link printed
