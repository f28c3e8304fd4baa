"""The release step, on stand-in artifacts (``--dry-run``: no gh, no network)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BUILD))

import publish_release  # noqa: E402


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
    assert command.endswith("SHA256SUMS")
    assert "left-out.txt" not in command


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
