"""Downloads adapt: one stream first, ranged GETs only while they add throughput."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

from coachadmin import paths
from coachadmin.s3.client import S3Settings, make_client
from coachadmin.transfers.config import MiB, download_range_size
from coachadmin.transfers.result import TransferResult
from tests.support.faultproxy import FaultProxy
from tests.support.transfers import engine, make_bucket, run_cli, start_cli, write_random


def _object(endpoint: str, size: int) -> tuple[str, bytes]:
    bucket = make_bucket(endpoint)
    data = os.urandom(size)
    make_client(S3Settings(endpoint_url=endpoint)).put_object(Bucket=bucket, Key="v.bin", Body=data)
    return bucket, data


def _gets(proxy: FaultProxy) -> list[str | None]:
    """Each GET's Range header (None: a plain GET)."""
    return [r.headers.get("range") for r in proxy.stats.requests if r.method == "GET"]


def _download_capped(
    endpoint: str, bucket: str, dest: Path
) -> tuple[TransferResult, list[str | None]]:
    """``v.bin`` downloaded through a link of 4 MiB/s a connection: the result, the GETs."""
    with FaultProxy(endpoint, connection_rate=4 * MiB) as proxy:
        eng = engine(proxy.url)
        record = eng.prepare_download(bucket, "v.bin", dest)
        return eng.downloader(record.id).run(), _gets(proxy)


def test_a_server_whose_gets_cost_the_whole_object_gets_one_plain_get(
    s3_server: str, tmp_path: Path
) -> None:
    """moto reads the whole object before answering any GET: measured from the stream's
    first byte against its rate, no ranged GET is ever added."""
    bucket, data = _object(s3_server, 160 * MiB)
    with FaultProxy(s3_server) as proxy:
        result = run_cli(
            "download", f"s3://{bucket}/v.bin", str(tmp_path / "out"), "--endpoint-url", proxy.url
        )
        gets = _gets(proxy)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out").read_bytes() == data
    assert gets == [None]


def test_a_link_that_caps_each_connection_gets_more_streams(s3_server: str, tmp_path: Path) -> None:
    bucket, data = _object(s3_server, 48 * MiB)
    with FaultProxy(s3_server, connection_rate=4 * MiB) as proxy:
        started = time.monotonic()
        result = run_cli(
            "download", f"s3://{bucket}/v.bin", str(tmp_path / "out"),
            "--endpoint-url", proxy.url, "--part-size", "5MiB",
        )  # fmt: skip
        took = time.monotonic() - started
        gets = _gets(proxy)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out").read_bytes() == data
    assert gets[0] is None and len(gets) >= 4  # the stream, then ranged GETs added
    assert took < 48 / 4 * 0.5  # faster than one connection's 12 s


def test_on_a_capped_link_ranged_gets_share_the_object_and_all_of_it_is_verified(
    s3_server: str, tmp_path: Path
) -> None:
    """The stream's bytes hashed as written, the ranged GETs' read back: the composite
    checksum of an object uploaded in 5 MiB parts (CRC32) matches."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "src", 24 * MiB + 7)
    uploads = engine(s3_server)
    uploads.uploader(uploads.prepare(tmp_path / "src", bucket, "v.bin").id).run()
    result, gets = _download_capped(s3_server, bucket, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == data
    assert result.verified == "checksum"
    assert gets[0] is None and len([g for g in gets if g]) >= 3  # 1 stream, then 4 or more


def test_a_download_killed_midway_resumes_from_its_durable_ranges(
    s3_server: str, tmp_path: Path
) -> None:
    bucket, data = _object(s3_server, 40 * MiB)
    out = tmp_path / "out"
    with FaultProxy(s3_server, rate=8 * MiB) as proxy:
        process = start_cli(
            "download", f"s3://{bucket}/v.bin", str(out), "--endpoint-url", proxy.url,
            "--part-size", "5MiB",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _journaled_ranges():
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    kept = _journaled_ranges()
    size = download_range_size(40 * MiB, 5 * MiB)  # 3 MiB: at least 16 ranges
    assert 0 < len(kept) < 14
    with FaultProxy(s3_server) as proxy:
        resumed = run_cli("resume", "--all", "--endpoint-url", proxy.url)
        asked = _gets(proxy)
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == data
    assert asked and all(r is not None for r in asked)  # only what was missing, by range
    assert size == 3 * MiB
    assert not any(r == f"bytes={(n - 1) * size}-{n * size - 1}" for r in asked for n in kept)
    assert not any(r.startswith(f"bytes={(n - 1) * size}-") for r in asked for n in kept)


def _journaled_ranges() -> list[int]:
    journal = paths.journal_path()
    if not journal.exists():
        return []
    with sqlite3.connect(journal) as db:
        try:
            return [row[0] for row in db.execute("SELECT number FROM ranges")]
        except sqlite3.OperationalError:
            return []


def test_an_object_checked_by_its_md5_still_gets_ranged_gets_on_a_capped_link(
    s3_server: str, tmp_path: Path
) -> None:
    """The MD5 of the ETag takes the ranged GETs' bytes only after the last range, read back
    from the file: on a link of 4 MiB/s a connection that costs far less than the streams
    bring, and they are added; the whole file is checked against the ETag."""
    bucket, data = _object(s3_server, 24 * MiB)
    result, gets = _download_capped(s3_server, bucket, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == data
    assert result.verified == "etag"
    assert gets[0] is None and len([g for g in gets if g]) >= 3
