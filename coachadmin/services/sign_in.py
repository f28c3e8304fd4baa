"""Who we are on the backend: its URL, the bearer token, and where both come from.

A token belongs to a backend, not to a bucket, so it is kept in the OS keychain
under the backend's URL (username ``backend@<url>``), never in the settings file.
For scripts and CI, ``COACHADMIN_API_URL`` and ``COACHADMIN_API_TOKEN`` override
whatever is stored. The last URL and email signed in with are remembered in the
settings (not secret) so that ``coachadmin courses`` needs no flags afterwards.

``COACHADMIN_API_DEADLINE`` (seconds for a whole call) and ``COACHADMIN_API_MAX_BYTES``
(bytes an answer may have) change the client's limits, for tests and odd networks.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from coachadmin import secrets
from coachadmin.backend.client import DEFAULT_DEADLINE, DEFAULT_MAX_BODY, BackendClient
from coachadmin.errors import UsageError, UserFacingError
from coachadmin.profiles import active_profile
from coachadmin.redact import register_secret
from coachadmin.settings import Settings, load_settings, update_settings

log = logging.getLogger("coachadmin.backend")

API_URL_ENV = "COACHADMIN_API_URL"
API_TOKEN_ENV = "COACHADMIN_API_TOKEN"  # noqa: S105 - a variable's name, no secret
API_DEADLINE_ENV = "COACHADMIN_API_DEADLINE"
API_MAX_BYTES_ENV = "COACHADMIN_API_MAX_BYTES"

#: The exit code of a command that needs a (new) sign-in; documented in ``--help``.
SIGN_IN_EXIT_CODE = 3


class SignInRequired(UserFacingError):
    """No token, or the backend refused it: the message says how to sign in."""

    exit_code = SIGN_IN_EXIT_CODE


def normalize_api_url(url: str) -> str:
    """``HTTPS://Api.Example.com/`` → ``https://api.example.com``; refuses what is no URL."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"'{url}' is not a backend URL: write it with http:// or https://, "
            "for example https://api.example.com"
        )
    if parts.username is not None or parts.password is not None:
        # Never kept, nor shown: the password in it would land in the settings file.
        raise UsageError(
            f"the backend URL for {parts.hostname or 'the backend'} holds a user name or "
            "password, which is never kept. Give the URL without it (https://HOST), then "
            "sign in with `coachadmin login`"
        )
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def token_username(api_url: str) -> str:
    return f"backend@{normalize_api_url(api_url)}"


def env_api_url() -> str | None:
    value = os.environ.get(API_URL_ENV, "").strip()
    return normalize_api_url(value) if value else None


def env_token() -> str | None:
    value = os.environ.get(API_TOKEN_ENV, "").strip()
    if not value:
        return None
    register_secret(value)
    return value


def resolve_api_url(
    explicit: str | None = None,
    *,
    connection_url: str | None = None,
    settings: Settings | None = None,
) -> str | None:
    """The backend to talk to: a flag, then COACHADMIN_API_URL, then the connection's URL,
    then the one last signed in to, then the active profile's. None when nothing names one."""
    if explicit:
        return normalize_api_url(explicit)
    from_env = env_api_url()
    if from_env:
        return from_env
    if connection_url:
        return normalize_api_url(connection_url)
    settings = settings or load_settings()
    if settings.backend_url:
        return normalize_api_url(settings.backend_url)
    profile = active_profile(settings)
    if profile is not None and profile.api_url:
        return normalize_api_url(profile.api_url)
    return None


def stored_token(api_url: str) -> str | None:
    """COACHADMIN_API_TOKEN if set, else the keychain's token for ``api_url``, else None."""
    return env_token() or secrets.get_secret(token_username(api_url))


def remember_token(api_url: str, token: str) -> None:
    """Keep the token in the keychain; raises KeychainUnavailable when there is none."""
    secrets.set_secret(token_username(api_url), token)


def forget_token(api_url: str) -> bool:
    """Delete the stored token; True if there was one."""
    return secrets.delete_secret(token_username(api_url))


def remember_login(api_url: str, email: str) -> None:
    """The URL and email signed in with, for the next time (not secret)."""

    def change(settings: Settings) -> None:
        settings.backend_url = normalize_api_url(api_url)
        settings.backend_email = email

    update_settings(change)


def last_email() -> str | None:
    return load_settings().backend_email


def login_command(api_url: str | None, email: str | None = None) -> str:
    """The command line a person types to sign in again."""
    url = api_url or "URL"
    return f"coachadmin login --api-url {url} --email {email or 'EMAIL'}"


def refused_token_message(api_url: str, *, expired: bool) -> str:
    """What to say when the backend refuses the stored token: where the token came from
    (COACHADMIN_API_TOKEN wins over the keychain) and what to do about it."""
    command = login_command(api_url, last_email())
    if env_token():
        why = (
            f"The token in {API_TOKEN_ENV} has expired"
            if expired
            else f"The backend at {api_url} refused the token in {API_TOKEN_ENV} "
            "(expired or revoked)"
        )
        return (
            f"{why}: unset {API_TOKEN_ENV}, or set it to a fresh token printed by: "
            f"{command} --print-token"
        )
    if expired:
        return f"Your backend session has expired. Sign in again with: {command}"
    return (
        f"The backend at {api_url} refused the sign-in saved in the keychain (expired or "
        f"revoked). Sign in again with: {command}"
    )


def _positive_env(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise UsageError(f"{name} must be a positive number, not '{text[:40]}'.")
    return value


def new_client(api_url: str, token: str | None = None) -> BackendClient:
    """A client for ``api_url`` with the limits of the environment (or the defaults)."""
    return BackendClient(
        api_url,
        token,
        deadline=_positive_env(API_DEADLINE_ENV, DEFAULT_DEADLINE),
        max_body=int(_positive_env(API_MAX_BYTES_ENV, DEFAULT_MAX_BODY)),
    )


def client_for(api_url: str) -> BackendClient:
    """A client for ``api_url`` with the stored token (if any)."""
    return new_client(api_url, stored_token(api_url))
