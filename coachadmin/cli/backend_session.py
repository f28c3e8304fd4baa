"""The signed-in backend for a command: its URL, a client with a token, the messages
that say how to sign in, and the lesson links that wait for their uploads.

Apart from :mod:`coachadmin.cli.common` so that the commands that only move objects
(upload, download) load no HTTP client for the backend: a third of a small command's
start-up is imports.
"""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from coachadmin.backend.client import BackendClient
from coachadmin.backend.errors import NotSignedIn, SessionExpired
from coachadmin.cli.common import emit_json, flag_settings
from coachadmin.demo.home import running_demo
from coachadmin.errors import UsageError, UserFacingError
from coachadmin.s3.settings import S3Settings
from coachadmin.services.pending_links import Applied, Outcome
from coachadmin.services.sign_in import (
    API_TOKEN_ENV,
    SignInRequired,
    client_for,
    env_api_url,
    last_email,
    login_command,
    refused_token_message,
    resolve_api_url,
)
from coachadmin.services.transfer_connections import TransferConnections
from coachadmin.services.upload_link import finish_pending_links
from coachadmin.transfers.clients import TransferClients

T = TypeVar("T")


def apply_pending_links(
    args: argparse.Namespace | None,
    fallback: S3Settings | None = None,
    *,
    json_mode: bool = False,
) -> list[Applied]:
    """Make the lesson links whose uploads are now verified; print what happened. Never
    raises a UserFacingError: an upload that finished is a success even if the link must
    wait."""
    try:
        applied = finish_pending_links(
            TransferClients(),
            fallback=fallback,
            override=flag_settings(args),
            settings_for=TransferConnections(),
        )
    except UserFacingError as error:
        print(f"coachadmin: pending lesson links not applied: {error}", file=sys.stderr)
        return []
    for result in applied:
        link = result.link
        if result.outcome is Outcome.UPLOADING:
            continue
        record = {
            "event": "pending-link",
            "outcome": result.outcome.value,
            "bucket": link.bucket,
            "key": link.key,
            "lessonId": link.lesson_id,
            "message": result.message,
        }
        if json_mode:
            emit_json(record)
        elif result.outcome is Outcome.LINKED:
            title = result.lesson.title if result.lesson else link.lesson_id
            print(f"Linked {link.key} to “{title}”.")
        else:
            print(f"coachadmin: lesson {link.lesson_id}: {result.message}", file=sys.stderr)
    return applied


def api_url_from(args: argparse.Namespace) -> str:
    url = resolve_api_url(getattr(args, "api_url", None))
    if url is None:
        raise UsageError(
            "No backend URL: pass --api-url, set COACHADMIN_API_URL, or sign in first with: "
            + login_command(None)
        )
    return url


def signed_in_client(args: argparse.Namespace) -> tuple[str, BackendClient]:
    """The backend URL and a client with a token; SignInRequired when there is no token."""
    url = api_url_from(args)
    client = client_for(url)
    if not client.token:
        chosen = bool(getattr(args, "api_url", None) or env_api_url())
        raise SignInRequired(not_signed_in(url) if chosen or answers(url) else stale_backend(url))
    return url, client


def not_signed_in(url: str) -> str:
    return (
        f"Not signed in to {url}. Sign in with: {login_command(url, last_email())} "
        f"(or set {API_TOKEN_ENV} for scripts)."
    )


def stale_backend(url: str) -> str:
    """The backend last signed in to is gone (a demo that stopped): never send the user
    to sign in there; name the running demo, or ask for the platform's URL."""
    demo = running_demo()
    if demo is not None and demo.get("api_url"):
        where = demo["api_url"]
        return (
            f"Not signed in: {url}, the backend last signed in to, does not answer. The "
            f"demo runs at {where}: coachadmin login --api-url {where} --email "
            f"{demo.get('admin_email', 'EMAIL')}"
        )
    return (
        f"Not signed in: {url}, the backend last signed in to, does not answer (a demo "
        "that has stopped, or a server that moved). Pass --api-url with the platform's "
        "backend URL, or set COACHADMIN_API_URL."
    )


def answers(url: str) -> bool:
    """Whether something listens at the URL's host and port (one TCP connect, 2 s at most)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=2):
            return True
    except OSError:
        return False


def call_backend(url: str, call: Callable[[], T]) -> T:
    """Run a backend call; a 401 becomes exit status 3 and a message that names where the
    refused token came from (COACHADMIN_API_TOKEN or the keychain) and what to do."""
    try:
        return call()
    except NotSignedIn as error:
        expired = isinstance(error, SessionExpired)
        raise SignInRequired(refused_token_message(url, expired=expired)) from error
