"""`coachadmin upload|uploads|resume|abort|orphans|download` as a user or a script runs them."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from coachadmin import paths
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.config import MiB
from tests.support.faultproxy import Fault, FaultProxy, Reply, Request
from tests.support.transfers import (
    get_bytes,
    json_lines,
    make_bucket,
    multipart_uploads,
    run_cli,
    start_cli,
    write_random,
)


def one_line_error(result: object) -> str:
    stderr = result.stderr.strip()  # type: ignore[attr-defined]
    assert stderr.count("\n") == 0, stderr
    assert stderr.startswith("coachadmin: ")
    return stderr


def test_upload_small_and_multipart_files_with_json_output(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    small = write_random(tmp_path / "a.txt", 1000)
    big = write_random(tmp_path / "b.mp4", 12 * MiB)
    result = run_cli(
        "upload",
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.mp4"),
        f"s3://{bucket}/course/",
        "--endpoint-url",
        s3_server,
        "--part-size",
        "5MiB",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    objects = json_lines(result.stdout)
    results = {o["key"]: o for o in objects if o["event"] == "result"}
    assert set(results) == {"course/a.txt", "course/b.mp4"}
    assert results["course/b.mp4"]["size"] == 12 * MiB
    assert str(results["course/b.mp4"]["etag"]).endswith("-3")
    progress = [o for o in objects if o["event"] == "progress"]
    assert all({"bytesDone", "total", "id"} <= set(o) for o in progress)
    assert get_bytes(s3_server, bucket, "course/a.txt") == small
    assert get_bytes(s3_server, bucket, "course/b.mp4") == big


def test_upload_to_a_full_key_in_text_mode(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "a.bin", 0)
    result = run_cli(
        "upload", str(tmp_path / "a.bin"), f"s3://{bucket}/x/empty.bin", "--endpoint-url", s3_server
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"uploaded {tmp_path / 'a.bin'} to s3://{bucket}/x/empty.bin")
    assert get_bytes(s3_server, bucket, "x/empty.bin") == data


def test_endpoint_from_the_environment(
    s3_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "a.bin", 10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    result = run_cli("upload", str(tmp_path / "a.bin"), f"s3://{bucket}/", "--json")
    assert result.returncode == 0, result.stderr
    assert get_bytes(s3_server, bucket, "a.bin") == (tmp_path / "a.bin").read_bytes()


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (
            "lesson\x01.mp4",
            "holds a character S3's answers cannot carry (U+0001, a control character)",
        ),
        (os.fsdecode(b"le\xe7on.mp4"), "/le\\xe7on.mp4' is not UTF-8 text"),
    ],
    ids=["control-character", "not-utf8"],
)
@pytest.mark.parametrize("size", [10, 6 * MiB], ids=["put", "multipart"])
def test_a_name_no_s3_key_can_hold_is_refused_before_anything_is_sent(
    s3_server: str, tmp_path: Path, name: str, said: str, size: int
) -> None:
    """Such a multipart upload could never finish (S3 echoes the key in XML no parser
    reads), and a name that is not UTF-8 is no key at all: refused in one line, exit 2."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / name, size)
    result = run_cli(
        "upload", str(tmp_path / name), f"s3://{bucket}/course/", "--endpoint-url", s3_server
    )
    assert result.returncode == 2, result.stderr
    assert said in one_line_error(result)
    assert "rename the file" in result.stderr or "rename it" in result.stderr
    listed = make_client(S3Settings(endpoint_url=s3_server)).list_objects_v2(Bucket=bucket)
    assert listed["KeyCount"] == 0
    assert multipart_uploads(s3_server, bucket) == []


@pytest.mark.parametrize("command", ["upload", "download"])
def test_an_empty_path_is_refused_not_taken_for_the_current_folder(
    s3_server: str, command: str
) -> None:
    """`coachadmin upload "$FILE" s3://…` with FILE unset would otherwise upload the folder
    the command runs in (here the project's root), all of it."""
    bucket = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(Bucket=bucket, Key="k", Body=b"x")
    where = [f"s3://{bucket}/k", ""] if command == "download" else ["", f"s3://{bucket}/up/"]
    result = run_cli(command, *where, "--endpoint-url", s3_server)
    assert result.returncode == 2
    assert "argument PATH: an empty path: give a file or folder" in result.stderr
    listed = make_client(S3Settings(endpoint_url=s3_server)).list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["k"]


