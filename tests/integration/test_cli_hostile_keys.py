"""`coachadmin download` with what a hostile bucket writer or local user can plant: keys that
climb out of the folder or carry terminal escapes, a link in place of the partial file."""

from __future__ import annotations

from pathlib import Path

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from tests.support.transfers import make_bucket, run_cli


def _put(endpoint: str, bucket: str, key: str, body: bytes) -> None:
    make_client(S3Settings(endpoint_url=endpoint)).put_object(Bucket=bucket, Key=key, Body=body)


def test_a_key_with_terminal_escapes_is_shown_escaped_and_saved_under_a_safe_name(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    key = "esc/\x1b]0;PWNED\x07name.txt"
    _put(s3_server, bucket, key, b"content")
    done = run_cli("download", f"s3://{bucket}/{key}", str(tmp_path), "--endpoint-url", s3_server)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout + done.stderr
    assert "\\x1b]0;PWNED\\x07name.txt" in done.stdout
    assert (tmp_path / "_]0;PWNED_name.txt").read_bytes() == b"content"


def test_a_key_that_names_no_file_is_refused_in_one_line_and_leaves_nothing(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    target = tmp_path / "dir"
    target.mkdir()
    refused = run_cli(
        "download", f"s3://{bucket}/.", str(target), "--overwrite", "--endpoint-url", s3_server
    )
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert list(tmp_path.rglob("*")) == [target]


def test_a_link_planted_as_the_partial_file_is_refused_and_its_target_untouched(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    _put(s3_server, bucket, "videos/intro.mp4", b"v" * 4096)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    dest = tmp_path / "intro.mp4"
    (tmp_path / "intro.mp4.coachadmin-part").symlink_to(victim)
    refused = run_cli(
        "download", f"s3://{bucket}/videos/intro.mp4", str(dest), "--endpoint-url", s3_server
    )
    assert refused.returncode != 0
    assert "symbolic link" in refused.stderr and "Traceback" not in refused.stderr
    assert victim.read_text() == "precious"
    assert not dest.exists()
