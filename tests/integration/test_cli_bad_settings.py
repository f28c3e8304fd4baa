"""Settings and flags no request can be made of: one line that says what to write, a usage
error's exit status, and nothing sent (never "unexpected error", never a traceback)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from coachadmin import cli
from coachadmin.cli.process_exit import OUTPUT_LOST
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from tests.support.transfers import make_bucket, run_cli


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"} | extra


def _keys(server: str, bucket: str) -> list[str]:
    client = make_client(S3Settings(endpoint_url=server, region="us-east-1"))
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.mark.parametrize(
    ("flags", "env", "says"),
    [
        (["--endpoint-url", "127.0.0.1:9000"], {}, "'127.0.0.1:9000' is not a web address"),
        (["--endpoint-url", "ftp://example.com"], {}, "write it with http:// or https://"),
        (["--endpoint-url", "not a url"], {}, "is not a web address"),
        (["--endpoint-url", "http://[::1"], {}, "is not a web address"),
        (["--endpoint-url", "http://127.0.0.1:99999"], {}, "is not a web address"),
        (["--endpoint-url", "http://127.0.0.1:abc"], {}, "is not a web address"),
        (["--endpoint-url", "http://exa mple.com"], {}, "is not a web address"),
        ([], {"AWS_ENDPOINT_URL": "http://[::1"}, "is not a web address"),
        (["--profile", "nope"], {}, "the AWS profile 'nope' is not in your AWS configuration"),
        ([], {"AWS_PROFILE": "nope"}, "the AWS profile 'nope' is not in your AWS configuration"),
        (["--region", ""], {}, "'' is not a region's name: write it like eu-north-1"),
        (["--region", "EU North"], {}, "'EU North' is not a region's name"),
    ],
)
def test_bad_s3_settings_are_usage_errors(
    s3_server: str, tmp_path: Path, flags: list[str], env: dict[str, str], says: str
) -> None:
    bucket = make_bucket(s3_server)
    (tmp_path / "a.txt").write_text("hello")
    if "--endpoint-url" not in flags and "AWS_ENDPOINT_URL" not in env:
        flags = [*flags, "--endpoint-url", s3_server]
    for planned in (
        ["upload", str(tmp_path / "a.txt"), f"s3://{bucket}/in/"],
        ["download", f"s3://{bucket}/in/a.txt", str(tmp_path / "b.txt")],
        ["presign", f"s3://{bucket}/in/a.txt", "--region", "us-east-1"],
        ["orphans", f"s3://{bucket}"],
    ):
        command = planned[:2] if planned[0] == "presign" and "--region" in flags else planned
        result = run_cli(*command, *flags, env=_env(**env))
        assert result.returncode == 2, (command, result.stderr)
        assert says in result.stderr, (command, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "unexpected error" not in result.stderr
    assert _keys(s3_server, bucket) == []


@pytest.mark.parametrize(
    ("region", "says"),
    [
        ("EU North", "'EU North' is not a region's name (from AWS_REGION, AWS_DEFAULT_REGION"),
        ("", "'' is not a region's name (from AWS_REGION, AWS_DEFAULT_REGION"),
    ],
)
def test_a_bad_region_from_the_environment_is_a_usage_error(
    s3_server: str, tmp_path: Path, region: str, says: str
) -> None:
    bucket = make_bucket(s3_server)
    (tmp_path / "a.txt").write_text("hello")
    env = _env(AWS_DEFAULT_REGION=region)
    for command in (
        ["upload", str(tmp_path / "a.txt"), f"s3://{bucket}/in/"],
        ["download", f"s3://{bucket}/in/a.txt", str(tmp_path / "b.txt")],
    ):
        result = run_cli(*command, "--endpoint-url", s3_server, env=env)
        assert result.returncode == 2, (command, result.stderr)
        assert says in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert _keys(s3_server, bucket) == []


def test_a_password_in_the_endpoint_is_refused_and_never_shown(
    s3_server: str, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("hello")
    home = tmp_path / "home"
    endpoint = s3_server.replace("http://", "http://admin:S3cr3tPassw0rd@")
    result = run_cli(
        "upload", str(tmp_path / "a.txt"), "s3://some-bucket/in/", "--endpoint-url", endpoint,
        env=_env(COACHADMIN_HOME=str(home)),
    )  # fmt: skip
    assert result.returncode == 2
    assert "remove the part before '@'" in result.stderr
    assert "S3cr3tPassw0rd" not in result.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert b"S3cr3tPassw0rd" not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("--metadata=note=héllo wörld", "S3 keeps only plain ASCII in metadata values"),
        ("--metadata=a b=c", "--metadata name 'a b' may hold only letters, digits"),
        ("--metadata==c", "must look like KEY=VALUE"),
        ("--metadata=big=" + "x" * 3000, "S3 takes at most 2,048"),
        ("--cache-control=max-age=1\nX-Evil: 1", "--cache-control takes one line of plain ASCII"),
        ("--cache-control=", "--cache-control takes one line of plain ASCII"),
    ],
)
def test_metadata_s3_would_refuse_is_refused_before_any_byte_goes(
    s3_server: str, tmp_path: Path, option: str, says: str
) -> None:
    """Refused up front (a header S3 or HTTP cannot carry would otherwise fail at the
    first request, and every later run of the same file would resume that bad upload)."""
    bucket = make_bucket(s3_server)
    (tmp_path / "a.txt").write_text("hello")
    result = run_cli(
        "upload", str(tmp_path / "a.txt"), f"s3://{bucket}/m/", "--endpoint-url", s3_server,
        option, env=_env(),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and result.stderr.count("\n") == 1
    assert _keys(s3_server, bucket) == []  # no empty object left at the key


def test_ascii_metadata_goes_with_the_object(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    (tmp_path / "a.txt").write_text("hello")
    result = run_cli(
        "upload", str(tmp_path / "a.txt"), f"s3://{bucket}/m/", "--endpoint-url", s3_server,
        "--metadata", "course-id=42", "--metadata", "title=Intro: part 1 (draft)", env=_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    client = make_client(S3Settings(endpoint_url=s3_server, region="us-east-1"))
    head = client.head_object(Bucket=bucket, Key="m/a.txt")
    assert head["Metadata"] == {"course-id": "42", "title": "Intro: part 1 (draft)"}


def test_a_reader_that_goes_away_ends_the_command_quietly(monkeypatch, capsys) -> None:
    """`coachadmin uploads | head -1`: once head has its line and left, the command's next
    write fails; that ends it with the status of lost output, not "unexpected error"."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader went away
    gone = io.TextIOWrapper(os.fdopen(write_end, "wb", buffering=0), write_through=True)
    monkeypatch.setattr(sys, "stdout", gone)
    assert cli.main(["uploads"]) == OUTPUT_LOST
    err = capsys.readouterr().err
    assert "unexpected error" not in err and "Traceback" not in err
