"""Arguments of `coachadmin login|logout|whoami`."""

from __future__ import annotations

from coachadmin.cli.arguments import Handler, Subparsers
from coachadmin.cli.arguments.options import EXIT_CODES, add_api_option, add_json_option


def register(subparsers: Subparsers) -> None:
    login = subparsers.add_parser(
        "login",
        help="sign in to the platform backend (the token is kept in the keychain)",
        description=(
            "Sign in to the platform's backend. The password is asked for, or read from "
            "standard input with --password-stdin; the token is kept in the OS keychain, and "
            "the URL and email in the settings (offered by the next sign-in). Scripts and CI "
            "can skip this and set COACHADMIN_API_URL and COACHADMIN_API_TOKEN (--print-token "
            "prints a token and writes nothing)."
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
        help=(
            "print the token instead of keeping it (for COACHADMIN_API_TOKEN); writes "
            "nothing: no keychain entry, and the settings keep no URL or email"
        ),
    )
    add_json_option(login)
    login.set_defaults(handler=Handler("coachadmin.cli.auth", "run_login"), command="login")

    logout = subparsers.add_parser(
        "logout", help="forget the backend token kept in the keychain", epilog=EXIT_CODES
    )
    add_api_option(logout)
    add_json_option(logout)
    logout.set_defaults(handler=Handler("coachadmin.cli.auth", "run_logout"), command="logout")

    whoami = subparsers.add_parser(
        "whoami", help="show who is signed in to the backend", epilog=EXIT_CODES
    )
    add_api_option(whoami)
    add_json_option(whoami)
    whoami.set_defaults(handler=Handler("coachadmin.cli.auth", "run_whoami"), command="whoami")
