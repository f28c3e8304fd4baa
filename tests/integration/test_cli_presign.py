"""`coachadmin presign`: one SigV4 URL on stdout, the expiry, the 7-day limit, the bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from moto.core.authorization import enable_iam_authentication

from coachadmin.cli import main
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from tests.support.motoiam import restricted_user

REGION = "eu-north-1"
BODY = b"\x00\x01lesson video bytes\xff"


@pytest.fixture
def bucket(s3_server: str) -> str:
    name = f"cli-presign-{uuid.uuid4().hex[:10]}"
    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_object(Bucket=name, Key="videos/intro 1.mp4", Body=BODY)
    return name


def presign(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["presign", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_one_sigv4_url_for_the_region_that_returns_the_bytes(capsys, s3_server, bucket):
    before = datetime.now(UTC).replace(microsecond=0)
    code, out, err = presign(
        capsys,
        f"s3://{bucket}/videos/intro 1.mp4",
        "--expires",
        "15m",
        "--endpoint-url",
        s3_server,
        "--region",
        REGION,
    )
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 1
    url = lines[0]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-SignedHeaders"] == ["host"]
    credential = query["X-Amz-Credential"][0].split("/")
    assert credential[0] == "testing"
    assert credential[2:] == [REGION, "s3", "aws4_request"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= signed_at <= datetime.now(UTC)
    assert len(query["X-Amz-Signature"][0]) == 64

    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == BODY


def test_the_default_expiry_is_one_hour_and_seven_days_is_the_most(capsys, s3_server, bucket):
    uri = f"s3://{bucket}/videos/intro 1.mp4"
    where = ["--endpoint-url", s3_server, "--region", REGION]
    code, out, _ = presign(capsys, uri, *where)
    assert code == 0
    assert parse_qs(urlsplit(out.strip()).query)["X-Amz-Expires"] == ["3600"]
    code, out, _ = presign(capsys, uri, "--expires", "7d", *where)
    assert code == 0
    assert parse_qs(urlsplit(out.strip()).query)["X-Amz-Expires"] == ["604800"]


@pytest.mark.parametrize(
    "duration", ["8d", "7d1s", "2w", "604801", "9999999999999999999d", "9" * 40]
)
def test_more_than_seven_days_is_refused_with_a_message(capsys, s3_server, bucket, duration):
    code, out, err = presign(
        capsys,
        f"s3://{bucket}/videos/intro 1.mp4",
        "--expires",
        duration,
        "--endpoint-url",
        s3_server,
        "--region",
        REGION,
    )
    assert code == 2
    assert out == ""
    assert "7 days" in err
    assert "Signature Version 4" in err


def test_json_output_carries_the_expiry(capsys, s3_server, bucket):
    code, out, _ = presign(
        capsys,
        f"s3://{bucket}/videos/intro 1.mp4",
        "--expires",
        "1d",
        "--json",
        "--endpoint-url",
        s3_server,
        "--region",
        REGION,
    )
    assert code == 0
    record = json.loads(out)
    expires_at = datetime.fromisoformat(record["expires_at"])
    assert abs(expires_at - (datetime.now(UTC) + timedelta(days=1))) < timedelta(seconds=30)
    assert record["effective_expires_at"] == record["expires_at"]
    assert record["warning"] is None
    assert requests.get(record["url"], timeout=10).content == BODY


def test_bad_input_gets_a_message_and_no_url(capsys, s3_server, bucket, monkeypatch):
    where = ["--endpoint-url", s3_server, "--region", REGION]
    code, out, err = presign(capsys, f"s3://{bucket}/videos/", *where)
    assert (code, out) == (2, "")
    assert "folder" in err
    code, out, err = presign(capsys, f"s3://{bucket}/a.mp4", "--expires", "soon", *where)
    assert (code, out) == (2, "")
    assert "15m, 1h" in err
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    code, out, err = presign(capsys, f"s3://{bucket}/a.mp4", "--endpoint-url", s3_server)
    assert (code, out) == (2, "")
    assert "--region" in err


def test_the_installed_command_prints_the_url(s3_server, bucket, tmp_path):
    """The real entry point in its own process: stdout is the URL alone (for scripts)."""
    env = dict(os.environ, COACHADMIN_HOME=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "coachadmin",
            "presign",
            f"s3://{bucket}/videos/intro 1.mp4",
            "--expires",
            "1h",
            "--endpoint-url",
            s3_server,
            "--region",
            REGION,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert requests.get(result.stdout.strip(), timeout=10).content == BODY


def test_temporary_credentials_that_expire_sooner_are_reported(
    capsys, s3_server, bucket, monkeypatch
):
    """Credentials from `aws sso login` or a role expire; the link dies with them."""
    soon = (datetime.now(UTC) + timedelta(minutes=40)).replace(microsecond=0)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing-session-token")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", soon.isoformat())
    code, out, err = presign(
        capsys,
        f"s3://{bucket}/videos/intro 1.mp4",
        "--expires",
        "1d",
        "--json",
        "--endpoint-url",
        s3_server,
        "--region",
        REGION,
    )
    assert code == 0
    record = json.loads(out)
    assert datetime.fromisoformat(record["effective_expires_at"]) == soon
    assert "temporary AWS credentials" in record["warning"]
    assert "warning: This link stops working at" in err
    assert parse_qs(urlsplit(record["url"]).query)["X-Amz-Expires"] == ["86400"]


def test_a_session_token_without_its_expiry_is_said_to_last_36_hours_at_most(
    capsys, s3_server, bucket, monkeypatch
):
    """A token pasted into AWS_SESSION_TOKEN carries no expiry: never claim 7 days for it."""
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing-session-token")
    monkeypatch.delenv("AWS_CREDENTIAL_EXPIRATION", raising=False)
    before = datetime.now(UTC)
    code, out, err = presign(
        capsys,
        f"s3://{bucket}/videos/intro 1.mp4",
        "--expires",
        "7d",
        "--json",
        "--endpoint-url",
        s3_server,
        "--region",
        REGION,
    )
    assert code == 0, err
    record = json.loads(out)
    effective = datetime.fromisoformat(record["effective_expires_at"])
    assert before + timedelta(hours=36) <= effective <= datetime.now(UTC) + timedelta(hours=36)
    assert datetime.fromisoformat(record["expires_at"]) - before >= timedelta(days=7)
    assert "at the latest" in record["warning"] and "36 hours" in record["warning"]
    assert err.count("\n") == 1 and "warning: This link stops working by" in err


def test_a_missing_object_gets_no_link_unless_no_check(capsys, s3_server, bucket):
    """A typo in the key would hand out a link that answers 404: say so instead."""
    missing = f"s3://{bucket}/videos/intro-1.mp4"
    code, out, err = presign(capsys, missing, "--endpoint-url", s3_server, "--region", REGION)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "does not exist" in err and "--no-check" in err
    code, out, err = presign(
        capsys, missing, "--no-check", "--endpoint-url", s3_server, "--region", REGION
    )
    assert code == 0 and "X-Amz-Signature=" in out and "intro-1.mp4" in out


def test_a_check_that_cannot_be_made_warns_and_still_prints_the_link(capsys, bucket):
    code, out, err = presign(
        capsys,
        f"s3://{bucket}/videos/intro 1.mp4",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        REGION,
    )
    assert code == 0 and "X-Amz-Signature=" in out
    assert err.count("\n") == 1 and "could not check" in err


def test_credentials_s3_refuses_get_no_link(capsys, monkeypatch, s3_server, bucket):
    """A link is signed with the same credentials: one the check saw refused would be too."""
    access_key, secret = restricted_user(s3_server, bucket, ["s3:GetObject"])
    key = f"s3://{bucket}/videos/intro 1.mp4"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    with enable_iam_authentication():
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "FAKEsecret-wrong-0000")
        code, out, err = presign(capsys, key, "--endpoint-url", s3_server, "--region", REGION)
        assert code == 1 and out == ""
        assert "would be refused" in err and "secret access key does not match" in err
        assert err.count("\n") == 1
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        code, out, err = presign(capsys, key, "--endpoint-url", s3_server, "--region", REGION)
        assert code == 0 and "X-Amz-Signature=" in out, err
