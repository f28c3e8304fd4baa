"""The OS keychain (keyring): the only place coachadmin keeps a secret.

Every read and write goes through this module, and every secret that passes
through it is registered with :func:`coachadmin.redact.register_secret`, so it is
masked in any log or message from then on.

There is no plaintext fallback. When no real keychain backend works (a headless
Linux without a Secret Service, or keyring configured with its fail, null or
plaintext backends), :func:`keychain_status` says so in plain words and every
write raises :class:`KeychainUnavailable`, whose message offers the alternatives:
an AWS profile from the AWS config, or environment variables.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

from coachadmin.errors import UserFacingError
from coachadmin.json_text import parse_json
from coachadmin.redact import register_secret

log = logging.getLogger("coachadmin.secrets")

SERVICE = "coachadmin"

ALTERNATIVES = (
    "Use an AWS profile from your AWS configuration instead (set one up with "
    "'aws configure' or 'aws configure sso'), or set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY in the environment before starting coachadmin. "
    "coachadmin never stores keys in a plain file."
)


class KeychainUnavailable(UserFacingError):
    """No keychain works here; the message says why and what to use instead."""


class KeychainError(UserFacingError):
    """The keychain exists but refused an operation (locked, denied...)."""


@dataclass(frozen=True)
class KeychainStatus:
    available: bool
    backend: str
    message: str


@dataclass(frozen=True, repr=False)
class AwsKeyPair:
    """An access key ID and its secret; the repr never shows the secret."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return f"AwsKeyPair(access_key_id={self.access_key_id!r}, secret_access_key=<hidden>)"


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_plaintext_or_dummy(backend: keyring.backend.KeyringBackend) -> bool:
    """Backends that are no keychain: they fail, forget, or write secrets to a plain file."""
    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    name = _backend_name(backend)
    # keyrings.alt's file backends (plaintext, or encrypted with a terminal prompt) are
    # exactly the silent plaintext fallback the app must never use.
    return name.startswith("keyrings.alt.") or "plaintext" in name.lower()


def _real_backends() -> list[keyring.backend.KeyringBackend]:
    current = keyring.get_keyring()
    members = list(current.backends) if isinstance(current, chainer.ChainerBackend) else [current]
    return [b for b in members if not _is_plaintext_or_dummy(b)]


def _no_keychain_message(detail: str) -> str:
    return f"No working keychain was found on this computer ({detail}). {ALTERNATIVES}"


def keychain_status() -> KeychainStatus:
    """Whether secrets can be kept in the keychain, with a sentence for the user."""
    current = keyring.get_keyring()
    name = _backend_name(current)
    backends = _real_backends()
    if not backends:
        return KeychainStatus(False, name, _no_keychain_message(f"keyring backend: {name}"))
    try:
        # A harmless read: a backend that is present but broken (no D-Bus session,
        # no Secret Service running) fails here rather than at the first save.
        backends[0].get_password(SERVICE, "__coachadmin_keychain_check__")
    except Exception as error:  # noqa: BLE001 - any failure means "not usable", said plainly
        log.info("keychain check failed with %s: %s", name, type(error).__name__)
        return KeychainStatus(
            False, name, _no_keychain_message(f"{_backend_name(backends[0])} failed: {error}")
        )
    return KeychainStatus(True, _backend_name(backends[0]), "Secrets are kept in the keychain.")


def _backend() -> keyring.backend.KeyringBackend:
    backends = _real_backends()
    if not backends:
        raise KeychainUnavailable(keychain_status().message)
    return backends[0]


def get_secret(username: str, *, service: str = SERVICE) -> str | None:
    """The secret stored for ``username``, or None when there is none (or no keychain)."""
    backends = _real_backends()
    if not backends:
        return None
    for backend in backends:
        try:
            value = backend.get_password(service, username)
        except keyring.errors.KeyringError as error:
            raise KeychainError(
                f"The keychain refused to give the secret for '{username}' ({error}). "
                "Unlock the keychain and try again."
            ) from error
        if value is not None:
            register_secret(value)
            return value
    return None


def set_secret(username: str, value: str, *, service: str = SERVICE) -> None:
    """Store a secret; raises :class:`KeychainUnavailable` rather than write it anywhere else."""
    register_secret(value)
    backend = _backend()
    try:
        backend.set_password(service, username, value)
    except keyring.errors.KeyringError as error:
        raise KeychainError(
            f"The keychain refused to save the secret for '{username}' ({error}). "
            f"Unlock the keychain and try again. {ALTERNATIVES}"
        ) from error
    log.info("secret for %s saved in the keychain (%s)", username, _backend_name(backend))


def delete_secret(username: str, *, service: str = SERVICE) -> bool:
    """Remove a secret; True if one was there. No keychain means nothing to delete."""
    backends = _real_backends()
    removed = False
    for backend in backends:
        try:
            if backend.get_password(service, username) is None:
                continue
            backend.delete_password(service, username)
            removed = True
        except keyring.errors.PasswordDeleteError:
            continue
        except keyring.errors.KeyringError as error:
            raise KeychainError(
                f"The keychain refused to delete the secret for '{username}' ({error})."
            ) from error
    if removed:
        log.info("secret for %s deleted from the keychain", username)
    return removed


# --- typed helpers ---------------------------------------------------------------------


def aws_username(profile: str) -> str:
    return f"{profile}/aws"


def get_aws_keys(profile: str) -> AwsKeyPair | None:
    """The access key pair saved for a connection profile, or None."""
    raw = get_secret(aws_username(profile))
    if raw is None:
        return None
    try:
        data = parse_json(raw)
        keys = AwsKeyPair(str(data["access_key_id"]), str(data["secret_access_key"]))
    except (ValueError, KeyError, TypeError) as error:
        raise KeychainError(
            f"The keychain entry for profile '{profile}' is damaged. "
            "Enter the access key again (coachadmin connection add, or the Connect wizard)."
        ) from error
    register_secret(keys.secret_access_key)
    return keys


def set_aws_keys(profile: str, keys: AwsKeyPair) -> None:
    """Keep both halves in one entry, so the keychain asks at most once."""
    register_secret(keys.secret_access_key)
    payload = json.dumps(
        {"access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key}
    )
    register_secret(payload)
    set_secret(aws_username(profile), payload)


def delete_aws_keys(profile: str) -> bool:
    return delete_secret(aws_username(profile))
