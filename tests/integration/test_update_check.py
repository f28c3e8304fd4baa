"""The update check over real HTTP: the feed read, compared, and the installer verified."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from coachadmin.services.updates import (
    UpdateError,
    download,
    feed_url,
    newer_release,
    read_feed,
    version_key,
)
from coachadmin.settings import Settings
from tests.support.rogue_backend import Reply, RogueBackend

INSTALLER = os.urandom(3 * 1024 * 1024 + 17)
PLATFORM = "windows-x64"


def feed(version: str, url: str, sha256: str = hashlib.sha256(INSTALLER).hexdigest()) -> bytes:
    name = f"coachadmin-{version}-{PLATFORM}-setup.exe"
    return json.dumps(
        {
            "version": version,
            "notes": "Uploads of whole folders; a faster check-links.",
            "installers": [
                {"platform": "macos-arm64", "name": "other.dmg", "url": url, "sha256": "0" * 64},
                {"platform": PLATFORM, "name": name, "url": url, "sha256": sha256, "size": 5},
            ],
        }
    ).encode()


@pytest.fixture
def server() -> Iterator[RogueBackend]:
    with RogueBackend() as backend:
        backend.answer("GET /setup.exe", Reply(body=INSTALLER, headers={}))
        yield backend


def test_a_newer_release_is_found_for_this_platform(server: RogueBackend) -> None:
    server.answer("GET /feed.json", Reply(body=feed("0.3.0", f"{server.url}/setup.exe")))
    found = newer_release(
        read_feed(f"{server.url}/feed.json"), current="0.2.0rc1", platform_name=PLATFORM
    )
    assert found is not None
    assert (found.version, found.name) == ("0.3.0", "coachadmin-0.3.0-windows-x64-setup.exe")
    assert found.notes.startswith("Uploads of whole folders")


@pytest.mark.parametrize("current", ["0.3.0", "0.3.1", "1.0.0rc1"])
def test_the_same_or_an_older_release_is_not_offered(current: str) -> None:
    assert (
        newer_release(feed("0.3.0", "https://x/y"), current=current, platform_name=PLATFORM) is None
    )


def test_a_release_without_this_platform_is_not_offered() -> None:
    assert (
        newer_release(feed("0.3.0", "https://x/y"), current="0.2.0", platform_name="linux-x86_64")
        is None
    )


def test_pre_releases_order_before_their_release() -> None:
    ordered = ["0.2.0a1", "0.2.0b2", "0.2.0rc1", "0.2.0", "0.2.1", "0.10.0", "1.0"]
    assert sorted(ordered, key=version_key) == ordered


def test_the_installer_is_kept_only_when_its_sha256_matches(
    server: RogueBackend, tmp_path: Path
) -> None:
    update = newer_release(
        feed("0.3.0", f"{server.url}/setup.exe"), current="0.2.0", platform_name=PLATFORM
    )
    assert update is not None
    seen: list[int] = []
    saved = download(update, tmp_path, progress=lambda done, _total: seen.append(done))
    assert saved.read_bytes() == INSTALLER
    assert seen[-1] == len(INSTALLER)
    assert sorted(p.name for p in tmp_path.iterdir()) == [update.name]


def test_a_tampered_installer_is_deleted_and_said(server: RogueBackend, tmp_path: Path) -> None:
    update = newer_release(
        feed("0.3.0", f"{server.url}/setup.exe", sha256="ab" * 32),
        current="0.2.0",
        platform_name=PLATFORM,
    )
    assert update is not None
    with pytest.raises(UpdateError, match="does not match the release's SHA-256"):
        download(update, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "body",
    [b"<html>Sign in to the proxy</html>", b"[" * 60_000, b'{"version": "soon"}', b"{}"],
)
def test_a_feed_that_is_not_one_is_one_clear_error(server: RogueBackend, body: bytes) -> None:
    server.answer("GET /feed.json", Reply(body=body))
    with pytest.raises(UpdateError, match="not one coachadmin can read"):
        newer_release(read_feed(f"{server.url}/feed.json"), current="0.2.0", platform_name=PLATFORM)


def test_a_huge_or_missing_feed_is_refused(server: RogueBackend) -> None:
    server.answer("GET /big.json", Reply(body=b" " * (1024 * 1024)))
    with pytest.raises(UpdateError, match="too large"):
        read_feed(f"{server.url}/big.json")
    server.answer("GET /gone.json", Reply(status=404, body=b"no"))
    with pytest.raises(UpdateError, match="HTTP 404"):
        read_feed(f"{server.url}/gone.json")


def test_the_feed_url_comes_from_the_settings_and_updates_can_be_off() -> None:
    assert feed_url(Settings(update_feed_url="https://releases.example/feed.json")) == (
        "https://releases.example/feed.json"
    )
    assert feed_url(Settings(check_for_updates=False, update_feed_url="https://x/f")) is None
    assert feed_url(Settings()) is None  # this build names no feed
