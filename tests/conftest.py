"""Fixtures shared by every test: an isolated app home and real servers over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from moto.server import ThreadedMotoServer

# Qt never opens a real window in tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# boto3 must never find a developer's real credentials or config.
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"  # obviously fake
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


@pytest.fixture(autouse=True)
def app_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own COACHADMIN_HOME: settings, journal and logs never leak."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("COACHADMIN_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free loopback port, over real HTTP; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    """An in-memory keychain (a keyring backend) for one test; yields its contents."""
    # Before the class below exists: keyring's first lookup would pick it as the default.
    previous = keyring.get_keyring()
    store: dict[tuple[str, str], str] = {}

    class MemoryKeyring(KeyringBackend):
        priority = -1  # never picked by keyring's own detection: only set explicitly

        def get_password(self, service: str, username: str) -> str | None:
            return store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if store.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    keyring.set_keyring(MemoryKeyring())
    yield store
    keyring.set_keyring(previous)
