"""`coachadmin download` into what is at the destination: a named pipe, a folder, a link, a
folder that is not there or is a file, a folder it may not write to, names too long, a
missing bucket; each refused before any byte is fetched, in one line, leaving nothing.

Real processes against moto's server over HTTP, through the fault proxy where the test
counts the GETs that reached the server.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.events import TransferState
from coachadmin.transfers.local_paths import DestinationRefused, partial_path_for
from tests.support.faultproxy import FaultProxy
from tests.support.transfers import engine, json_lines, make_bucket, run_cli

BODY = b"lesson notes\n"


@pytest.fixture
def bucket(s3_server: str) -> str:
    name = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=name, Key="docs/a.txt", Body=BODY
    )
    return name


@pytest.fixture
def counted(s3_server: str) -> Iterator[FaultProxy]:
    """The S3 server behind a proxy that counts the requests (no faults)."""
    with FaultProxy(s3_server) as running:
        yield running


def _download(
    endpoint: str, source: str, dest: str, *flags: str
) -> subprocess.CompletedProcess[str]:
    return run_cli("download", source, dest, "--endpoint-url", endpoint, *flags)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    stderr = result.stderr.strip()
    assert stderr.count("\n") == 0 and stderr.startswith("coachadmin: "), stderr
    assert "Traceback" not in stderr and "this is a bug" not in stderr, stderr
    return stderr


def _gets(proxy: FaultProxy) -> list[str]:
    return [r.target for r in proxy.stats.requests if r.method == "GET"]


def _nothing_journaled() -> None:
    listed = run_cli("downloads", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json_lines(listed.stdout) == []


def _refused_before_any_get(
    proxy: FaultProxy, bucket: str, dest: str, *flags: str, code: int = 2
) -> str:
    refused = _download(proxy.url, f"s3://{bucket}/docs/a.txt", dest, *flags)
    assert refused.returncode == code, refused.stderr
    message = _one_line(refused)
    assert _gets(proxy) == []
    _nothing_journaled()
    return message


# -- 1. only a regular file (or a link, replaced itself) is overwritten -------------------


@pytest.mark.parametrize("flags", [("--overwrite",), ()])
def test_a_named_pipe_at_the_destination_is_refused_and_kept(
    counted: FaultProxy, bucket: str, tmp_path: Path, flags: tuple[str, ...]
) -> None:
    pipe = tmp_path / "mynull"
    os.mkfifo(pipe, 0o666)
    message = _refused_before_any_get(counted, bucket, str(pipe), *flags)
    assert f"{pipe} is a named pipe (FIFO), not a regular file" in message
    assert "remove it or choose another destination" in message
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert sorted(tmp_path.iterdir()) == [pipe]


def test_a_link_to_a_named_pipe_is_replaced_itself_and_the_pipe_is_untouched(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    link = tmp_path / "notes.txt"
    link.symlink_to(pipe)
    refused = _download(s3_server, f"s3://{bucket}/docs/a.txt", str(link))
    assert refused.returncode == 1 and "already exists; pass --overwrite" in _one_line(refused)
    done = _download(s3_server, f"s3://{bucket}/docs/a.txt", str(link), "--overwrite")
    assert done.returncode == 0, done.stderr
    assert not link.is_symlink() and link.read_bytes() == BODY
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_regular_file_is_still_replaced_with_overwrite(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    mine = tmp_path / "a.txt"
    mine.write_bytes(b"old")
    done = _download(s3_server, f"s3://{bucket}/docs/a.txt", str(tmp_path), "--overwrite")
    assert done.returncode == 0, done.stderr
    assert mine.read_bytes() == BODY
    assert sorted(tmp_path.iterdir()) == [mine]


# -- 2c. a folder where the file would go -------------------------------------------------


@pytest.mark.parametrize("flags", [("--overwrite",), ()])
def test_a_folder_where_the_key_would_land_is_refused_before_any_byte(
    counted: FaultProxy, bucket: str, tmp_path: Path, flags: tuple[str, ...]
) -> None:
    (tmp_path / "a.txt").mkdir()
    (tmp_path / "a.txt" / "inside").write_text("kept")
    message = _refused_before_any_get(counted, bucket, str(tmp_path), *flags)
    assert f"{tmp_path / 'a.txt'} is a folder, not a regular file" in message
    assert (tmp_path / "a.txt" / "inside").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


# -- 2a. a folder the user may not write to ---------------------------------------------


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder where making a file really fails with EACCES: a folder of mode 0o500, or
    (as root, whom mode bits do not stop) /sys, which refuses new files to root too."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    for candidate in (folder, Path("/sys")):
        try:
            fd = os.open(candidate / "probe.tmp", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except PermissionError:
            return candidate
        except OSError:
            continue
        os.close(fd)
        (candidate / "probe.tmp").unlink()
    pytest.skip("no folder here refuses writes with EACCES (root, and no /sys)")


def test_a_folder_without_write_permission_is_refused_in_one_line(
    counted: FaultProxy, bucket: str, tmp_path: Path
) -> None:
    folder = _unwritable_folder(tmp_path)
    try:
        for dest in (folder / "x.txt", folder):
            message = _refused_before_any_get(counted, bucket, str(dest))
            assert f"cannot write to {folder}: permission denied" in message
            assert not (folder / "x.txt").exists() and not (folder / "a.txt").exists()
    finally:
        (tmp_path / "locked").chmod(0o700)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root looks into any folder whatever its mode bits say",
)
def test_a_destination_in_a_folder_that_cannot_be_looked_into_is_refused(
    counted: FaultProxy, bucket: str, tmp_path: Path
) -> None:
    closed = tmp_path / "closed"
    closed.mkdir()
    closed.chmod(0o200)  # no x: nothing in it can even be looked at (as in /root)
    try:
        message = _refused_before_any_get(counted, bucket, str(closed / "x.txt"))
        assert f"cannot write to {closed}: permission denied" in message
    finally:
        closed.chmod(0o700)


# -- 2b. names too long -----------------------------------------------------------------


def test_a_key_name_over_255_bytes_lands_under_a_cut_name_and_leaves_nothing(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    key = "long/" + "k" * 300 + ".txt"
    make_client(S3Settings(endpoint_url=s3_server)).put_object(Bucket=bucket, Key=key, Body=BODY)
    done = _download(s3_server, f"s3://{bucket}/{key}", f"{tmp_path}/")
    assert done.returncode == 0, done.stderr
    [saved] = tmp_path.iterdir()
    assert saved.name == "k" * 251 + ".txt" and saved.read_bytes() == BODY


def test_a_destination_name_too_long_for_the_disk_is_refused_in_one_line(
    counted: FaultProxy, bucket: str, tmp_path: Path
) -> None:
    dest = tmp_path / ("n" * 300 + ".txt")
    message = _refused_before_any_get(counted, bucket, str(dest))
    assert "is too long for this disk; give a shorter file name as the destination" in message
    assert list(tmp_path.iterdir()) == []


def test_the_partial_file_of_a_long_name_fits_in_255_bytes_and_stays_apart() -> None:
    folder = Path("/any")
    one, other = folder / ("é" * 127 + "a"), folder / ("é" * 127 + "b")
    assert partial_path_for(folder / "v.mp4") == folder / "v.mp4.coachadmin-part"
    for dest in (one, other):
        partial = partial_path_for(dest)
        assert len(partial.name.encode()) <= 255 and partial.name.endswith(".coachadmin-part")
        assert partial.parent == folder
    assert partial_path_for(one) != partial_path_for(other)


# -- 3. and 4. a folder named by a separator, a file on the way ---------------------------


def test_a_destination_ending_in_a_separator_names_a_folder(
    counted: FaultProxy, bucket: str, tmp_path: Path
) -> None:
    missing = tmp_path / "newdir"
    message = _refused_before_any_get(counted, bucket, f"{missing}{os.sep}")
    assert message == f"coachadmin: the folder {missing} does not exist; create it first"
    assert not missing.exists()
    missing.mkdir()
    done = _download(counted.url, f"s3://{bucket}/docs/a.txt", f"{missing}{os.sep}")
    assert done.returncode == 0, done.stderr
    assert (missing / "a.txt").read_bytes() == BODY


@pytest.mark.parametrize("key", ["docs/..", "docs/."])
def test_a_key_ending_in_dots_into_a_folder_says_to_name_the_file(
    s3_server: str, bucket: str, tmp_path: Path, key: str
) -> None:
    """S3 keeps such keys; into a folder they name no file. A file path saves them."""
    make_client(S3Settings(endpoint_url=s3_server)).put_object(Bucket=bucket, Key=key, Body=BODY)
    refused = _download(s3_server, f"s3://{bucket}/{key}", str(tmp_path))
    assert refused.returncode == 2, refused.stderr
    message = _one_line(refused)
    assert "ends in no file name that can be saved; give a file path" in message
    assert list(tmp_path.iterdir()) == []
    done = _download(s3_server, f"s3://{bucket}/{key}", str(tmp_path / "saved.txt"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "saved.txt").read_bytes() == BODY


@pytest.mark.parametrize("under", ["a.txt/x", "a.txt/sub/x", "a.txt/"])
def test_a_file_on_the_way_is_named_as_a_file_not_a_missing_folder(
    counted: FaultProxy, bucket: str, tmp_path: Path, under: str
) -> None:
    (tmp_path / "a.txt").write_text("mine")
    message = _refused_before_any_get(counted, bucket, f"{tmp_path}/{under}")
    assert f"{tmp_path / 'a.txt'} is a file, not a folder" in message
    assert "does not exist" not in message
    assert (tmp_path / "a.txt").read_text() == "mine"


# -- 5. a missing bucket is not a missing key -------------------------------------------


def test_a_missing_bucket_is_named_as_such_and_a_missing_key_as_before(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    gone = make_bucket(s3_server, prefix="gone")
    make_client(S3Settings(endpoint_url=s3_server)).delete_bucket(Bucket=gone)
    no_bucket = _download(s3_server, f"s3://{gone}/docs/a.txt", str(tmp_path / "a.txt"))
    assert no_bucket.returncode == 1
    message = _one_line(no_bucket)
    assert f"the bucket '{gone}' does not exist" in message and "check the key" not in message
    no_key = _download(s3_server, f"s3://{bucket}/docs/nope.txt", str(tmp_path / "a.txt"))
    assert no_key.returncode == 1
    assert f"s3://{bucket}/docs/nope.txt does not exist; check the key" in _one_line(no_key)
    assert list(tmp_path.iterdir()) == []
    _nothing_journaled()


# -- 6. the listing reads from where to where -------------------------------------------


def test_the_listing_of_unfinished_downloads_reads_bucket_to_disk(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    eng = engine(s3_server)
    dest = tmp_path / "notes.txt"
    try:
        record = eng.prepare_download(bucket, "docs/a.txt", dest)
    finally:
        eng.journal.close()
    listed = run_cli("downloads")
    assert listed.returncode == 0, listed.stderr
    assert record.id in listed.stdout
    assert f"s3://{bucket}/docs/a.txt -> {dest}" in listed.stdout
    assert f"{dest} -> s3://" not in listed.stdout


# -- the run checks again: what appeared at the destination after it was queued ------------


def test_a_pipe_made_after_the_download_was_queued_is_refused_by_the_run(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    eng = engine(s3_server)
    dest = tmp_path / "notes.txt"
    try:
        record = eng.prepare_download(bucket, "docs/a.txt", dest)
        os.mkfifo(dest)
        with pytest.raises(DestinationRefused, match="named pipe"):
            eng.downloader(record.id).run()
        assert eng.journal.get_download(record.id).state == TransferState.FAILED
    finally:
        eng.journal.close()
    assert stat.S_ISFIFO(dest.lstat().st_mode)
    assert not partial_path_for(dest).exists()


def test_a_partial_file_that_cannot_be_opened_is_refused_before_anything_is_journaled(
    counted: FaultProxy, bucket: str, tmp_path: Path
) -> None:
    partial = partial_path_for(tmp_path / "a.txt")
    partial.mkdir()
    refused = _download(counted.url, f"s3://{bucket}/docs/a.txt", str(tmp_path))
    assert refused.returncode == 2
    assert str(partial) in _one_line(refused)
    assert _gets(counted) == []
    _nothing_journaled()
    assert partial.is_dir() and not (tmp_path / "a.txt").exists()
