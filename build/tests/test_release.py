"""Tests of the release helpers: ``python -m pytest build/tests`` (.ci/run runs them)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BUILD))

import release  # noqa: E402


@pytest.mark.parametrize(
    ("version", "numeric"),
    [
        ("0.2.0rc1", "0.2.0.0"),
        ("0.2.0", "0.2.0.0"),
        ("0.2", "0.2.0.0"),
        ("1.2.3b4", "1.2.3.0"),
        ("1.2.3.dev7", "1.2.3.0"),
        ("1.2.3.post2", "1.2.3.0"),
        ("1.2.3.4.5", "1.2.3.4"),
    ],
)
def test_numeric_version(version: str, numeric: str) -> None:
    assert release.numeric_version(version) == numeric


def test_numeric_version_rejects_what_windows_cannot_store() -> None:
    with pytest.raises(ValueError, match="65535"):
        release.numeric_version("2026.70000")


@pytest.mark.parametrize(
    ("version", "pre"), [("0.2.0rc1", True), ("0.2.0.dev1", True), ("0.2.0", False)]
)
def test_is_prerelease(version: str, pre: bool) -> None:
    assert release.is_prerelease(version) is pre


def test_unsigned_without_configuration() -> None:
    assert release.windows_sign_command({}) is None
    assert release.windows_sign_command({release.ENV_CERT_SHA1: "  "}) is None


def test_sign_command_from_a_thumbprint() -> None:
    command = release.windows_sign_command(
        {release.ENV_CERT_SHA1: "AB CD 12", release.ENV_SIGNTOOL: r"C:\Kits\signtool.exe"}
    )
    assert command is not None
    assert command.startswith(r"$qC:\Kits\signtool.exe$q sign /fd SHA256")
    assert "/sha1 ABCD12" in command
    assert f"/tr {release.DEFAULT_TIMESTAMP_URL}" in command
    assert command.endswith(" $f")
    assert '"' not in command  # ISCC's command line has no escaped quotes


def test_sign_command_given_whole() -> None:
    env = {release.ENV_SIGN_COMMAND: 'signer "a b" $f', release.ENV_CERT_SHA1: "ignored"}
    assert release.windows_sign_command(env) == "signer $qa b$q $f"
    with pytest.raises(ValueError, match=r"\$f"):
        release.windows_sign_command({release.ENV_SIGN_COMMAND: "signer"})


def test_iscc_arguments() -> None:
    script, source, out = Path("c.iss"), Path("dist/coachadmin"), Path("dist")
    unsigned = release.iscc_arguments("0.2.0rc1", script, None, source, out)
    assert unsigned[:2] == ["/DAppVersion=0.2.0rc1", "/DAppNumericVersion=0.2.0.0"]
    assert unsigned[-1] == "c.iss"
    assert not any(a.startswith(("/S", "/DSignToolName")) for a in unsigned)
    signed = release.iscc_arguments("0.2.0", script, "tool $f", source, out)
    assert "/DSignToolName=coachadmin" in signed
    assert "/Scoachadmin=tool $f" in signed


def test_sha256sums(tmp_path: Path) -> None:
    (tmp_path / "b.exe").write_bytes(b"installer")
    (tmp_path / "a.dmg").write_bytes(b"")
    text = release.sha256sums([tmp_path / "b.exe", tmp_path / "a.dmg"])
    assert text == (
        f"{hashlib.sha256(b'').hexdigest()}  a.dmg\n"
        f"{hashlib.sha256(b'installer').hexdigest()}  b.exe\n"
    )
    if shutil.which("sha256sum"):  # the format `sha256sum -c` checks
        (tmp_path / "SHA256SUMS").write_text(text, encoding="utf-8")
        subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, check=True)