def test_an_existing_key_fails_unless_overwrite(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=bucket, Key="a.txt", Body=b"old"
    )
    data = write_random(tmp_path / "a.txt", 10)
    target = f"s3://{bucket}/"
    refused = run_cli("upload", str(tmp_path / "a.txt"), target, "--endpoint-url", s3_server)
    assert refused.returncode != 0
    assert "already exists" in one_line_error(refused) and "--overwrite" in refused.stderr
    assert get_bytes(s3_server, bucket, "a.txt") == b"old"
    done = run_cli(
        "upload", str(tmp_path / "a.txt"), target, "--endpoint-url", s3_server, "--overwrite"
    )
    assert done.returncode == 0, done.stderr
    assert get_bytes(s3_server, bucket, "a.txt") == data


def test_a_large_file_to_an_existing_key_is_refused_and_leaves_nothing(
    s3_server: str, tmp_path: Path
) -> None:
    """One file's key is checked as its multipart upload begins: refused all the same,
    the new multipart upload aborted, nothing left in `uploads` to resume."""
    bucket = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=bucket, Key="video.bin", Body=b"old"
    )
    write_random(tmp_path / "video.bin", 6 * MiB)
    refused = run_cli(
        "upload", str(tmp_path / "video.bin"), f"s3://{bucket}/", "--endpoint-url", s3_server,
        "--part-size", "5MiB",
    )  # fmt: skip
    assert refused.returncode != 0
    assert "already exists" in one_line_error(refused) and "--overwrite" in refused.stderr
    assert get_bytes(s3_server, bucket, "video.bin") == b"old"
    assert multipart_uploads(s3_server, bucket) == []
    assert run_cli("uploads", "--json").stdout.strip() == ""


@pytest.mark.parametrize(
    ("make_args", "expected"),
    [
        (lambda tmp, ep, b: [str(tmp / "missing.mp4"), f"s3://{b}/"], "does not exist"),
        (lambda tmp, ep, b: [str(tmp), f"s3://{b}/key"], "is a folder"),
        (lambda tmp, ep, b: [str(tmp / "ok.txt"), "s3://Bad_Bucket/"], "not a valid bucket name"),
        (lambda tmp, ep, b: [str(tmp / "ok.txt"), "s3:/bucket/key"], "not an S3 address"),
        (lambda tmp, ep, b: [str(tmp / "ok.txt"), "https://bucket/key"], "not an S3 address"),
        (lambda tmp, ep, b: [str(tmp / "ok.txt"), "s3:///key"], "names no bucket"),
        (lambda tmp, ep, b: [str(tmp / "ok.txt"), "s3://no-such-bucket-4a7/"], "does not exist"),
        (lambda tmp, ep, b: [str(tmp / "ok.txt"), f"s3://{b}/", "--part-size", "1MiB"], "5MiB"),
        (
            lambda tmp, ep, b: [str(tmp / "ok.txt"), f"s3://{b}/", "--part-size", "lots"],
            "not a size",
        ),
        (
            lambda tmp, ep, b: [str(tmp / "ok.txt"), str(tmp / "ok.txt"), f"s3://{b}/k"],
            "single key",
        ),
    ],
)
def test_bad_input_gives_one_clear_line_and_a_nonzero_exit(
    s3_server: str, tmp_path: Path, make_args: object, expected: str
) -> None:
    bucket = make_bucket(s3_server)
    (tmp_path / "ok.txt").write_text("hello")
    args = make_args(tmp_path, s3_server, bucket)  # type: ignore[operator]
    result = run_cli("upload", *args, "--endpoint-url", s3_server)
    assert result.returncode != 0
    assert expected in one_line_error(result)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux's /proc")
