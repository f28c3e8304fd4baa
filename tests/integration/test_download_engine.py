"""Downloads through the engine over HTTP: ranged, resumable, verified, renamed when complete."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin.s3.objects import ObjectInfo
from coachadmin.transfers.config import MiB
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.download import (
    EARLIER_RANGES_BAD,
    RECENT_HEADS,
    DownloadRunner,
    RecentHeads,
)
from coachadmin.transfers.errors import (
    DestinationExists,
    IntegrityError,
    TransferCancelled,
    TransferError,
    TransferPaused,
)
from coachadmin.transfers.events import TransferEvent
from tests.support.faultproxy import Fault, FaultProxy, Reply, Request
from tests.support.transfers import SMALL, Engine, engine, make_bucket, write_random


@pytest.fixture
def eng(s3_server: str) -> Engine:
    # 1 MiB ranges (at least 16 to an object), one at a time: unlike the 5 MiB parts the
    # objects were uploaded in.
    return engine(
        s3_server, replace(SMALL, part_size=3 * MiB, concurrency=1, max_events_per_second=0)
    )


def _put(eng: Engine, tmp_path: Path, bucket: str, size: int, part_size: int = 5 * MiB) -> bytes:
    data = write_random(tmp_path / "src", size)
    config = replace(SMALL, part_size=part_size, multipart_threshold=5 * MiB)
    uploads = replace(eng, config=config)
    uploads.uploader(uploads.prepare(tmp_path / "src", bucket, "obj").id).run()
    return data


def _download(eng: Engine, bucket: str, dest: Path, **kwargs: object) -> tuple[str, DownloadRunner]:
    record = eng.prepare_download(bucket, "obj", dest)
    runner = eng.downloader(record.id, **kwargs)
    return record.id, runner


@pytest.mark.parametrize(
    ("size", "part_size"), [(0, 5 * MiB), (1000, 5 * MiB), (13 * MiB, 5 * MiB), (13 * MiB, 6 * MiB)]
)
def test_download_is_byte_exact_and_verified(
    eng: Engine, s3_server: str, tmp_path: Path, size: int, part_size: int
) -> None:
    bucket = make_bucket(s3_server)
    data = _put(eng, tmp_path, bucket, size, part_size)
    dest = tmp_path / "out.bin"
    _, runner = _download(eng, bucket, dest)
    result = runner.run()
    assert dest.read_bytes() == data
    # The engine's multipart uploads carry CRC32 parts: the composite is checked.
    assert result.verified == ("checksum" if size >= 5 * MiB else "etag")
    assert not dest.with_name("out.bin.coachadmin-part").exists()


def test_an_existing_destination_is_refused(eng: Engine, s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    _put(eng, tmp_path, bucket, 10)
    (tmp_path / "out.bin").write_bytes(b"mine")
    with pytest.raises(DestinationExists):
        _download(eng, bucket, tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == b"mine"


def _pause_after(control: TransferControl, count: int) -> object:
    def sink(event: TransferEvent) -> None:
        if event.bytes_done >= count:
            control.pause()

    return sink


def _paused_download(eng: Engine, tmp_path: Path, bucket: str) -> tuple[bytes, Path, str]:
    """A 13 MiB object whose download to ``out.bin`` paused after 4 MiB: (data, dest, id)."""
    data = _put(eng, tmp_path, bucket, 13 * MiB)
    dest = tmp_path / "out.bin"
    control = TransferControl()
    transfer_id, runner = _download(
        eng, bucket, dest, control=control, sink=_pause_after(control, 4 * MiB)
    )
    with pytest.raises(TransferPaused):
        runner.run()
    return data, dest, transfer_id


def test_a_paused_download_resumes_with_only_the_missing_ranges(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data, dest, transfer_id = _paused_download(eng, tmp_path, bucket)
    assert not dest.exists()
    assert dest.with_name("out.bin.coachadmin-part").exists()
    done = eng.journal.ranges(transfer_id)
    assert 1 <= len(done) < 5
    resumed = eng.downloader(transfer_id).run()
    assert dest.read_bytes() == data
    assert resumed.bytes_sent == 13 * MiB - sum(done.values())
    assert resumed.verified == "checksum"  # the ranges from before the pause read back


@pytest.mark.skipif(sys.platform == "win32", reason="Windows renames no folder with a file open")
def test_a_download_whose_folder_went_away_resumes_once_it_is_back(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    """The destination's folder goes away mid-download (a drive unplugged): the download
    fails saying so, resumable; the folder back, a resume finishes it (from the ranges the
    journal holds: none here, where the file's one GET is synced at its end)."""
    bucket = make_bucket(s3_server)
    data = _put(eng, tmp_path, bucket, 13 * MiB)
    drive = tmp_path / "drive"
    drive.mkdir()
    unplugged = tmp_path / "unplugged"

    def unplug_once(event: TransferEvent) -> None:
        if not unplugged.exists() and event.bytes_done >= 5 * MiB:
            drive.rename(unplugged)

    transfer_id, runner = _download(eng, bucket, drive / "out.bin", sink=unplug_once)
    with pytest.raises(TransferError, match=r"no longer there.*put it back, then run") as gone:
        runner.run()
    assert gone.value.exit_code == 1
    done = sum(eng.journal.ranges(transfer_id).values())
    unplugged.rename(drive)
    resumed = eng.downloader(transfer_id).run()
    assert (drive / "out.bin").read_bytes() == data
    assert resumed.bytes_sent == 13 * MiB - done


def test_a_damaged_partial_file_is_caught_and_the_download_fetched_again(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    """A bit flipped in a range an earlier run journaled: the file does not match the
    object; the ranges from before may be what is wrong, so all of it comes again, and the
    user is told why."""
    bucket = make_bucket(s3_server)
    data, dest, transfer_id = _paused_download(eng, tmp_path, bucket)
    before = sum(eng.journal.ranges(transfer_id).values())
    partial = dest.with_name("out.bin.coachadmin-part")
    with partial.open("r+b") as handle:
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 0xFF]))
    said: list[str] = []
    runner = eng.downloader(transfer_id, sink=lambda e: e.message and said.append(e.message))
    result = runner.run()
    assert dest.read_bytes() == data
    assert result.verified == "checksum"
    assert result.bytes_sent == (13 * MiB - before) + 13 * MiB  # the rest, then all again
    assert EARLIER_RANGES_BAD in said


