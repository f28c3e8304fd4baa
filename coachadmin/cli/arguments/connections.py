"""Arguments of `coachadmin connection list|add|remove|use|test`."""

from __future__ import annotations

from coachadmin.cli.arguments import Handler, Subparsers
from coachadmin.cli.arguments.options import add_json_option


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "connection",
        help="manage saved connections (profiles): list, add, remove, use, test",
        description="Saved connections: a bucket, its region, the backend, and credentials.",
    )
    parser.set_defaults(
        handler=Handler("coachadmin.cli.connections", "run_list"),
        command="connection list",
        json=False,
    )
    sub = parser.add_subparsers(title="connection commands", metavar="ACTION")

    listing = sub.add_parser("list", help="show the saved connections (* marks the active one)")
    add_json_option(listing)
    listing.set_defaults(
        handler=Handler("coachadmin.cli.connections", "run_list"), command="connection list"
    )

    add = sub.add_parser(
        "add",
        help="save a connection (checked first unless --no-test)",
        description=(
            "Save a connection profile. Credentials come from an AWS profile (--aws-profile, "
            "SSO and roles included), from the keychain (--keychain: you are asked for the "
            "secret), or from the environment (--environment, the default)."
        ),
    )
    add.add_argument("name", help="a name for the connection, e.g. staging or production")
    add.add_argument("--bucket", required=True, help="the bucket's name")
    add.add_argument("--region", help="the bucket's region (detected and corrected if wrong)")
    add.add_argument("--endpoint-url", metavar="URL", help="an S3-compatible endpoint")
    add.add_argument("--api-url", metavar="URL", help="the platform backend's base URL")
    add.add_argument("--production", action="store_true", help="mark it as production")
    source = add.add_mutually_exclusive_group()
    source.add_argument("--aws-profile", metavar="P", help="use this profile of your AWS config")
    source.add_argument(
        "--keychain",
        metavar="ACCESS_KEY_ID",
        help="keep this access key and its secret (asked for) in the OS keychain",
    )
    source.add_argument(
        "--environment", action="store_true", help="use AWS_ACCESS_KEY_ID etc. (the default)"
    )
    add.add_argument(
        "--secret-stdin", action="store_true", help="read the secret access key from stdin"
    )
    add.add_argument("--no-test", action="store_true", help="save without checking")
    add.add_argument(
        "--replace", action="store_true", help="replace the saved connection of that name"
    )
    add.add_argument("--use", action="store_true", help="make it the active connection")
    add_json_option(add)
    add.set_defaults(
        handler=Handler("coachadmin.cli.connections", "run_add"), command="connection add"
    )

    remove = sub.add_parser("remove", help="forget a connection and its keychain entries")
    remove.add_argument("name")
    remove.set_defaults(
        handler=Handler("coachadmin.cli.connections", "run_remove"),
        command="connection remove",
        json=False,
    )

    use = sub.add_parser("use", help="make a connection the active one")
    use.add_argument("name")
    use.set_defaults(
        handler=Handler("coachadmin.cli.connections", "run_use"),
        command="connection use",
        json=False,
    )

    test = sub.add_parser(
        "test",
        help="check a connection: bucket, region, credentials, permissions",
        description=(
            "Check step by step, with a small test object that is deleted again. "
            "Exits 0 when everything works, 1 otherwise."
        ),
    )
    test.add_argument("name", nargs="?", help="the connection to check (default: the active one)")
    add_json_option(test)
    test.set_defaults(
        handler=Handler("coachadmin.cli.connections", "run_test"), command="connection test"
    )
