"""`coachadmin connection ...`: list, add, remove, use and test connection profiles.

Secrets never come from the command line's arguments (other users can read them
in the process list): the secret access key is read from a hidden prompt, or
from standard input with ``--secret-stdin`` for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from coachadmin import profiles, secrets
from coachadmin.cli.common import emit_json, open_journal
from coachadmin.errors import UsageError
from coachadmin.profiles import CredentialSource, Profile
from coachadmin.s3.client import check_settings
from coachadmin.s3.probe import ProbeReport, ProbeStep, StepCallback, probe_connection
from coachadmin.s3.settings import S3Settings
from coachadmin.services.sign_in import normalize_api_url
from coachadmin.services.transfer_connections import left_without_connection, started_with
from coachadmin.settings import load_settings

_MARKS = {"passed": "ok  ", "warning": "warn", "failed": "FAIL", "skipped": "skip"}


def run_list(args: argparse.Namespace) -> int:

    settings = load_settings()
    active = profiles.active_profile(settings)
    items = profiles.list_profiles(settings)
    for profile in items:
        is_active = active is not None and profile.name == active.name
        if args.json:
            emit_json({"name": profile.name, "active": is_active, **profile.to_dict()})
            continue
        where = f"s3://{profile.bucket}" + (f" ({profile.region})" if profile.region else "")
        where += f" at {profile.endpoint_url}" if profile.endpoint_url else ""
        flags = " [production]" if profile.production else ""
        source = profile.aws_profile if profile.aws_profile else profile.credentials.value
        print(f"{'*' if is_active else ' '} {profile.name}: {where}, {source}{flags}")
    if not items and not args.json:
        print("No saved connections. Add one with: coachadmin connection add NAME --bucket B")
    return 0


def _read_secret(args: argparse.Namespace) -> str:
    if args.secret_stdin:
        value = sys.stdin.readline().strip()
    elif sys.stdin.isatty():
        value = getpass.getpass("Secret access key (not shown): ").strip()
    else:
        raise UsageError("Give the secret access key on standard input with --secret-stdin.")
    if not value:
        raise UsageError("No secret access key was given.")
    return value


def run_add(args: argparse.Namespace) -> int:
    # What would be saved is checked whether or not the connection is tried (--no-test):
    # an endpoint with a password in it must never reach the settings file.
    check_settings(S3Settings(endpoint_url=args.endpoint_url, region=args.region))
    api_url = normalize_api_url(args.api_url) if args.api_url else None
    # Before a secret is asked for or anything tried: a saved connection (and the keys it
    # keeps) is replaced only when asked.
    replaced = args.name in {p.name for p in profiles.list_profiles()}
    if replaced and not args.replace:
        raise UsageError(
            f"a connection named '{args.name}' is saved already: pass --replace to replace it "
            "(and the credentials it keeps), or choose another name"
        )
    keys = None
    if args.aws_profile:
        source = CredentialSource.AWS_PROFILE
    elif args.keychain:
        source = CredentialSource.KEYCHAIN
        status = secrets.keychain_status()
        if not status.available:
            raise secrets.KeychainUnavailable(status.message)
        keys = secrets.AwsKeyPair(args.keychain.strip(), _read_secret(args))
    else:
        source = CredentialSource.ENVIRONMENT
    profile = Profile(
        name=args.name,
        bucket=args.bucket,
        region=args.region,
        endpoint_url=args.endpoint_url,
        api_url=api_url,
        credentials=source,
        aws_profile=args.aws_profile,
        production=args.production,
    )
    if not args.no_test:
        if keys is not None:  # not in the keychain yet: check before saving
            s3 = S3Settings(
                endpoint_url=profile.endpoint_url,
                region=profile.region,
                access_key=keys.access_key_id,
                secret_key=keys.secret_access_key,
            )
        else:
            s3 = profiles.s3_settings_for(profile)
        report = probe_connection(s3, profile.bucket, on_step=_printer(args.json))
        _print_summary(report, args.json)
        if not report.usable:
            print("coachadmin: not saved; fix the problem above or use --no-test", file=sys.stderr)
            return 1
        profile = profile.with_region(report.region)
    profiles.save_profile(profile, keys=keys, make_active=args.use)
    if args.json:
        active = profiles.active_profile()
        emit_json(
            {
                "event": "saved",
                "name": profile.name,
                "replaced": replaced,
                "active": active is not None and active.name == profile.name,
            }
        )
    else:
        print(f"{'Replaced' if replaced else 'Saved'} connection '{profile.name}'.")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    removed = profiles.remove_profile(args.name)
    print(f"Removed connection '{args.name}'.")
    with open_journal() as journal:
        waiting = started_with(journal, args.name)
    if waiting:
        print(f"coachadmin: {left_without_connection(waiting, args.name)}", file=sys.stderr)
    if removed.was_active:
        names = ", ".join(p.name for p in profiles.list_profiles())
        choose = f": choose one with `coachadmin connection use NAME` ({names})" if names else ""
        print(f"No connection is active now{choose}.")
    if removed.keys_left:
        print(
            f"coachadmin: its access key stays in the keychain, which could not be reached "
            f"now: delete the entry '{secrets.aws_username(args.name)}' of the service "
            f"'{secrets.SERVICE}' with your keychain's own tool.",
            file=sys.stderr,
        )
    return 0


def run_use(args: argparse.Namespace) -> int:
    profile = profiles.set_active_profile(args.name)
    print(f"Active connection: {profile.name} (s3://{profile.bucket})")
    return 0


def run_test(args: argparse.Namespace) -> int:

    if args.name:
        profile = profiles.get_profile(args.name)
    else:
        active = profiles.active_profile()
        if active is None:
            raise UsageError("No connection is active: name one, or add one first.")
        profile = active
    connection = profiles.resolve(profile)
    report = probe_connection(connection.s3, connection.bucket, on_step=_printer(args.json))
    _print_summary(report, args.json)
    if report.region_corrected_from is not None and report.usable:
        profiles.save_profile(profile.with_region(report.region))
        if not args.json:
            print(f"The connection '{profile.name}' now uses the region {report.region}.")
    return 0 if report.ok else 1


def _printer(as_json: bool) -> StepCallback:
    def show(step: ProbeStep) -> None:
        if as_json:
            emit_json(
                {
                    "step": step.id.value,
                    "status": step.status.value,
                    "message": step.message,
                    "iam_actions": list(step.iam_actions),
                }
            )
        else:
            print(f"[{_MARKS[step.status.value]}] {step.title}: {step.message}", flush=True)

    return show


def _print_summary(report: ProbeReport, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "usable": report.usable,
                "region": report.region,
                "region_corrected_from": report.region_corrected_from,
                "missing_actions": list(report.missing_actions),
            }
        )
    elif report.advice():
        print(report.advice())
