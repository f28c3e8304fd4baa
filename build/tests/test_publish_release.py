"""The release step, on stand-in artifacts (``--dry-run``: no gh, no network)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BUILD))

import publish_release  # noqa: E402

from coachadmin.services.updates import newer_release  # noqa: E402


def _artifacts(root: Path, version: str, prerelease: bool) -> Path:
    for name, installer in (
        ("coachadmin-windows-x64", f"coachadmin-{version}-windows-x64-setup.exe"),
        ("coachadmin-macos-arm64", f"coachadmin-{version}-macos-arm64.dmg"),
        ("coachadmin-macos-x86_64", f"coachadmin-{version}-macos-x86_64.dmg"),
    ):
        folder = root / name
        (folder / "dist").mkdir(parents=True)
        (folder / "dist" / installer).write_bytes(installer.encode())
        work = folder / "build" / "pyinstaller-work"
        work.mkdir(parents=True)
        report = {"version": version, "prerelease": prerelease}
        (work / "report.json").write_text(json.dumps(report), encoding="utf-8")
        (work / "left-out.txt").write_text("", encoding="utf-8")
    return root


def test_a_prerelease_tag_publishes_installers_and_sums(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifacts = _artifacts(tmp_path, "0.2.0rc1", prerelease=True)
    assert publish_release.main(["v0.2.0rc1", str(artifacts), "--dry-run"]) == 0
    sums = (artifacts / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert [line.split("  ")[1] for line in sums] == [
        "coachadmin-0.2.0rc1-macos-arm64.dmg",
        "coachadmin-0.2.0rc1-macos-x86_64.dmg",
        "coachadmin-0.2.0rc1-windows-x64-setup.exe",
    ]
    command = capsys.readouterr().out.splitlines()[-1]
    assert command.startswith("gh release create v0.2.0rc1 --verify-tag")
    assert "--prerelease" in command
    assert command.endswith("SHA256SUMS " + str(artifacts / "update-feed.json"))
    assert "left-out.txt" not in command


def test_the_release_feed_leads_the_app_to_its_own_installer(tmp_path: Path) -> None:
    artifacts = _artifacts(tmp_path, "0.3.0", prerelease=False)
    assert publish_release.main(
        ["v0.3.0", str(artifacts), "--dry-run", "--download-base", "https://dl.example/v0.3.0",
         "--notes", "Folder uploads."]
    ) == 0  # fmt: skip
    feed = (artifacts / "update-feed.json").read_bytes()
    found = newer_release(feed, current="0.2.0", platform_name="macos-x86_64")
    assert found is not None
    assert found.url == "https://dl.example/v0.3.0/coachadmin-0.3.0-macos-x86_64.dmg"
    installer = next(artifacts.rglob(found.name))
    assert found.sha256 == hashlib.sha256(installer.read_bytes()).hexdigest()
    assert found.notes == "Folder uploads."
    windows = newer_release(feed, current="0.2.0", platform_name="windows-x64")
    assert windows is not None and windows.name.endswith("-windows-x64-setup.exe")


def test_a_release_is_not_a_prerelease(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    artifacts = _artifacts(tmp_path, "0.2.0", prerelease=False)
    assert publish_release.main(["v0.2.0", str(artifacts), "--dry-run"]) == 0
    assert "--prerelease" not in capsys.readouterr().out


def test_a_tag_that_is_not_the_version_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifacts = _artifacts(tmp_path, "0.2.0rc1", prerelease=True)
    assert publish_release.main(["v0.2.0", str(artifacts), "--dry-run"]) == 1
    assert "tag v0.2.0 but the builds say version 0.2.0rc1" in capsys.readouterr().err
    assert not (artifacts / "SHA256SUMS").exists()
