"""`coachadmin login|logout|whoami`: signing in to the platform's backend.

The token goes to the OS keychain under the backend's URL, and the URL and email to
the settings (for the next sign-in and the messages). ``--print-token`` prints the
token for ``COACHADMIN_API_TOKEN`` and writes nothing anywhere, neither keychain nor
settings. Without a keychain nothing is written either: the command says so and shows
how to pass the token in ``COACHADMIN_API_TOKEN`` instead. The password is never an
argument (the process list shows arguments): it is asked for without echo, or read
from standard input with ``--password-stdin``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from coachadmin import secrets
from coachadmin.cli.backend_session import api_url_from, call_backend, signed_in_client
from coachadmin.cli.common import emit_json
from coachadmin.errors import UsageError
from coachadmin.redact import register_secret
from coachadmin.services import sign_in


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
    url = api_url_from(args)
    email = args.email or sign_in.last_email()
    if not email:
        raise UsageError("Give the account's email with --email.")
    status = secrets.keychain_status()
    if not status.available and not args.print_token:
        stdin_flag = " --password-stdin" if args.password_stdin else ""
        raise secrets.KeychainUnavailable(
            f"Not signed in: {status.message.split(' (')[0]}, so the token cannot be kept. "
            f"Pass it in the environment instead: set {sign_in.API_URL_ENV} to {url} and "
            f"{sign_in.API_TOKEN_ENV} to what this prints: coachadmin login --api-url {url} "
            f"--email {email} --print-token{stdin_flag}"
        )
    password = _read_password(args.password_stdin)
    register_secret(password)
    client = sign_in.new_client(url)
    try:
        session = client.login(email, password)
    finally:
        client.close()
    if args.print_token:  # for a script: it keeps the token; nothing is written here
        print(session.token)
        return 0
    sign_in.remember_token(url, session.token)
    sign_in.remember_login(url, email)  # not secret: the next login and messages offer them
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
    url = api_url_from(args)
    removed = sign_in.forget_token(url)
    if args.json:
        emit_json({"event": "signed-out", "apiUrl": url, "hadToken": removed})
    else:
        print(f"Signed out of {url}." if removed else f"No saved sign-in for {url}.")
    if sign_in.env_token():
        print(
            f"coachadmin: {sign_in.API_TOKEN_ENV} is still set in this environment and is used "
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
