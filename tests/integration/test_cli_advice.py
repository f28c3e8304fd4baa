"""What a failed command tells the user to do matches what is left: a transfer to resume
(`coachadmin resume`), or nothing (do it again, or try again)."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from moto.core.authorization import enable_iam_authentication

from tests.support.faultproxy import FaultProxy
from tests.support.motoiam import restricted_user
from tests.support.transfers import json_lines, make_bucket, run_cli, start_cli


def _dead_endpoint() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"  # closed again: nothing listens


def _env(tmp_path: Path, access_key: str = "testing", secret: str = "testing") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "COACHADMIN_HOME": str(tmp_path / "home"),
    }


def test_an_upload_that_never_began_says_to_upload_again_not_to_resume(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))  # multipart: the create and the key check
    env = _env(tmp_path)
    result = run_cli(
        "upload", str(big), "s3://some-bucket/in/", "--endpoint-url", _dead_endpoint(), env=env
    )
    assert result.returncode == 1
    assert "nothing was sent: upload it again when" in result.stderr, result.stderr
    assert "coachadmin resume" not in result.stderr
    # No attempt got a connection: said as such, with where it tried, not as a failing server.
    port = result.stderr.split("no connection to 127.0.0.1:")[1].split(")")[0]
    assert port.isdigit(), result.stderr
    assert "the server could not be reached" in result.stderr
    assert "check the address, the network, VPN or proxy" in result.stderr
    listed = run_cli("uploads", env=env)
    assert listed.stdout.strip() == "no unfinished uploads"


def test_a_proxy_url_no_parser_takes_shows_no_piece_of_its_password(
    s3_server: str, tmp_path: Path
) -> None:
    """A password with a '/' not percent-encoded: urllib3 quotes what it could not parse
    (the URL up to the '/'), and none of the password shows."""
    bucket = make_bucket(s3_server)
    (tmp_path / "a.txt").write_text("a")
    proxy = _dead_endpoint().removeprefix("http://")
    env = _env(tmp_path) | {"HTTP_PROXY": f"http://me:FAKEpw1/FAKEpw2@{proxy}"}
    result = run_cli(
        "upload", str(tmp_path / "a.txt"), f"s3://{bucket}/p/", "--endpoint-url", s3_server,
        env=env,
    )  # fmt: skip
    assert result.returncode == 2  # its settings: nothing to wait or retry for
    assert "the proxy's address in the proxy settings" in result.stderr
    assert "cannot be read: write the special characters" in result.stderr
    assert "percent-encoded (/ as %2F" in result.stderr
    assert "FAKEpw" not in result.stderr + result.stdout


@contextmanager
def _refusing_proxy() -> Iterator[str]:
    """A proxy that answers every request, CONNECT or not, 407 (a wrong proxy password)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            with client:
                client.recv(65536)
                client.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="office"\r\nContent-Length: 0\r\n\r\n'
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_a_proxy_that_refuses_says_to_check_its_password(scheme: str, tmp_path: Path) -> None:
    """Through a proxy, an https:// endpoint is a CONNECT tunnel the proxy refuses, an
    http:// one a request it answers itself: either way its 407 is said as the proxy's,
    not as the server's or the network's, and at once."""
    (tmp_path / "a.txt").write_text("a")
    with _refusing_proxy() as proxy:
        env = _env(tmp_path) | {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": ""}
        began = time.monotonic()
        result = run_cli(
            "upload", str(tmp_path / "a.txt"), "s3://some-bucket/p/",
            "--endpoint-url", f"{scheme}://s3.example.invalid", env=env,
        )  # fmt: skip
    assert time.monotonic() - began < 20
    assert result.returncode == 1
    assert "would not connect to the server (407" in result.stderr, result.stderr
    assert "check the proxy's user name and password" in result.stderr
    assert run_cli("uploads", env=env).stdout.strip() == "no unfinished uploads"


def test_refused_credentials_outside_a_transfer_say_try_again(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    access_key, _secret = restricted_user(s3_server, bucket, ["s3:ListBucketMultipartUploads"])
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    (folder / "b.txt").write_text("b")
    env = _env(tmp_path, access_key, "FAKEsecret-wrong-0000")
    with enable_iam_authentication():
        orphans = run_cli("orphans", f"s3://{bucket}", "--endpoint-url", s3_server, env=env)
        folder_up = run_cli(
            "upload", str(folder), f"s3://{bucket}/p/", "--endpoint-url", s3_server, env=env
        )
    assert orphans.returncode == 1 and "SignatureDoesNotMatch" in orphans.stderr
    assert orphans.stderr.rstrip().endswith("then try again"), orphans.stderr
    assert folder_up.returncode == 1 and "SignatureDoesNotMatch" in folder_up.stderr
    assert folder_up.stderr.rstrip().endswith("then upload it again"), folder_up.stderr


def test_a_download_that_never_began_says_to_download_again(s3_server: str, tmp_path: Path) -> None:
    env = _env(tmp_path)
    dead = run_cli(
        "download", "s3://some-bucket/a.mp4", str(tmp_path / "a.mp4"),
        "--endpoint-url", _dead_endpoint(), env=env,
    )  # fmt: skip
    assert dead.returncode == 1
    assert "nothing was downloaded: download it again when" in dead.stderr, dead.stderr
    bucket = make_bucket(s3_server)
    access_key, _secret = restricted_user(s3_server, bucket, ["s3:GetObject"])
    with enable_iam_authentication():
        refused = run_cli(
            "download", f"s3://{bucket}/a.mp4", str(tmp_path / "a.mp4"),
            "--endpoint-url", s3_server, env=_env(tmp_path, access_key, "FAKEsecret-wrong-0000"),
        )  # fmt: skip
    assert refused.returncode == 1 and "SignatureDoesNotMatch" in refused.stderr
    assert refused.stderr.rstrip().endswith("then download it again"), refused.stderr
    assert "coachadmin resume" not in dead.stderr + refused.stderr
    assert run_cli("downloads", env=env).stdout.strip() == "no unfinished downloads"


def test_ctrl_c_before_the_transfers_are_under_way_says_to_run_it_again(
    monkeypatch, capsys, tmp_path: Path
) -> None:
    """Ctrl-C while a big batch is still being journaled: its rows are there to go on with."""
    from coachadmin import cli  # noqa: PLC0415 - the entry point, called in-process

    transfers = importlib.import_module("coachadmin.cli.transfers")  # the handlers' module

    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(transfers, "run_upload", interrupted)
    (tmp_path / "a.txt").write_text("a")
    assert cli.main(["upload", str(tmp_path / "a.txt"), "s3://b/p/"]) == 130
    assert capsys.readouterr().err == (
        "coachadmin: interrupted; run the same command again to go on where it stopped\n"
    )
    monkeypatch.setattr(transfers, "run_list", interrupted)
    assert cli.main(["uploads"]) == 130
    assert capsys.readouterr().err == "coachadmin: interrupted\n"


def test_a_transfer_left_unfinished_names_itself_in_every_advice(
    s3_server: str, tmp_path: Path
) -> None:
    """Killed mid-way, its server then gone: `resume ID` says to resume that id; `abort ID`
    says to abort again or --forget, never to resume; --forget says what stays behind."""
    bucket = make_bucket(s3_server)
    big = tmp_path / "lesson.mp4"
    big.write_bytes(os.urandom(30 * 1024 * 1024))
    env = _env(tmp_path)
    with FaultProxy(s3_server, rate=8 * 1024 * 1024) as proxy:
        process = start_cli(
            "upload", str(big), f"s3://{bucket}/v/", "--endpoint-url", proxy.url,
            "--part-size", "5MiB", "--concurrency", "2", env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len({r.part_number for r in proxy.stats.upload_parts()}) < 2:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    [row] = json_lines(run_cli("uploads", "--json", env=env).stdout)
    transfer_id = str(row["id"])

    resumed = run_cli("resume", transfer_id, env=env)  # the proxy's port is closed now
    assert resumed.returncode == 1
    assert f"run `coachadmin resume {transfer_id}` when the network" in resumed.stderr
    aborted = run_cli("abort", transfer_id, env=env)
    assert aborted.returncode == 1
    assert f"run `coachadmin abort {transfer_id}` again when the network" in aborted.stderr
    assert f"`coachadmin abort --forget {transfer_id}`" in aborted.stderr
    assert "coachadmin resume" not in aborted.stderr
    forgotten = run_cli("abort", "--forget", transfer_id, env=env)
    assert forgotten.returncode == 0, forgotten.stderr
    assert "removed from the list; its unfinished upload stays on the server" in forgotten.stdout
    assert f"`coachadmin orphans s3://{bucket} --abort`" in forgotten.stdout
    assert "coachadmin resume" not in forgotten.stdout + forgotten.stderr
