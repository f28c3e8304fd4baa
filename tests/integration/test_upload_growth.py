"""Uploads add parts in flight where the link rewards them (coachadmin.transfers.part_growth)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from coachadmin.transfers.config import MiB
from tests.support.faultproxy import FaultProxy
from tests.support.transfers import (
    SMALL,
    engine,
    get_bytes,
    make_bucket,
    multipart_uploads,
    run_cli,
    write_random,
)

#: Parts in flight at the start and at most, for the growing upload.
START, MOST = 4, 16


def test_a_link_that_caps_each_connection_gets_more_parts_in_flight(
    s3_server: str, tmp_path: Path
) -> None:
    """4 parts in flight, then 8, then 16: each step doubles the throughput, since each
    connection goes at 3 MiB/s whatever the others do (28 parts of 5 MiB: 4 + 8 + 16)."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 28 * 5 * MiB)
    config = replace(SMALL, concurrency=START, max_concurrency=MOST)
    with FaultProxy(s3_server, connection_rate=3 * MiB) as proxy:
        eng = engine(proxy.url, config)
        record = eng.prepare(tmp_path / "big", bucket, "k")
        eng.uploader(record.id).run()
        most = proxy.stats.parts_most
    assert most > 10  # from 4, grown twice
    assert get_bytes(s3_server, bucket, "k") == data
    assert multipart_uploads(s3_server, bucket) == []


def test_an_explicit_concurrency_is_the_number_of_parts_in_flight(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 12 * 5 * MiB)
    with FaultProxy(s3_server, connection_rate=8 * MiB) as proxy:
        result = run_cli(
            "upload", str(tmp_path / "big"), f"s3://{bucket}/k", "--endpoint-url", proxy.url,
            "--part-size", "5MiB", "--concurrency", "3",
        )  # fmt: skip
        most = proxy.stats.parts_most
    assert result.returncode == 0, result.stderr
    assert most == 3
    assert get_bytes(s3_server, bucket, "k") == data