def test_bytes_that_do_not_match_leave_nothing_to_resume_so_a_new_run_fetches_all(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    """The server sent a wrong byte in a download begun afresh: it fails, the partial file
    and its ranges are dropped, and running it again (as the message says) succeeds."""
    bucket = make_bucket(s3_server)
    data = _put(eng, tmp_path, bucket, 13 * MiB)

    def flip(request: Request, reply: Reply) -> Reply:
        reply.body = reply.body[:100] + bytes([reply.body[100] ^ 1]) + reply.body[101:]
        return reply

    dest = tmp_path / "out.bin"
    with FaultProxy(s3_server) as proxy:
        proxy.add_fault(lambda r: r.method == "GET", Fault("rewrite", reply=flip), times=1)
        through = replace(eng, endpoint=proxy.url)
        transfer_id, runner = _download(through, bucket, dest)
        with pytest.raises(IntegrityError, match="download it again"):
            runner.run()
        assert not dest.with_name("out.bin.coachadmin-part").exists()
        assert eng.journal.ranges(transfer_id) == {}
        again = through.downloader(transfer_id).run()
    assert dest.read_bytes() == data
    assert again.bytes_sent == 13 * MiB


def test_an_object_replaced_between_runs_is_downloaded_afresh(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    _, dest, transfer_id = _paused_download(eng, tmp_path, bucket)
    new = b"new content" * 1000
    eng.client.put_object(Bucket=bucket, Key="obj", Body=new)
    events: list[TransferEvent] = []
    result = eng.downloader(transfer_id, sink=events.append).run()
    assert dest.read_bytes() == new
    assert result.restarted
    assert any("changed on the server" in e.message for e in events)


def test_an_object_replaced_during_the_download_is_never_mixed(
    s3_server: str, tmp_path: Path
) -> None:
    """Every range GET carries If-Match: a new version is noticed and fetched whole. Each
    connection capped, so that ranged GETs run and some begin after the replacement."""
    bucket = make_bucket(s3_server)
    with FaultProxy(s3_server, connection_rate=4 * MiB) as proxy:
        eng = engine(proxy.url, replace(SMALL, max_events_per_second=0))
        _put(eng, tmp_path, bucket, 13 * MiB)
        replaced: list[bytes] = []

        def replace_once(event: TransferEvent) -> None:
            if not replaced and event.bytes_done >= 3 * MiB:
                replaced.append(b"v2" * 4 * MiB)
                eng.client.put_object(Bucket=bucket, Key="obj", Body=replaced[0])

        _, runner = _download(eng, bucket, tmp_path / "out.bin", sink=replace_once)
        result = runner.run()
        ranged = [r for r in proxy.stats.requests if r.method == "GET" and "range" in r.headers]
    assert ranged
    assert (tmp_path / "out.bin").read_bytes() == replaced[0]
    assert result.restarted


def test_cancel_removes_the_partial_file(eng: Engine, s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    _put(eng, tmp_path, bucket, 13 * MiB)
    control = TransferControl()

    def cancel(event: TransferEvent) -> None:
        if event.bytes_done >= 2 * MiB:
            control.cancel()

    transfer_id, runner = _download(eng, bucket, tmp_path / "out.bin", control=control, sink=cancel)
    with pytest.raises(TransferCancelled):
        runner.run()
    assert list(tmp_path.glob("out.bin*")) == []
    assert eng.journal.get_download(transfer_id).state == "cancelled"


def test_a_run_right_after_prepare_uses_its_answer_and_a_later_one_asks(
    s3_server: str, tmp_path: Path
) -> None:
    """One HeadObject for a download run at once; a run of a download prepared earlier
    than ``RecentHeads``' age asks the server again."""
    bucket = make_bucket(s3_server)
    with FaultProxy(s3_server) as proxy:
        eng = engine(proxy.url, replace(SMALL, max_events_per_second=0))
        data = _put(eng, tmp_path, bucket, 13 * MiB)
        before = len(proxy.stats.requests)
        _, runner = _download(eng, bucket, tmp_path / "now.bin")
        assert runner.run().verified == "checksum"
        heads = [r for r in proxy.stats.requests[before:] if r.method == "HEAD"]
        assert len(heads) == 1 and heads[0].headers.get("x-amz-checksum-mode") == "ENABLED"

        record = eng.prepare_download(bucket, "obj", tmp_path / "later.bin")
        assert RECENT_HEADS.take(record.id) is not None  # as if it had aged past 30 s
        before = len(proxy.stats.requests)
        eng.downloader(record.id).run()
        assert [r.method for r in proxy.stats.requests[before:]].count("HEAD") == 1
    assert (tmp_path / "now.bin").read_bytes() == data == (tmp_path / "later.bin").read_bytes()


def test_an_object_replaced_right_after_prepare_is_noticed_by_the_get(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    """The run trusts prepare's answer; the GET's If-Match does not, and the run starts
    over with the new object."""
    bucket = make_bucket(s3_server)
    _put(eng, tmp_path, bucket, 13 * MiB)
    events: list[TransferEvent] = []
    _, runner = _download(eng, bucket, tmp_path / "out.bin", sink=events.append)
    new = b"replaced" * 1000
    eng.client.put_object(Bucket=bucket, Key="obj", Body=new)
    result = runner.run()
    assert (tmp_path / "out.bin").read_bytes() == new
    assert result.restarted
    assert any("changed on the server" in e.message for e in events)


def test_recent_answers_age_and_are_taken_once() -> None:
    heads = RecentHeads(max_age=0.05)
    info = ObjectInfo(bucket="b", key="k", size=1, etag="e")
    heads.keep("a", info)
    assert heads.take("a") is info
    assert heads.take("a") is None  # once
    heads.keep("b", info)
    time.sleep(0.1)
    assert heads.take("b") is None  # too old
