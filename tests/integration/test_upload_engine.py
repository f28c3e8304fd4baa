"""Uploads through the engine, over HTTP against moto's server: bytes, checks, resume."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers import integrity
from coachadmin.transfers.config import MiB
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import KeyExists, SourceGone, TransferCancelled, TransferPaused
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.transfers.journal import PartRecord, UploadRecord
from coachadmin.transfers.upload import KeyCheck
from tests.support.faultproxy import FaultProxy
from tests.support.transfers import (
    SMALL,
    Engine,
    engine,
    get_bytes,
    make_bucket,
    multipart_uploads,
    write_random,
)

#: Every byte count becomes an event, so that a test can act at a precise point.
EVERY = replace(SMALL, max_events_per_second=0)


@pytest.fixture
def eng(s3_server: str) -> Engine:
    return engine(s3_server, EVERY)


@pytest.fixture
def serial(s3_server: str) -> Engine:
    """One part at a time, so that a pause midway leaves parts to send."""
    return engine(s3_server, replace(EVERY, concurrency=1))


def _upload(eng: Engine, path: Path, bucket: str, key: str, **kwargs: object) -> tuple[str, list]:
    events: list[TransferEvent] = []
    record = eng.prepare(path, bucket, key, **kwargs)
    eng.uploader(record.id, sink=events.append).run()
    return record.id, events


@pytest.mark.parametrize("size", [0, 1, 5 * MiB - 1, 5 * MiB, 12 * MiB + 3])
def test_upload_is_byte_exact(eng: Engine, s3_server: str, tmp_path: Path, size: int) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "clip.mp4", size)
    transfer_id, events = _upload(eng, tmp_path / "clip.mp4", bucket, "media/clip.mp4")
    assert get_bytes(s3_server, bucket, "media/clip.mp4") == data
    head = eng.client.head_object(Bucket=bucket, Key="media/clip.mp4")
    assert head["ContentType"] == "video/mp4"
    parts = -(-size // (5 * MiB)) if size >= 5 * MiB else 1
    expected = (
        integrity.multipart_etag(integrity.file_md5s(tmp_path / "clip.mp4", 5 * MiB))
        if size >= 5 * MiB
        else integrity.md5_hex(data)
    )
    assert head["ETag"].strip('"') == expected
    assert expected.endswith(f"-{parts}") == (size >= 5 * MiB)
    assert [e.state for e in events][-2:] == [TransferState.VERIFYING, TransferState.DONE]
    assert events[-1].bytes_done == size
    assert eng.journal.get_upload(transfer_id).state == "done"
    assert eng.journal.list_uploads() == []


def test_cache_control_and_metadata_are_set(eng: Engine, s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "notes.txt", 100)
    _upload(
        eng,
        tmp_path / "notes.txt",
        bucket,
        "n.txt",
        cache_control="max-age=60",
        metadata={"course": "yoga-1"},
    )
    head = eng.client.head_object(Bucket=bucket, Key="n.txt")
    assert head["CacheControl"] == "max-age=60"
    assert head["Metadata"] == {"course": "yoga-1"}
    assert head["ContentType"] == "text/plain"


@pytest.mark.parametrize("key_check", [KeyCheck.NOW, KeyCheck.WITH_CREATE])
@pytest.mark.parametrize("size", [10, 6 * MiB])
def test_an_existing_key_is_refused_unless_overwrite(
    eng: Engine, s3_server: str, tmp_path: Path, size: int, key_check: KeyCheck
) -> None:
    """Checked as the upload is prepared (the GUI), or alongside CreateMultipartUpload
    (the command line's single file): refused either way, with nothing left behind."""
    bucket = make_bucket(s3_server)
    eng.client.put_object(Bucket=bucket, Key="k", Body=b"precious")
    write_random(tmp_path / "f", size)
    with pytest.raises(KeyExists, match="--overwrite"):
        record = eng.prepare(tmp_path / "f", bucket, "k", key_check=key_check)
        eng.uploader(record.id, check_key=key_check is KeyCheck.WITH_CREATE).run()
    assert get_bytes(s3_server, bucket, "k") == b"precious"
    assert multipart_uploads(s3_server, bucket) == []  # a new multipart upload was aborted
    assert eng.journal.list_uploads() == []  # nothing to resume
    _upload(eng, tmp_path / "f", bucket, "k", overwrite=True)
    assert get_bytes(s3_server, bucket, "k") == (tmp_path / "f").read_bytes()


@pytest.mark.parametrize("size", [10, 6 * MiB])
def test_a_key_created_during_the_upload_is_not_overwritten(
    eng: Engine, s3_server: str, tmp_path: Path, size: int
) -> None:
    """HeadObject said "free", then someone wrote the key: If-None-Match stops us."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "f", size)
    record = eng.prepare(tmp_path / "f", bucket, "k")
    eng.client.put_object(Bucket=bucket, Key="k", Body=b"theirs")
    with pytest.raises(KeyExists):
        eng.uploader(record.id).run()
    assert get_bytes(s3_server, bucket, "k") == b"theirs"
    assert eng.journal.get_upload(record.id).state == "failed"


def test_cancel_aborts_the_multipart_upload_on_the_server(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "big", 30 * MiB)
    record = eng.prepare(tmp_path / "big", bucket, "k")
    control = TransferControl()

    def cancel_midway(event: TransferEvent) -> None:
        if event.bytes_done >= 6 * MiB:
            control.cancel()

    with pytest.raises(TransferCancelled):
        eng.uploader(record.id, sink=cancel_midway, control=control).run()
    assert multipart_uploads(s3_server, bucket) == []
    assert eng.journal.get_upload(record.id).state == "cancelled"
    assert "Contents" not in eng.client.list_objects_v2(Bucket=bucket)


def paused_midway(serial: Engine, path: Path, bucket: str) -> tuple[bytes, UploadRecord]:
    """A 30 MiB upload to ``k``, paused once 6 MiB are sent: its bytes and its record."""
    data = write_random(path, 30 * MiB)
    record = serial.prepare(path, bucket, "k")
    control = TransferControl()

    def pause_midway(event: TransferEvent) -> None:
        if event.bytes_done >= 6 * MiB:
            control.pause()

    with pytest.raises(TransferPaused):
        serial.uploader(record.id, sink=pause_midway, control=control).run()
    return data, record


def test_pause_keeps_the_upload_and_resume_sends_only_the_rest(
    serial: Engine, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data, record = paused_midway(serial, tmp_path / "big", bucket)
    paused = serial.journal.get_upload(record.id)
    assert paused.state == "paused"
    done_parts = set(serial.journal.parts(record.id))
    assert 1 <= len(done_parts) < 6
    assert len(multipart_uploads(s3_server, bucket)) == 1

    resumed = serial.uploader(record.id).run()
    assert get_bytes(s3_server, bucket, "k") == data
    assert resumed.bytes_sent == (6 - len(done_parts)) * 5 * MiB
    assert multipart_uploads(s3_server, bucket) == []


def test_a_resumed_upload_s_progress_starts_where_it_stopped_and_never_goes_back(
    serial: Engine, s3_server: str, tmp_path: Path
) -> None:
    """As the row showed it when paused: the first event of the resume is not 0."""
    bucket = make_bucket(s3_server)
    _data, record = paused_midway(serial, tmp_path / "big", bucket)
    journaled = sum(part.size for part in serial.journal.parts(record.id).values())
    assert journaled > 0
    events: list[TransferEvent] = []
    serial.uploader(record.id, sink=events.append).run()
    done = [event.bytes_done for event in events]
    assert done[0] == journaled
    assert done == sorted(done), done


def test_a_key_taken_while_paused_is_refused_before_the_rest_is_sent(
    serial: Engine, s3_server: str, tmp_path: Path
) -> None:
    """Someone wrote the key while the upload was paused: the resume says so at once,
    sends no more parts, keeps their object, and can still go on with --overwrite."""
    bucket = make_bucket(s3_server)
    data, record = paused_midway(serial, tmp_path / "big", bucket)
    sent = len(serial.journal.parts(record.id))
    serial.client.put_object(Bucket=bucket, Key="k", Body=b"theirs")
    events: list[TransferEvent] = []
    with pytest.raises(KeyExists, match="--overwrite"):
        serial.uploader(record.id, sink=events.append).run()
    assert get_bytes(s3_server, bucket, "k") == b"theirs"
    (upload,) = multipart_uploads(s3_server, bucket)
    on_server = serial.client.list_parts(Bucket=bucket, Key="k", UploadId=upload["UploadId"])
    assert len(on_server["Parts"]) == sent  # nothing more went up
    assert serial.journal.get_upload(record.id).state == "failed"

    resumed = serial.uploader(record.id, overwrite=True).run()
    assert get_bytes(s3_server, bucket, "k") == data
    assert resumed.bytes_sent == (6 - sent) * 5 * MiB


def test_a_key_taken_while_the_multipart_upload_vanished_is_refused_before_starting_over(
    serial: Engine, s3_server: str, tmp_path: Path
) -> None:
    """Its multipart upload gone (a lifecycle rule) and the key written by someone: the
    resume would start over and send the whole file to be refused at completion."""
    bucket = make_bucket(s3_server)
    _data, record = paused_midway(serial, tmp_path / "big", bucket)
    (upload,) = multipart_uploads(s3_server, bucket)
    serial.client.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload["UploadId"])
    serial.client.put_object(Bucket=bucket, Key="k", Body=b"theirs")
    with pytest.raises(KeyExists):
        serial.uploader(record.id).run()
    assert get_bytes(s3_server, bucket, "k") == b"theirs"
    assert multipart_uploads(s3_server, bucket) == []  # no new upload was begun


def test_resume_reconciles_with_the_server_and_adopts_unjournaled_parts(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    """A crash between the server's reply and the journal write: the part is adopted, not re-sent,
    once its bytes hash to the server's ETag. A journaled part the server lost is re-sent."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 16 * MiB)
    record = eng.prepare(tmp_path / "big", bucket, "k")
    client = make_client(S3Settings(endpoint_url=s3_server))
    upload_id = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    eng.journal.update_upload(record.id, upload_id=upload_id, state="uploading")
    chunk = 5 * MiB
    # Part 1: on the server and journaled. Part 2: on the server only. Part 3: journaled only.
    for number in (1, 2):
        body = data[(number - 1) * chunk : number * chunk]
        etag = client.upload_part(
            Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=number, Body=body
        )["ETag"].strip('"')
        if number == 1:
            eng.journal.record_part(record.id, PartRecord(1, etag, integrity.md5_hex(body), chunk))
    part3 = data[2 * chunk : 3 * chunk]
    eng.journal.record_part(
        record.id, PartRecord(3, integrity.md5_hex(part3), integrity.md5_hex(part3), chunk)
    )

    result = eng.uploader(record.id).run()
    assert get_bytes(s3_server, bucket, "k") == data
    assert result.bytes_sent == chunk + (16 * MiB - 3 * chunk)  # parts 3 and 4 only


def test_a_vanished_multipart_upload_starts_over(
    eng: Engine, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "big", 11 * MiB)
    record = eng.prepare(tmp_path / "big", bucket, "k")
    eng.journal.update_upload(record.id, upload_id="no-such-upload-id", state="uploading")
    eng.journal.record_part(record.id, PartRecord(1, "a" * 32, "a" * 32, 5 * MiB))
    events: list[TransferEvent] = []
    result = eng.uploader(record.id, sink=events.append).run()
    assert get_bytes(s3_server, bucket, "k") == data
    assert result.restarted
    assert any("no longer on the server" in e.message for e in events)


def test_a_file_changed_between_runs_is_restarted_not_mixed(
    serial: Engine, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    path = tmp_path / "big"
    write_random(path, 16 * MiB)
    record = serial.prepare(path, bucket, "k")
    control = TransferControl()

    def pause_midway(event: TransferEvent) -> None:
        if event.bytes_done >= 5 * MiB:
            control.pause()

    with pytest.raises(TransferPaused):
        serial.uploader(
            record.id,
            sink=pause_midway,
            control=control,
        ).run()
    assert serial.journal.parts(record.id)
    new = write_random(path, 16 * MiB)  # same size, new bytes, new mtime
    events: list[TransferEvent] = []
    result = serial.uploader(record.id, sink=events.append).run()
    assert result.restarted
    assert any("changed since the upload began; starting over" in e.message for e in events)
    assert get_bytes(s3_server, bucket, "k") == new
    assert multipart_uploads(s3_server, bucket) == []


def test_a_file_changed_during_the_upload_is_restarted_not_mixed(
    s3_server: str, tmp_path: Path
) -> None:
    eng = engine(s3_server, EVERY)
    bucket = make_bucket(s3_server)
    path = tmp_path / "big"
    write_random(path, 21 * MiB)
    record = eng.prepare(path, bucket, "k")
    final: list[bytes] = []
    events: list[TransferEvent] = []

    def change_once(event: TransferEvent) -> None:
        events.append(event)
        if not final and event.bytes_done >= 5 * MiB:
            final.append(write_random(path, 21 * MiB + 1))

    result = eng.uploader(record.id, sink=change_once).run()
    assert result.restarted
    assert any("changed" in e.message and "starting over" in e.message for e in events)
    assert get_bytes(s3_server, bucket, "k") == final[0]
    assert multipart_uploads(s3_server, bucket) == []


@pytest.mark.skipif(sys.platform == "win32", reason="Windows renames no folder with a file open")
def test_a_file_whose_drive_went_away_keeps_its_parts_and_resumes_once_back(
    serial: Engine, s3_server: str, tmp_path: Path
) -> None:
    """The folder the file is in goes away mid-upload (a drive unplugged): the upload fails
    saying so (a failure on the way, not bad input), its parts kept on the server; the
    drive back, the same file untouched, a resume sends only what is left."""
    bucket = make_bucket(s3_server)
    drive = tmp_path / "drive"
    drive.mkdir()
    data = write_random(drive / "lesson.mp4", 21 * MiB)
    record = serial.prepare(drive / "lesson.mp4", bucket, "k")
    unplugged = tmp_path / "unplugged"

    def unplug_once(event: TransferEvent) -> None:
        if not unplugged.exists() and event.bytes_done >= 10 * MiB:
            drive.rename(unplugged)

    with pytest.raises(SourceGone, match="could no longer be read during its upload") as gone:
        serial.uploader(record.id, sink=unplug_once).run()
    assert gone.value.exit_code == 1
    assert "the upload is kept: put the file back, then run" in str(gone.value)
    assert serial.journal.get_upload(record.id).state == TransferState.FAILED
    assert len(multipart_uploads(s3_server, bucket)) == 1
    with pytest.raises(SourceGone):  # a resume while it is still gone: the same words
        serial.uploader(record.id).run()
    assert len(multipart_uploads(s3_server, bucket)) == 1
    unplugged.rename(drive)
    result = serial.uploader(record.id).run()
    assert not result.restarted
    assert 0 < result.bytes_sent < 21 * MiB
    assert get_bytes(s3_server, bucket, "k") == data
    assert multipart_uploads(s3_server, bucket) == []


@pytest.mark.parametrize("when", ["during", "between runs"])
def test_a_file_replaced_by_one_of_the_same_size_and_time_is_caught_before_completion(
    s3_server: str, tmp_path: Path, when: str
) -> None:
    """`cp -p` or `touch -r` keeps size and modification time: the status-change time and the
    inode still tell, before CompleteMultipartUpload; nothing mixed is ever at the key."""
    eng = engine(s3_server, EVERY)
    bucket = make_bucket(s3_server)
    path = tmp_path / "big"
    write_random(path, 21 * MiB)
    before = path.stat()
    record = eng.prepare(path, bucket, "k")
    final: list[bytes] = []
    control = TransferControl()

    def forge() -> None:
        replacement = tmp_path / "replacement"
        final.append(write_random(replacement, 21 * MiB))
        os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
        replacement.replace(path)  # as a sync tool or `cp -p` leaves it: same size, same mtime
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (
            before.st_size,
            before.st_mtime_ns,
        )

    def midway(event: TransferEvent) -> None:
        if not final and event.bytes_done >= 5 * MiB:
            if when == "during":
                forge()
            else:
                control.pause()

    if when == "during":
        result = eng.uploader(record.id, sink=midway).run()
    else:
        with pytest.raises(TransferPaused):
            eng.uploader(record.id, sink=midway, control=control).run()
        forge()
        result = eng.uploader(record.id).run()
    assert result.restarted
    assert get_bytes(s3_server, bucket, "k") == final[0]
    assert multipart_uploads(s3_server, bucket) == []


def test_progress_flows_at_most_ten_events_a_second(s3_server: str, tmp_path: Path) -> None:
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "big", 12 * MiB)
    with FaultProxy(s3_server, rate=8 * MiB, window=256 * 1024) as proxy:  # ~1.5 s on the wire
        eng = engine(proxy.url, replace(SMALL, concurrency=1))
        started = time.monotonic()
        _, events = _upload(eng, tmp_path / "big", bucket, "k")
        elapsed = time.monotonic() - started
    progress = [e for e in events if e.state is TransferState.UPLOADING]
    assert 5 <= len(progress) <= 10 * elapsed + 3
    assert all(e.total == 12 * MiB for e in events)
    assert [e.bytes_done for e in progress] == sorted(e.bytes_done for e in progress)
    assert any(e.speed > 0 and e.eta_seconds is not None for e in progress)
