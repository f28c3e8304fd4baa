"""The keychain: secrets through keyring, masked once seen, never a plaintext fallback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked

from coachadmin import secrets
from coachadmin.redact import MASK, redact

Store = dict[tuple[str, str], str]


class PlaintextKeyring(KeyringBackend):
    """Stands for keyrings.alt's file backend: it works, and must still be refused."""

    priority = -1  # never picked by keyring's own detection: only set explicitly
    written: dict[tuple[str, str], str] = {}  # noqa: RUF012

    def get_password(self, service: str, username: str) -> str | None:
        return self.written.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.written[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.written.pop((service, username), None)


class LockedKeyring(KeyringBackend):
    """A Secret Service that is there but cannot be used (no D-Bus session, locked)."""

    priority = -1  # never picked by keyring's own detection: only set explicitly

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


@pytest.fixture
def use_backend() -> Iterator[Callable[[KeyringBackend], None]]:
    previous = keyring.get_keyring()

    def use(backend: KeyringBackend) -> None:
        keyring.set_keyring(backend)

    yield use
    keyring.set_keyring(previous)


def test_a_secret_round_trips_and_is_masked_from_then_on(memory_keyring: Store) -> None:
    secret = "FAKEsecretDO-NOT-LOG-unit-0a1b"
    secrets.set_secret("staging/backend", secret)
    assert memory_keyring[("coachadmin", "staging/backend")] == secret
    assert secrets.get_secret("staging/backend") == secret
    assert redact(f"token was {secret} here") == f"token was {MASK} here"
    assert secrets.delete_secret("staging/backend") is True
    assert secrets.get_secret("staging/backend") is None
    assert secrets.delete_secret("staging/backend") is False


def test_a_secret_read_from_the_keychain_is_masked(memory_keyring: Store) -> None:
    secret = "FAKEsecretDO-NOT-LOG-read-only-77e"
    memory_keyring[("coachadmin", "other/backend")] = secret  # put there by an earlier run
    assert redact(secret) == secret  # nothing known yet...
    assert secrets.get_secret("other/backend") == secret
    assert redact(secret) == MASK  # ...masked as soon as the app has seen it


def test_the_aws_key_pair_is_one_entry_per_profile(memory_keyring: Store) -> None:
    keys = secrets.AwsKeyPair("AKIAEXAMPLE000000001", "FAKEsecretDO-NOT-LOG-pair-5c6d")
    secrets.set_aws_keys("production", keys)
    assert list(memory_keyring) == [("coachadmin", "production/aws")]
    assert secrets.get_aws_keys("production") == keys
    assert secrets.get_aws_keys("staging") is None
    assert "FAKEsecret" not in repr(keys)
    assert "AKIAEXAMPLE000000001" in repr(keys)
    assert secrets.delete_aws_keys("production") is True
    assert memory_keyring == {}


def test_a_damaged_entry_says_what_to_do(memory_keyring: Store) -> None:
    memory_keyring[("coachadmin", "p/aws")] = "not json"
    with pytest.raises(secrets.KeychainError, match=r"(?i)enter the access key again"):
        secrets.get_aws_keys("p")


def test_the_working_keychain_is_reported(memory_keyring: Store) -> None:
    status = secrets.keychain_status()
    assert status.available
    assert "MemoryKeyring" in status.backend


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextKeyring()])
def test_no_real_keychain_means_no_secret_is_kept_anywhere(
    backend: KeyringBackend, use_backend: Callable[[KeyringBackend], None], app_home: Path
) -> None:
    use_backend(backend)
    PlaintextKeyring.written.clear()
    status = secrets.keychain_status()
    assert not status.available
    assert "AWS profile" in status.message
    assert "AWS_ACCESS_KEY_ID" in status.message
    assert "never stores keys in a plain file" in status.message
    keys = secrets.AwsKeyPair("AKIAEXAMPLE000000002", "FAKEsecretDO-NOT-LOG-nokeychain-3e")
    with pytest.raises(secrets.KeychainUnavailable, match="AWS profile"):
        secrets.set_aws_keys("p", keys)
    assert secrets.get_aws_keys("p") is None
    assert PlaintextKeyring.written == {}
    written = [p for p in app_home.rglob("*") if p.is_file()]
    assert all(keys.secret_access_key not in p.read_text(errors="replace") for p in written)


def test_a_broken_keychain_is_reported_with_its_reason(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    use_backend(LockedKeyring())
    status = secrets.keychain_status()
    assert not status.available
    assert "locked" in status.message
    with pytest.raises(secrets.KeychainError, match="Unlock the keychain"):
        secrets.get_secret("p/aws")
