"""The update line in the status bar: found over HTTP, held back during transfers, and the
installer saved only when its SHA-256 is the feed's."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from coachadmin import __version__
from coachadmin.connection import Connection
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.services.updates import this_platform, version_key
from coachadmin.settings import Settings
from coachadmin.transfers.config import MiB
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.update_notice import UpdateNotice
from tests.support.faultproxy import FaultProxy
from tests.support.rogue_backend import Reply, RogueBackend

WAIT = 10_000
INSTALLER = os.urandom(2 * 1024 * 1024)
NEXT = f"{version_key(__version__)[0]}.{version_key(__version__)[1] + 1}.0"


@pytest.fixture
def server() -> Iterator[RogueBackend]:
    with RogueBackend() as backend:
        backend.answer("GET /setup", Reply(body=INSTALLER, headers={}))
        yield backend


def publish(server: RogueBackend, version: str, sha256: str | None = None) -> str:
    entry = {
        "platform": this_platform(),
        "name": f"coachadmin-{version}-{this_platform()}.tar.gz",
        "url": f"{server.url}/setup",
        "sha256": sha256 or hashlib.sha256(INSTALLER).hexdigest(),
        "size": len(INSTALLER),
    }
    feed = {"version": version, "notes": "Folder uploads.", "installers": [entry]}
    server.answer("GET /feed.json", Reply(body=json.dumps(feed).encode()))
    return f"{server.url}/feed.json"


def notice_for(
    qtbot, window: MainWindow, url: str, tmp_path: Path, **settings: object
) -> UpdateNotice:
    notice = UpdateNotice(
        window.bridge,
        window.transfers,
        settings=lambda: Settings(update_feed_url=url, **settings),  # type: ignore[arg-type]
        folder=lambda: tmp_path,
    )
    window.statusBar().addPermanentWidget(notice)
    window.show()
    qtbot.waitExposed(window)
    return notice


def test_a_newer_release_shows_one_line_and_downloads_a_checked_installer(
    qtbot, window, server, tmp_path
):
    notice = notice_for(qtbot, window, publish(server, NEXT), tmp_path)
    notice.start(delay_ms=0)
    qtbot.waitUntil(notice.isVisible, timeout=WAIT)
    assert notice.label.text() == f"coachadmin {NEXT} is available"
    assert notice.toolTip() == "Folder uploads."
    qtbot.mouseClick(notice.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: notice.saved is not None, timeout=WAIT)
    assert notice.saved is not None and notice.saved.read_bytes() == INSTALLER
    assert "quit coachadmin, then open it" in notice.label.text()
    assert notice.download_button.text() == "Show in folder"


def test_a_tampered_installer_is_not_kept_and_the_line_says_why(qtbot, window, server, tmp_path):
    notice = notice_for(qtbot, window, publish(server, NEXT, sha256="ab" * 32), tmp_path)
    notice.start(delay_ms=0)
    qtbot.waitUntil(notice.isVisible, timeout=WAIT)
    qtbot.mouseClick(notice.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "SHA-256" in notice.label.text(), timeout=WAIT)
    assert list(tmp_path.iterdir()) == []
    assert notice.download_button.isEnabled()


@pytest.mark.parametrize("case", ["same version", "switched off"])
def test_nothing_is_shown_without_a_newer_release_or_when_switched_off(
    qtbot, window, server, tmp_path, case
):
    if case == "same version":
        notice = notice_for(qtbot, window, publish(server, __version__), tmp_path)
    else:
        url = publish(server, NEXT)
        notice = notice_for(qtbot, window, url, tmp_path, check_for_updates=False)
    notice.start(delay_ms=0)
    qtbot.wait(500)
    assert not notice.isVisible()
    assert server.hits.get("GET /feed.json", 0) == (1 if case == "same version" else 0)


def test_the_line_waits_while_an_upload_runs(qtbot, window, server, s3_server, tmp_path):
    bucket = f"un-{uuid.uuid4().hex[:12]}"
    make_client(S3Settings(endpoint_url=s3_server)).create_bucket(Bucket=bucket)
    video = tmp_path / "lesson.mp4"
    video.write_bytes(os.urandom(6 * MiB))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    notice = notice_for(qtbot, window, publish(server, NEXT), downloads)
    with FaultProxy(s3_server, rate=4 * MiB) as proxy:
        settings = S3Settings(endpoint_url=proxy.url, region="us-east-1")
        window.transfers.upload(
            video, "lesson.mp4", Connection(name="T", bucket=bucket, s3=settings)
        )
        qtbot.waitUntil(lambda: window.transfers.unfinished() != [], timeout=WAIT)
        notice.start(delay_ms=0)
        qtbot.waitUntil(lambda: notice.release is not None, timeout=WAIT)
        assert not notice.isVisible()  # found, and held back while the upload runs
        qtbot.waitUntil(lambda: window.transfers.unfinished() == [], timeout=30_000)
    qtbot.waitUntil(notice.isVisible, timeout=WAIT)


def test_a_dismissed_line_stays_hidden_until_the_next_start(qtbot, window, server, tmp_path):
    notice = notice_for(qtbot, window, publish(server, NEXT), tmp_path)
    notice.start(delay_ms=0)
    qtbot.waitUntil(notice.isVisible, timeout=WAIT)
    qtbot.mouseClick(notice.dismiss_button, Qt.MouseButton.LeftButton)
    assert not notice.isVisible()
    window.transfers.events.emit([])  # transfers going idle again bring nothing back
    qtbot.wait(100)
    assert not notice.isVisible()
