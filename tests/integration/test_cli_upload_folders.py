"""`coachadmin upload DIR… s3://B/PREFIX/`: folders, filters, one listing, many files at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import coachadmin
from coachadmin.s3.client import S3Settings, make_client
from tests.support.faultproxy import Fault, FaultProxy, Request
from tests.support.transfers import get_bytes, json_lines, make_bucket, run_cli, start_cli

SAMPLE_VIDEO = Path(coachadmin.__file__).parent / "resources" / "sample-media" / "sample-video.mp4"


def keys_in(endpoint: str, bucket: str) -> set[str]:
    client = make_client(S3Settings(endpoint_url=endpoint))
    return {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def make_course(root: Path) -> dict[str, bytes]:
    """A folder as a content manager has it; returns each file's path under ``root``."""
    files = {
        "course/intro.txt": b"intro",
        "course/video/a.mp4": SAMPLE_VIDEO.read_bytes(),  # a real one: no media note
        "course/video/b.tmp": b"scratch",
        "course/video/keep.tmp": b"wanted",
        "course/images/deep/c.jpg": os.urandom(500),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def test_a_folder_goes_up_keeping_its_paths_filtered_and_checked_with_one_listing(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    files = make_course(tmp_path)
    (tmp_path / "notes.txt").write_bytes(b"loose file")
    with FaultProxy(s3_server) as proxy:
        result = run_cli(
            "upload", str(tmp_path / "course"), str(tmp_path / "notes.txt"),
            f"s3://{bucket}/lessons/", "--endpoint-url", proxy.url, "--json",
            "--exclude", "*.tmp", "--include", "*/keep.tmp",
        )  # fmt: skip
        requests = list(proxy.stats.requests)
    assert result.returncode == 0, result.stderr
    expected = {f"lessons/{name}" for name in files if not name.endswith("b.tmp")}
    expected.add("lessons/notes.txt")
    assert keys_in(s3_server, bucket) == expected
    for name, data in files.items():
        if not name.endswith("b.tmp"):
            assert get_bytes(s3_server, bucket, f"lessons/{name}") == data
    results = [o for o in json_lines(result.stdout) if o["event"] == "result"]
    assert len(results) == len(expected)
    # Existence came from one listing of the keys' common prefix, never a HEAD per key.
    assert [r.method for r in requests if r.method == "HEAD"] == []
    listings = [r for r in requests if r.method == "GET" and "list-type=2" in r.target]
    assert len(listings) == 1 and "prefix=lessons%2F" in listings[0].target
    assert run_cli("uploads", "--json").stdout.strip() == ""


def test_a_listing_that_fails_once_is_asked_again(s3_server: str, tmp_path: Path) -> None:
    """The keys' listing meets a 503 SlowDown (S3 says so under load): it is retried, as
    the engine retries its own requests, rather than the folder refused."""
    bucket = make_bucket(s3_server)
    files = make_course(tmp_path)

    def listing(request: Request) -> bool:
        return request.method == "GET" and "list-type=2" in request.target

    with FaultProxy(s3_server) as proxy:
        proxy.add_fault(listing, Fault("status", code=503))
        result = run_cli(
            "upload", str(tmp_path / "course"), f"s3://{bucket}/p/", "--endpoint-url", proxy.url
        )
        listings = [r for r in proxy.stats.requests if listing(r)]
    assert result.returncode == 0, result.stderr
    assert keys_in(s3_server, bucket) == {f"p/{name}" for name in files}
    assert len(listings) == 2


def test_an_existing_key_refuses_the_whole_folder_in_one_line_that_names_it(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    files = make_course(tmp_path)
    client = make_client(S3Settings(endpoint_url=s3_server))
    client.put_object(Bucket=bucket, Key="x/course/video/a.mp4", Body=b"old")
    target = f"s3://{bucket}/x/"
    refused = run_cli("upload", str(tmp_path / "course"), target, "--endpoint-url", s3_server)
    assert refused.returncode != 0
    line = refused.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("coachadmin: ")
    assert f"s3://{bucket}/x/course/video/a.mp4 already exists" in line and "--overwrite" in line
    assert keys_in(s3_server, bucket) == {"x/course/video/a.mp4"}  # all or nothing
    assert get_bytes(s3_server, bucket, "x/course/video/a.mp4") == b"old"
    done = run_cli(
        "upload", str(tmp_path / "course"), target, "--endpoint-url", s3_server, "--overwrite"
    )
    assert done.returncode == 0, done.stderr
    assert get_bytes(s3_server, bucket, "x/course/video/a.mp4") == files["course/video/a.mp4"]


def test_bad_folder_uploads_give_one_line(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    (tmp_path / "empty").mkdir()
    make_course(tmp_path)
    cases = [
        ([str(tmp_path / "empty"), f"s3://{bucket}/p/"], "no files to upload"),
        ([str(tmp_path / "course"), f"s3://{bucket}/one-key"], "end the destination with /"),
        ([str(tmp_path / "course"), f"s3://{bucket}/p/", "--exclude", "*"], "no files to upload"),
    ]
    for args, expected in cases:
        result = run_cli("upload", *args, "--endpoint-url", s3_server)
        assert result.returncode != 0
        assert expected in result.stderr and result.stderr.strip().count("\n") == 0


def test_every_name_no_key_can_hold_is_said_at_once_and_nothing_is_sent(
    s3_server: str, tmp_path: Path
) -> None:
    """A folder with five names holding control characters: one line names three and
    counts the rest, so that they are renamed in one go rather than one run at a time."""
    bucket = make_bucket(s3_server)
    course = tmp_path / "course"
    course.mkdir()
    (course / "fine.mp4").write_bytes(b"ok")
    for number in range(5):
        (course / f"clip{chr(number + 1)}.mp4").write_bytes(b"x")
    result = run_cli("upload", str(course), f"s3://{bucket}/p/", "--endpoint-url", s3_server)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.count("\n") == 0
    assert "5 files cannot be uploaded under their names, and nothing was sent:" in line
    assert line.count("(U+000") == 3 and line.endswith("; and 2 more")
    listed = make_client(S3Settings(endpoint_url=s3_server)).list_objects_v2(Bucket=bucket)
    assert listed["KeyCount"] == 0


def test_two_files_for_one_key_are_both_named_and_a_file_named_twice_goes_once(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_bytes(folder.encode())
    clash = run_cli("upload", str(tmp_path / "a" / "x.txt"), str(tmp_path / "b" / "x.txt"),
                    f"s3://{bucket}/dup/", "--endpoint-url", s3_server)  # fmt: skip
    assert clash.returncode == 2
    assert (
        f"{tmp_path / 'a' / 'x.txt'} and {tmp_path / 'b' / 'x.txt'} would both go to "
        f"s3://{bucket}/dup/x.txt" in clash.stderr
    )
    twice = run_cli("upload", str(tmp_path / "a" / "x.txt"), str(tmp_path / "a" / "x.txt"),
                    f"s3://{bucket}/dup/", "--endpoint-url", s3_server, "--json")  # fmt: skip
    assert twice.returncode == 0, twice.stderr
    assert len([e for e in json_lines(twice.stdout) if e["event"] == "result"]) == 1
    assert get_bytes(s3_server, bucket, "dup/x.txt") == b"a"


def test_a_link_that_cannot_be_checked_is_no_crash(s3_server: str, tmp_path: Path) -> None:
    """A link whose target cannot even be looked up (here a name too long for the system;
    as a user, a link into a folder they cannot read): named in one line, or skipped as a
    link to nothing where Python says it does not exist (3.12+), never "a bug"."""
    bucket = make_bucket(s3_server)
    make_course(tmp_path)
    link = tmp_path / "course" / "odd.mp4"
    link.symlink_to(tmp_path / ("x" * 300) / "y")
    result = run_cli("upload", str(tmp_path / "course"), f"s3://{bucket}/p/",
                     "--endpoint-url", s3_server)  # fmt: skip
    assert "Traceback" not in result.stderr and "bug" not in result.stderr
    if result.returncode:
        assert result.stderr.strip().count("\n") == 0 and str(link) in result.stderr
        assert keys_in(s3_server, bucket) == set()
    else:
        assert "p/course/odd.mp4" not in keys_in(s3_server, bucket)


def test_dot_dot_is_the_parent_by_name_and_links_to_nothing_are_skipped(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    make_course(tmp_path)
    (tmp_path / "course" / "gone.mp4").symlink_to(tmp_path / "deleted.mp4")
    inside = tmp_path / "course" / "video"
    result = subprocess.run(
        [sys.executable, "-m", "coachadmin", "upload", "..", f"s3://{bucket}/up/",
         "--endpoint-url", s3_server],
        cwd=inside, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert keys_in(s3_server, bucket) == {
        "up/course/intro.txt",
        "up/course/video/a.mp4",
        "up/course/video/b.tmp",
        "up/course/video/keep.tmp",
        "up/course/images/deep/c.jpg",
    }


def test_a_missing_bucket_is_named(s3_server: str, tmp_path: Path) -> None:
    make_course(tmp_path)
    result = run_cli("upload", str(tmp_path / "course"), "s3://no-such-bucket-here/p/",
                     "--endpoint-url", s3_server)  # fmt: skip
    assert result.returncode == 1
    assert "the bucket 'no-such-bucket-here' does not exist" in result.stderr


def test_a_folder_upload_killed_midway_resumes_to_every_file_exactly_once(
    s3_server: str, tmp_path: Path
) -> None:
    """The small files' states are journaled in batches; whatever a kill -9 lost, a resume
    finds the objects already sent (their PUT meets If-None-Match) and sends the rest."""
    bucket = make_bucket(s3_server)
    folder = tmp_path / "many"
    folder.mkdir()
    # 150 files, 30 at once, 0.3 s a request: seconds to send, time for a loaded host to
    # see the first ones up and kill the upload well before the last.
    files = {f"f{n:03}.bin": os.urandom(2000 + n) for n in range(150)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with FaultProxy(s3_server, latency=0.3) as proxy:
        process = start_cli("upload", str(folder), f"s3://{bucket}/", "--endpoint-url", proxy.url)
        deadline = time.monotonic() + 30
        while len(keys_in(s3_server, bucket)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)  # some files up (and journaled or not), most not
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    sent = keys_in(s3_server, bucket)
    assert 0 < len(sent) < len(files)
    resumed = run_cli("resume", "--all", "--endpoint-url", s3_server, "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert keys_in(s3_server, bucket) == {f"many/{name}" for name in files}
    for name, data in files.items():
        assert get_bytes(s3_server, bucket, f"many/{name}") == data
    assert run_cli("uploads", "--json").stdout.strip() == ""


def test_a_folder_upload_killed_midway_then_run_again_finishes_and_no_more(
    s3_server: str, tmp_path: Path
) -> None:
    """The same command again: the unfinished files go on, the finished ones are left as
    they are; once all are there, a third run sends nothing; a file changed since its
    upload is an existing key like any other (no silent overwrite)."""
    bucket = make_bucket(s3_server)
    folder = tmp_path / "many"
    folder.mkdir()
    # 150 files, 30 at once, 0.3 s a request: seconds to send, time for a loaded host to
    # see the first ones up and kill the upload well before the last.
    files = {f"f{n:03}.bin": os.urandom(2000 + n) for n in range(150)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with FaultProxy(s3_server, latency=0.3) as proxy:  # one endpoint for every run
        command = ("upload", str(folder), f"s3://{bucket}/", "--endpoint-url", proxy.url)
        process = start_cli(*command)
        deadline = time.monotonic() + 30
        while len(keys_in(s3_server, bucket)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)  # some files up (and journaled or not), most not
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert 0 < len(keys_in(s3_server, bucket)) < len(files)
        again = run_cli(*command)
        assert again.returncode == 0, again.stderr
        assert "going on with the unfinished upload" in again.stderr
        assert keys_in(s3_server, bucket) == {f"many/{name}" for name in files}
        for name, data in files.items():
            assert get_bytes(s3_server, bucket, f"many/{name}") == data
        assert run_cli("uploads", "--json").stdout.strip() == ""

        before = len(proxy.stats.requests)
        third = run_cli(*command)
        puts = [r for r in proxy.stats.requests[before:] if r.method == "PUT"]
        assert third.returncode == 0, third.stderr
        assert "150 files uploaded by an earlier run, unchanged since" in third.stderr
        assert puts == []

        (folder / "f007.bin").write_bytes(b"edited since")
        fourth = run_cli(*command)
    assert fourth.returncode == 1
    assert f"s3://{bucket}/many/f007.bin already exists" in fourth.stderr
    assert get_bytes(s3_server, bucket, "many/f007.bin") == files["f007.bin"]


def test_a_file_that_fails_in_a_folder_is_named(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    make_course(tmp_path)
    refused = b"<Error><Code>InvalidRequest</Code><Message>Refused by policy</Message></Error>"
    with FaultProxy(s3_server) as proxy:
        proxy.add_fault(
            lambda r: r.method == "PUT" and "intro.txt" in r.target,
            Fault("status", code=400, body=refused),
            times=10,
        )
        result = run_cli(
            "upload", str(tmp_path / "course"), f"s3://{bucket}/p/", "--endpoint-url", proxy.url
        )
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.count("\n") == 0, line
    assert f"{tmp_path / 'course' / 'intro.txt'}: S3 refused the request" in line
    assert "p/course/video/a.mp4" in keys_in(s3_server, bucket)  # the others went up
