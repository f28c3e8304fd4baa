"""The command line says where it is about to go, and never sends the user somewhere dead."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from coachadmin import cli, paths
from tests.support.transfers import make_bucket, run_cli


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COACHADMIN_API"))}
    env |= {"AWS_ACCESS_KEY_ID": "testingABCD", "AWS_SECRET_ACCESS_KEY": "testing"}
    return env | {"NO_PROXY": "", "no_proxy": ""} | extra


def test_an_upload_no_connection_chose_says_which_credentials_go_to_aws(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("hello")
    dead_proxy = f"http://127.0.0.1:{_dead_port()}"  # AWS stays unreached in this test
    result = run_cli(
        "upload", str(tmp_path / "f.txt"), "s3://some-bucket/", "--region", "eu-north-1",
        env=_env(HTTPS_PROXY=dead_proxy, https_proxy=dead_proxy),
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert lines[0] == (
        "coachadmin: no connection is active: using AWS S3 for s3://some-bucket with the "
        "access key …ABCD from the environment"
    )
    assert len(lines) == 2 and "ProxyConnectionError" in lines[1], lines


def test_a_proxy_that_does_not_answer_is_one_line(s3_server: str, tmp_path: Path) -> None:
    """No connection to the server was made through the proxy: said as such (not as "the
    server kept failing"), naming the proxy's address and never the password in its URL."""
    bucket = make_bucket(s3_server)
    (tmp_path / "f.txt").write_text("hello")
    port = _dead_port()
    dead_proxy = f"http://me:FAKE-proxy-password@127.0.0.1:{port}"
    result = run_cli(
        "upload", str(tmp_path / "f.txt"), f"s3://{bucket}/", "--endpoint-url", s3_server,
        env=_env(HTTP_PROXY=dead_proxy, http_proxy=dead_proxy),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "the server could not be reached" in result.stderr
    assert f"no connection through 127.0.0.1:{port})" in result.stderr
    assert "upload it again when the network or server is back" in result.stderr
    assert "FAKE-proxy-password" not in result.stderr + result.stdout


def test_a_dead_backend_last_signed_in_to_is_not_where_the_user_is_sent() -> None:
    dead = f"http://127.0.0.1:{_dead_port()}"
    settings = paths.settings_path()
    settings.write_text(json.dumps({"schema_version": 1, "backend_url": dead}), "utf-8")
    env = _env(PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    result = run_cli("courses", env=env)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1
    assert f"{dead}, the backend last signed in to, does not answer" in result.stderr
    assert f"login --api-url {dead}" not in result.stderr
    named = run_cli("courses", "--api-url", dead, env=env)  # chosen: then sign in there
    assert f"Not signed in to {dead}" in named.stderr


def test_a_bug_is_one_line_and_the_traceback_goes_to_the_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_args: object) -> int:
        raise RuntimeError("an invariant did not hold")

    monkeypatch.setattr(cli, "load_handler", lambda _handler: broken)
    assert cli.main(["uploads"]) == cli.INTERNAL_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "unexpected error (RuntimeError: an invariant did not hold); this is a bug" in err
    assert "Traceback" in paths.log_path().read_text(encoding="utf-8")
