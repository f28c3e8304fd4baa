"""The transfer panel after a restart: rows resume with their own connection's credentials
(a real keychain), and a row whose connection is gone says so, takes another connection,
or is removed from the list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import SecretService
from PySide6.QtCore import QItemSelectionModel
from support.faultproxy import FaultProxy
from support.keychain import gnome_keyring
from support.transfers import get_bytes, make_bucket, multipart_uploads, write_random

from coachadmin import profiles
from coachadmin.transfers.config import MiB
from coachadmin.transfers.events import TransferState
from coachadmin.ui.main_window import MainWindow
from coachadmin.ui.transfers.model import STATE
from tests.integration.test_resume_with_connection import (
    ACCESS_KEY,
    SECRET,
    _user_env,
    add_connection,
    upload_killed_midway,
)


@pytest.fixture
def desktop_keychain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A real keychain for this process and its children; no AWS keys in the environment."""
    # The default chosen before the desktop's D-Bus is in the environment: chosen inside,
    # it would be the Secret Service, left to the tests after this one without a D-Bus.
    previous = keyring.get_keyring()
    with gnome_keyring(tmp_path / "desktop") as desktop:
        for name, value in desktop.items():
            monkeypatch.setenv(name, value)
        keyring.set_keyring(SecretService.Keyring())
        try:
            yield _user_env(desktop)
        finally:
            keyring.set_keyring(previous)


def _state(window: MainWindow, transfer_id: str) -> TransferState | None:
    model = window.workspace.transfers.model
    row = model.row_of(transfer_id)
    return None if row is None else model.transfer(row).state  # type: ignore[union-attr]


def _select(window: MainWindow, transfer_id: str) -> None:
    panel = window.workspace.transfers
    flags = QItemSelectionModel.SelectionFlag
    row = panel.model.row_of(transfer_id)
    assert row is not None
    panel.queue.selectionModel().select(
        panel.model.index(row, 0), flags.ClearAndSelect | flags.Rows
    )


@pytest.mark.slow
def test_after_a_kill_9_the_window_restores_the_upload_and_finishes_it_from_the_keychain(
    qtbot,
    window: MainWindow,
    s3_server: str,
    tmp_path: Path,
    desktop_keychain: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket = make_bucket(s3_server)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # only the keychain has keys
        monkeypatch.delenv(name)
    data = write_random(tmp_path / "lesson.mp4", 30 * MiB)
    with FaultProxy(s3_server, rate=5 * MiB) as proxy:
        add_connection(
            desktop_keychain, "media", bucket, proxy.url, f"--keychain {ACCESS_KEY} --secret-stdin"
        )
        transfer_id = upload_killed_midway(desktop_keychain, proxy, tmp_path / "lesson.mp4", bucket)
        proxy.up_limit = None
        # The app opens on the saved connection, as at a relaunch: the row comes back and runs.
        window.set_connection(profiles.resolve(profiles.get_profile("media")))
        qtbot.waitUntil(lambda: _state(window, transfer_id) is TransferState.DONE, timeout=60000)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data
    assert multipart_uploads(s3_server, bucket) == []


@pytest.mark.slow
def test_a_row_whose_connection_is_gone_says_so_and_can_be_continued_or_removed(
    qtbot, window: MainWindow, s3_server: str, tmp_path: Path, memory_keyring: object
) -> None:
    env = _user_env({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 30 * MiB)
    write_random(tmp_path / "intro.mp4", 30 * MiB)
    with FaultProxy(s3_server, rate=5 * MiB) as proxy:
        add_connection(env, "media", bucket, proxy.url, "--environment")
        first = upload_killed_midway(env, proxy, tmp_path / "lesson.mp4", bucket)
        add_connection(env, "gone", bucket, proxy.url, "--environment")
        second = upload_killed_midway(env, proxy, tmp_path / "intro.mp4", bucket)
    # Both connections are removed (and the proxy they pointed at is gone too).
    for name in ("media", "gone"):
        profiles.remove_profile(name)
    add_connection(env, "media-2", bucket, s3_server, "--environment")
    window.set_connection(profiles.resolve(profiles.get_profile("media-2")))
    qtbot.waitUntil(
        lambda: (
            _state(window, first) is TransferState.FAILED
            and _state(window, second) is TransferState.FAILED
        ),
        timeout=30000,
    )
    model = window.workspace.transfers.model
    status = model.index(model.row_of(first), STATE).data()  # type: ignore[arg-type]
    assert "no longer exists" in str(status)

    panel = window.workspace.transfers
    panel.choose_connection = lambda _parent, names: "media-2" if "media-2" in names else None
    _select(window, first)
    assert panel.use_connection_action.isEnabled()
    panel.use_connection_action.trigger()
    qtbot.waitUntil(lambda: _state(window, first) is TransferState.DONE, timeout=60000)
    assert get_bytes(s3_server, bucket, "videos/lesson.mp4") == data

    _select(window, second)
    assert panel.remove_action.isEnabled()
    panel.remove_action.trigger()
    qtbot.waitUntil(lambda: model.row_of(second) is None, timeout=30000)
    # The transfer's last event (cancelled) comes after: it must not bring the row back.
    qtbot.waitUntil(lambda: window.transfers.state(second) is TransferState.CANCELLED)
    assert model.row_of(second) is None
    notices = [item.message.text for item in window.banner.items()]
    assert any(f"coachadmin orphans s3://{bucket} --abort" in text for text in notices), notices
    assert [u["Key"] for u in multipart_uploads(s3_server, bucket)] == ["videos/intro.mp4"]
