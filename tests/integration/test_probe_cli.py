"""`coachadmin connection ...` against moto over HTTP: add (checked), list, use, test, remove."""

from __future__ import annotations

import io
import json
import uuid

import keyring
import pytest
from keyring.backends import fail

from coachadmin import paths, profiles
from coachadmin.cli import main
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings

Store = dict[tuple[str, str], str]
SECRET = "FAKEsecretDO-NOT-LOG-cli-9d8e"


def make_bucket(endpoint: str, region: str = "eu-north-1") -> str:
    bucket = f"cli-{uuid.uuid4().hex[:12]}"
    client = make_client(S3Settings(endpoint_url=endpoint, region=region))
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    return bucket


def test_add_checks_corrects_the_region_and_saves(
    s3_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = make_bucket(s3_server)
    argv = ["connection", "add", "staging", "--bucket", bucket, "--region", "us-east-1"]
    assert main([*argv, "--endpoint-url", s3_server, "--api-url", "http://api.test"]) == 0
    out = capsys.readouterr().out
    assert "[ok  ] Find the bucket and its region: The bucket" in out
    assert "is in eu-north-1, not in us-east-1" in out
    assert "Saved connection 'staging'." in out
    profile = profiles.get_profile("staging")
    assert profile.region == "eu-north-1"
    assert profile.api_url == "http://api.test"

    assert main(["connection", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [{"name": "staging", "active": True, **profile.to_dict()}]

    assert main(["connection", "test", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["status"] for line in lines[:-1]] == ["passed"] * 10
    assert lines[-1]["ok"] is True

    # Saved again with --json: every line is JSON, the last says what was saved.
    assert main([*argv, "--endpoint-url", s3_server, "--json", "--replace"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1] == {"event": "saved", "name": "staging", "replaced": True, "active": True}


def test_a_failing_check_saves_nothing(s3_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["connection", "add", "x", "--bucket", f"missing-{uuid.uuid4().hex[:8]}"]
    assert main([*argv, "--endpoint-url", s3_server]) == 1
    captured = capsys.readouterr()
    assert "[FAIL] Find the bucket and its region: There is no bucket named" in captured.out
    assert "not saved" in captured.err
    assert profiles.list_profiles() == []


def add_with_keychain(s3_server: str, monkeypatch: pytest.MonkeyPatch, *flags: str) -> None:
    """`connection add prod` of a new bucket, its secret key read from standard input."""
    bucket = make_bucket(s3_server)
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    argv = ["connection", "add", "prod", "--bucket", bucket, "--endpoint-url", s3_server]
    assert main([*argv, "--keychain", "AKIAEXAMPLE000000004", "--secret-stdin", *flags]) == 0


def test_keychain_keys_come_from_stdin_and_stay_in_the_keychain(
    s3_server: str,
    memory_keyring: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_with_keychain(s3_server, monkeypatch, "--use")
    assert SECRET in memory_keyring[("coachadmin", "prod/aws")]
    assert SECRET not in paths.settings_path().read_text()
    assert SECRET not in capsys.readouterr().out
    connection = profiles.load_active_connection()
    assert connection is not None
    assert connection.s3.secret_key == SECRET

    assert main(["connection", "remove", "prod"]) == 0
    assert memory_keyring == {}
    out = capsys.readouterr().out
    assert "No connection is active now" in out  # never another one, unasked
    assert profiles.active_profile() is None


def test_removing_a_connection_whose_keychain_is_gone_says_its_key_stays(
    s3_server: str,
    memory_keyring: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_with_keychain(s3_server, monkeypatch)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # the keychain cannot be reached now
    try:
        capsys.readouterr()
        assert main(["connection", "remove", "prod"]) == 0
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert "its access key stays in the keychain" in err and "'prod/aws'" in err
    assert SECRET not in err
    assert profiles.list_profiles() == []


def test_without_a_keychain_the_cli_offers_the_alternatives(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
        argv = ["connection", "add", "p", "--bucket", "coach-media", "--keychain", "AKIAX"]
        assert main([*argv, "--secret-stdin", "--no-test"]) == 1
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert "No working keychain" in err
    assert "aws configure sso" in err
    assert not paths.settings_path().exists()


def test_use_and_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        argv = ["connection", "add", name, "--bucket", "coach-media", "--no-test"]
        assert main([*argv, "--aws-profile", "coach"]) == 0
    argv = ["connection", "add", "local", "--bucket", "media", "--no-test", "--environment"]
    assert main([*argv, "--endpoint-url", "http://127.0.0.1:9000", "--region", "us-east-1"]) == 0
    assert main(["connection", "use", "b"]) == 0
    assert main(["connection", "list"]) == 0
    out = capsys.readouterr().out
    assert "* b: s3://coach-media, coach" in out
    assert "  a: s3://coach-media, coach" in out
    assert "  local: s3://media (us-east-1) at http://127.0.0.1:9000, environment" in out
    assert main(["connection", "use", "c"]) == 1
    assert "no connection profile named 'c'" in capsys.readouterr().err
    argv = ["connection", "add", "a", "--bucket", "coach-media-2", "--no-test"]
    assert main([*argv, "--environment"]) == 2  # never replaced unasked
    assert "a connection named 'a' is saved already: pass --replace" in capsys.readouterr().err
    assert profiles.get_profile("a").bucket == "coach-media"
    assert profiles.get_profile("a").aws_profile == "coach"
    assert main([*argv, "--environment", "--replace"]) == 0
    assert "Replaced connection 'a'." in capsys.readouterr().out
    assert profiles.get_profile("a").bucket == "coach-media-2"


def test_list_says_when_the_settings_file_was_damaged(capsys: pytest.CaptureFixture[str]) -> None:
    paths.settings_path().write_text('{"profiles": {oops', encoding="utf-8")
    assert main(["connection", "list"]) == 0
    err = capsys.readouterr().err
    assert "The settings file was damaged" in err
    assert "settings.json.corrupt-" in err


@pytest.mark.parametrize(
    "flags",
    [
        ("--endpoint-url", "http://AKIAX:sup3rS3cret@127.0.0.1:40999"),
        ("--api-url", "https://admin:sup3rS3cret@api.example.com"),
    ],
    ids=["endpoint", "api-url"],
)
def test_a_password_in_a_url_is_refused_even_untested_and_never_written(
    flags: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["connection", "add", "t1", "--bucket", "coach-media", *flags, "--no-test"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "sup3rS3cret" not in captured.out + captured.err
    assert "user name or password" in captured.err or "user" in captured.err
    assert profiles.list_profiles() == []
    settings = paths.settings_path()
    assert not settings.exists() or "sup3rS3cret" not in settings.read_text()