@pytest.mark.parametrize("virtual", ["/proc/self/status", "/sys/class/net/lo/address"])
def test_a_file_whose_size_lies_is_refused_and_nothing_is_uploaded(
    s3_server: str, virtual: str
) -> None:
    """/proc says 0 bytes and /sys 4,096 whatever they hold: never upload what is not there."""
    if not Path(virtual).exists():
        pytest.skip(f"{virtual} is not on this machine")
    bucket = make_bucket(s3_server)
    result = run_cli("upload", virtual, f"s3://{bucket}/", "--endpoint-url", s3_server)
    assert result.returncode != 0
    assert "than its size says" in one_line_error(result)
    listed = make_client(S3Settings(endpoint_url=s3_server)).list_objects_v2(Bucket=bucket)
    assert listed.get("KeyCount") == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_refused(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    secret.chmod(0)
    result = run_cli("upload", str(secret), f"s3://{bucket}/", "--endpoint-url", s3_server)
    assert result.returncode != 0
    assert "permission denied" in one_line_error(result)


def test_an_unreadable_file_is_refused_even_as_root(s3_server: str, tmp_path: Path) -> None:
    """A FIFO with no writer cannot be read as a regular file by anyone, root included."""
    bucket = make_bucket(s3_server)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_cli("upload", str(fifo), f"s3://{bucket}/", "--endpoint-url", s3_server)
    assert result.returncode != 0
    assert "not a regular file" in one_line_error(result)


def _journal_parts(transfer_id: str) -> set[int]:
    with sqlite3.connect(paths.journal_path()) as db:
        rows = db.execute("SELECT number FROM parts WHERE transfer_id=?", (transfer_id,)).fetchall()
    return {row[0] for row in rows}


@pytest.mark.slow
def test_kill_9_midway_then_resume_finishes_and_resends_only_parts_in_flight(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", 40 * MiB)  # 8 parts of 5 MiB
    concurrency = 2
    with FaultProxy(s3_server, rate=6 * MiB) as proxy:  # slow enough to kill midway
        process = start_cli(
            "upload",
            str(tmp_path / "lesson.mp4"),
            f"s3://{bucket}/lessons/",
            "--endpoint-url",
            proxy.url,
            "--part-size",
            "5MiB",
            "--concurrency",
            str(concurrency),
            "--json",
        )
        transfer_id = None
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        for line in process.stdout:
            event = json.loads(line)
            transfer_id = str(event["id"])
            if len(_journal_parts(transfer_id)) >= 3 or time.monotonic() > deadline:
                break
        assert transfer_id is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL

        journaled = _journal_parts(transfer_id)
        started = {r.part_number for r in proxy.stats.upload_parts()}
        assert 3 <= len(journaled) < 8, "the kill should land midway"
        listing = run_cli("uploads", "--json")
        unfinished = json_lines(listing.stdout)
        assert [u["id"] for u in unfinished] == [transfer_id]
        assert unfinished[0]["state"] == "interrupted"  # journaled "uploading", nobody on it
        assert f"{transfer_id}  interrupted" in run_cli("uploads").stdout

        proxy.up_limit = None  # the network is fast again
        before = len(proxy.stats.requests)
        resumed = run_cli("resume", "--all", "--json")
        assert resumed.returncode == 0, resumed.stderr
        after = proxy.stats.requests[before:]

    assert get_bytes(s3_server, bucket, "lessons/lesson.mp4") == data
    sent_again = {r.part_number for r in after if r.is_upload_part}
    assert not sent_again & journaled, "journaled parts must never be sent again"
    assert len(sent_again & started) <= concurrency, "only the parts in flight are re-sent"
    adopted = set(range(1, 9)) - sent_again - journaled
    assert adopted <= started, "a part not re-sent was on the server: adopted after its MD5 check"
    resent_bytes = sum(
        proxy.stats.body_bytes[r.index]
        for r in after
        if r.is_upload_part and r.part_number in started
    )
    assert resent_bytes <= concurrency * 5 * MiB
    result = [o for o in json_lines(resumed.stdout) if o["event"] == "result"]
    assert result[0]["key"] == "lessons/lesson.mp4" and result[0]["size"] == 40 * MiB
    assert json_lines(run_cli("uploads", "--json").stdout) == []
    assert multipart_uploads(s3_server, bucket) == []


def test_uploads_lists_unfinished_ones_and_abort_removes_them_from_the_server(
    s3_server: str, tmp_path: Path
) -> None:
    """An upload left failed (the server kept refusing) is listed with its id; `abort ID` aborts
    its multipart upload so that no parts are left to pay for."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "big.bin", 11 * MiB)
    with FaultProxy(s3_server) as proxy:
        proxy.add_fault(
            lambda r: r.part_number == 2,
            Fault("status", code=403, body=b"<Error><Code>AccessDenied</Code></Error>"),
            times=50,
        )
        failed = run_cli(
            "upload",
            str(tmp_path / "big.bin"),
            f"s3://{bucket}/",
            "--endpoint-url",
            proxy.url,
            "--part-size",
            "5MiB",
        )
        assert failed.returncode != 0
        assert "access denied" in one_line_error(failed)
    listing = json_lines(run_cli("uploads", "--json").stdout)
    assert len(listing) == 1 and listing[0]["state"] == "failed"
    transfer_id = str(listing[0]["id"])
    assert len(multipart_uploads(s3_server, bucket)) == 1
    text = run_cli("uploads")
    assert transfer_id in text.stdout and "failed" in text.stdout

    aborted = run_cli("abort", transfer_id, "--endpoint-url", s3_server)
    assert aborted.returncode == 0, aborted.stderr
    assert multipart_uploads(s3_server, bucket) == []
    assert json_lines(run_cli("uploads", "--json").stdout) == []
    again = run_cli("abort", transfer_id)
    assert again.returncode != 0 and "no unfinished transfer" in one_line_error(again)


def test_orphans_lists_and_aborts_uploads_the_journal_does_not_know(s3_server: str) -> None:
    bucket = make_bucket(s3_server)
    client = make_client(S3Settings(endpoint_url=s3_server))
    orphan = client.create_multipart_upload(Bucket=bucket, Key="lost/video.mp4")["UploadId"]
    client.upload_part(
        Bucket=bucket, Key="lost/video.mp4", UploadId=orphan, PartNumber=1, Body=b"x" * 1000
    )
    listed = run_cli("orphans", f"s3://{bucket}", "--endpoint-url", s3_server, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(o["key"], o["uploadId"], o["aborted"]) for o in json_lines(listed.stdout)] == [
        ("lost/video.mp4", orphan, False)
    ]
    assert len(multipart_uploads(s3_server, bucket)) == 1
    aborted = run_cli("orphans", f"s3://{bucket}", "--endpoint-url", s3_server, "--abort")
    assert aborted.returncode == 0, aborted.stderr
    assert "aborted" in aborted.stdout and "lost/video.mp4" in aborted.stdout
    assert multipart_uploads(s3_server, bucket) == []


def test_orphans_reads_keys_as_aws_sends_them_url_encoded(s3_server: str) -> None:
    """Asked for EncodingType=url (a key with a character XML cannot hold would make the
    answer unreadable), AWS sends every key URL-encoded and says so; moto ignores it."""
    bucket = make_bucket(s3_server)
    client = make_client(S3Settings(endpoint_url=s3_server))
    key = "lost/a+b c%41 caf\u00e9.mp4"
    orphan = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]

    def as_aws(request: Request, reply: Reply) -> Reply:
        assert "encoding-type=url" in request.target
        text = reply.body.decode()
        text = re.sub(
            r"<(Key|NextKeyMarker)>([^<]*)</\1>",
            lambda m: f"<{m[1]}>{quote_plus(html.unescape(m[2]), safe='/')}</{m[1]}>",
            text,
        )
        reply.body = text.replace(
            "</Bucket>", "</Bucket><EncodingType>url</EncodingType>", 1
        ).encode()
        return reply

    with FaultProxy(s3_server) as proxy:
        proxy.add_fault(
            lambda r: r.method == "GET" and "uploads" in r.target,
            Fault("rewrite", reply=as_aws),
            times=10,
        )
        listed = run_cli("orphans", f"s3://{bucket}", "--endpoint-url", proxy.url, "--json")
        assert listed.returncode == 0, listed.stderr
        assert [(o["key"], o["uploadId"]) for o in json_lines(listed.stdout)] == [(key, orphan)]
        assert any(f for _request, f in proxy.stats.faults)  # the answer was AWS's kind
    plain = run_cli("orphans", f"s3://{bucket}", "--endpoint-url", s3_server, "--json")
    assert [o["key"] for o in json_lines(plain.stdout)] == [key]  # moto's, not encoded


def test_download_is_byte_exact_and_refuses_to_overwrite(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "src.bin", 12 * MiB)
    up = run_cli(
        "upload",
        str(tmp_path / "src.bin"),
        f"s3://{bucket}/v.bin",
        "--endpoint-url",
        s3_server,
        "--part-size",
        "5MiB",
    )
    assert up.returncode == 0, up.stderr
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "download",
        f"s3://{bucket}/v.bin",
        str(out),
        "--endpoint-url",
        s3_server,
        "--json",
        "--part-size",
        "5MiB",
    )
    assert result.returncode == 0, result.stderr
    final = next(o for o in json_lines(result.stdout) if o["event"] == "result")
    assert final["size"] == 12 * MiB and str(final["etag"]).endswith("-3")
    assert (out / "v.bin").read_bytes() == data
    assert not list(out.glob("*.coachadmin-part"))
    again = run_cli("download", f"s3://{bucket}/v.bin", str(out), "--endpoint-url", s3_server)
    assert again.returncode != 0 and "already exists" in one_line_error(again)
    missing = run_cli("download", f"s3://{bucket}/nope.bin", str(out), "--endpoint-url", s3_server)
    assert missing.returncode != 0 and "does not exist" in one_line_error(missing)


def _upload_then_ctrl_c(path: Path, bucket: str, proxy: FaultProxy) -> tuple[str, str]:
    """Start `coachadmin upload` through the throttled proxy, Ctrl-C it once bytes move;
    the paused transfer's id and the command's stderr."""
    process = start_cli(
        "upload", str(path), f"s3://{bucket}/", "--endpoint-url", proxy.url,
        "--part-size", "5MiB", "--concurrency", "1", "--json",
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        event = json.loads(line)
        if int(str(event.get("bytesDone", 0))) > 0:
            break
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    return str(event["id"]), err


def test_ctrl_c_pauses_and_resume_finishes(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "talk.mp4", 15 * MiB)
    with FaultProxy(s3_server, rate=8 * MiB, window=256 * 1024) as proxy:
        transfer_id, err = _upload_then_ctrl_c(tmp_path / "talk.mp4", bucket, proxy)
        assert f"coachadmin resume {transfer_id}" in err
        listed = json_lines(run_cli("uploads", "--json").stdout)
        assert [(u["id"], u["state"]) for u in listed] == [(transfer_id, "paused")]
        proxy.up_limit = None
        resumed = run_cli("resume", transfer_id)
        assert resumed.returncode == 0, resumed.stderr
    assert get_bytes(s3_server, bucket, "talk.mp4") == data


def test_a_resume_that_starts_over_says_so_once(s3_server: str, tmp_path: Path) -> None:
    """The file changed while paused: the resume starts over, and says it one time."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "talk.mp4", 20 * MiB)
    with FaultProxy(s3_server, rate=8 * MiB, window=256 * 1024) as proxy:
        transfer_id, _err = _upload_then_ctrl_c(tmp_path / "talk.mp4", bucket, proxy)
        data = write_random(tmp_path / "talk.mp4", 20 * MiB)  # a new version, same size
        proxy.up_limit = None
        resumed = run_cli("resume", transfer_id)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.count("starting over") == 1, resumed.stderr
    assert get_bytes(s3_server, bucket, "talk.mp4") == data
