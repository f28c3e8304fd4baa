"""`coachadmin login|logout|whoami`: signing in to the platform's backend.

The token goes to the OS keychain under the backend's URL. Without a keychain
nothing is written anywhere: the command says so and shows how to pass the token
in ``COACHADMIN_API_TOKEN`` instead (``--print-token``). The password is never an
argument (the process list shows arguments): it is asked for without echo, or
read from standard input with ``--password-stdin``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from coachadmin.cli.common import Subparsers, add_json_option, emit_json
from coachadmin.errors import UsageError

if TYPE_CHECKING:
    from coachadmin.backend.client import BackendClient

T = TypeVar("T")

EXIT_CODES = (
    "exit status: 0 success; 1 failure (the message says why); 2 wrong usage; "
    "3 not signed in, or the backend session expired (run coachadmin login)"
)


def add_api_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help="the platform backend (default: $COACHADMIN_API_URL, then the last one signed in to,"
        " then the active connection's)",
    )


def register(subparsers: Subparsers) -> None:
    login = subparsers.add_parser(
        "login",
        help="sign in to the platform backend (the token is kept in the keychain)",
        description=(
            "Sign in to the platform's backend. The password is asked for, or read from "
            "standard input with --password-stdin; the token is kept in the OS keychain. "
            "Scripts and CI can skip this and set COACHADMIN_API_URL and COACHADMIN_API_TOKEN."
        ),
        epilog=EXIT_CODES,
    )
    add_api_option(login)
    login.add_argument("--email", metavar="EMAIL", help="your account's email")
    login.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    login.add_argument(
        "--print-token",
        action="store_true",
        help="print the token instead of keeping it (for COACHADMIN_API_TOKEN); stores nothing",
    )
    add_json_option(login)
    login.set_defaults(handler=run_login, command="login")

    logout = subparsers.add_parser(
        "logout", help="forget the backend token kept in the keychain", epilog=EXIT_CODES
    )
    add_api_option(logout)
    add_json_option(logout)
    logout.set_defaults(handler=run_logout, command="logout")

    whoami = subparsers.add_parser(
        "whoami", help="show who is signed in to the backend", epilog=EXIT_CODES
    )
    add_api_option(whoami)
    add_json_option(whoami)
    whoami.set_defaults(handler=run_whoami, command="whoami")


# -- shared with cli/lessons.py ----------------------------------------------------------


def api_url_from(args: argparse.Namespace) -> str:
    from coachadmin.services.sign_in import login_command, resolve_api_url

    url = resolve_api_url(getattr(args, "api_url", None))
    if url is None:
        raise UsageError(
            "No backend URL: pass --api-url, set COACHADMIN_API_URL, or sign in first with: "
            + login_command(None)
        )
    return url


def signed_in_client(args: argparse.Namespace) -> tuple[str, BackendClient]:
    """The backend URL and a client with a token; SignInRequired when there is no token."""
    from coachadmin.services.sign_in import (
        API_TOKEN_ENV,
        SignInRequired,
        client_for,
        last_email,
        login_command,
    )

    url = api_url_from(args)
    client = client_for(url)
    if not client.token:
        raise SignInRequired(
            f"Not signed in to {url}. Sign in with: {login_command(url, last_email())} "
            f"(or set {API_TOKEN_ENV} for scripts)."
        )
    return url, client


def call_backend(url: str, call: Callable[[], T]) -> T:
    """Run a backend call; a 401 becomes exit status 3 and a message that names where the
    refused token came from (COACHADMIN_API_TOKEN or the keychain) and what to do."""
    from coachadmin.backend.errors import NotSignedIn, SessionExpired
    from coachadmin.services.sign_in import SignInRequired, refused_token_message

    try:
        return call()
    except NotSignedIn as error:
        expired = isinstance(error, SessionExpired)
        raise SignInRequired(refused_token_message(url, expired=expired)) from error


# -- handlers ----------------------------------------------------------------------------


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise UsageError(
                "No terminal to ask for the password: pipe it in with --password-stdin"
            )
        password = getpass.getpass("Password: ")
    if not password:
        raise UsageError("The password is empty.")
    return password


def run_login(args: argparse.Namespace) -> int:
    from coachadmin import secrets
    from coachadmin.redact import register_secret
    from coachadmin.services import sign_in as auth

    url = api_url_from(args)
    email = args.email or auth.last_email()
    if not email:
        raise UsageError("Give the account's email with --email.")
    status = secrets.keychain_status()
    if not status.available and not args.print_token:
        stdin_flag = " --password-stdin" if args.password_stdin else ""
        raise secrets.KeychainUnavailable(
            f"Not signed in: {status.message.split(' (')[0]}, so the token cannot be kept. "
            f"Pass it in the environment instead: set {auth.API_URL_ENV} to {url} and "
            f"{auth.API_TOKEN_ENV} to what this prints: coachadmin login --api-url {url} "
            f"--email {email} --print-token{stdin_flag}"
        )
    password = _read_password(args.password_stdin)
    register_secret(password)
    client = auth.new_client(url)
    try:
        session = client.login(email, password)
    finally:
        client.close()
    auth.remember_login(url, email)  # not secret: the next login and messages offer them
    if args.print_token:
        print(session.token)
        return 0
    auth.remember_token(url, session.token)
    user = session.user
    if args.json:
        emit_json(
            {
                "event": "signed-in",
                "apiUrl": url,
                "email": user.email,
                "name": user.name,
                "role": user.role,
            }
        )
    else:
        print(f"Signed in to {url} as {user.name} ({user.email}, {user.role}).")
    return 0


def run_logout(args: argparse.Namespace) -> int:
    from coachadmin.services import sign_in as auth

    url = api_url_from(args)
    removed = auth.forget_token(url)
    if args.json:
        emit_json({"event": "signed-out", "apiUrl": url, "hadToken": removed})
    else:
        print(f"Signed out of {url}." if removed else f"No saved sign-in for {url}.")
    if auth.env_token():
        print(
            f"coachadmin: {auth.API_TOKEN_ENV} is still set in this environment and is used "
            "until you unset it.",
            file=sys.stderr,
        )
    return 0


def run_whoami(args: argparse.Namespace) -> int:
    url, client = signed_in_client(args)
    user = call_backend(url, client.me)
    if args.json:
        emit_json(
            {
                "apiUrl": url,
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "role": user.role,
            }
        )
    else:
        print(f"{user.name} ({user.email}, {user.role}) on {url}")
    return 0
