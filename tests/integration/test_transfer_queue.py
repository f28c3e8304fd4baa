"""The transfer queue: a folder of files, a bound on files in flight, per-transfer control."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.clients import TransferClients
from coachadmin.transfers.config import MiB, TransferConfig
from coachadmin.transfers.download import DownloadRequest
from coachadmin.transfers.errors import NoSuchBucket, TransferCancelled
from coachadmin.transfers.events import TransferEvent, TransferKind, TransferState
from coachadmin.transfers.journal import Journal
from coachadmin.transfers.queue import TransferQueue
from coachadmin.transfers.upload import KeyCheck, UploadRequest
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.transfers import SMALL, get_bytes, make_bucket, multipart_uploads, write_random

CONFIG = replace(SMALL, max_events_per_second=0)


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def queue_factory() -> Iterator[Callable[..., TransferQueue]]:
    made: list[TransferQueue] = []

    def make(config: TransferConfig = CONFIG, **kwargs: object) -> TransferQueue:
        queue = TransferQueue(Journal(), TransferClients(config), config, **kwargs)  # type: ignore[arg-type]
        made.append(queue)
        return queue

    yield make
    for queue in made:
        queue.shutdown()
        queue.journal.close()


def test_small_files_go_up_several_at_once_within_the_queues_bound(
    queue_factory: Callable[..., TransferQueue], s3_server: str, tmp_path: Path
) -> None:
    """Files in flight scale with size: a single PUT holds one of the queue's
    ``max_files x concurrency`` request slots, so small files go more than 3 at a time."""
    bucket = make_bucket(s3_server)
    proxy = FaultProxy(s3_server, latency=0.1)
    proxy.start()
    settings = S3Settings(endpoint_url=proxy.url)
    queue = queue_factory(replace(CONFIG, concurrency=2), max_files=3)
    active: dict[str, TransferState] = {}
    peak = [0]
    lock = threading.Lock()

    def watch(event: TransferEvent) -> None:
        with lock:
            active[event.transfer_id] = event.state
            running = sum(1 for s in active.values() if s.is_active)
            peak[0] = max(peak[0], running)

    queue.subscribe(watch)
    files = {}
    for number in range(24):
        path = tmp_path / f"clip{number:03}.bin"
        files[path.name] = write_random(path, 1000 + number)
    requests = [UploadRequest(tmp_path / name, bucket, f"drop/{name}") for name in files]
    ids = queue.add_uploads(requests, settings, key_check=KeyCheck.DONE)
    for transfer_id in ids:
        assert queue.future(transfer_id).result(timeout=60).size > 0
    proxy.stop()
    assert 3 < peak[0] <= 6
    for name, data in files.items():
        assert get_bytes(s3_server, bucket, f"drop/{name}") == data
    assert all(queue.state(i) is TransferState.DONE for i in ids)


def test_pause_resume_cancel_and_retry_per_transfer(
    queue_factory: Callable[..., TransferQueue], s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    settings = S3Settings(endpoint_url=s3_server)
    with FaultProxy(s3_server, rate=20 * MiB) as proxy:
        slow = S3Settings(endpoint_url=proxy.url)
        queue = queue_factory(replace(CONFIG, concurrency=1), max_files=2)
        data_a = write_random(tmp_path / "a.bin", 20 * MiB)
        write_random(tmp_path / "b.bin", 20 * MiB)
        a = queue.add_upload(UploadRequest(tmp_path / "a.bin", bucket, "a.bin"), slow)
        b = queue.add_upload(UploadRequest(tmp_path / "b.bin", bucket, "b.bin"), slow)
        wait_until(lambda: (queue.snapshot(a) or _zero()).bytes_done > 0)
        queue.pause(a)
        wait_until(lambda: queue.state(a) is TransferState.PAUSED)
        assert not queue.future(a).done()
        queue.cancel(b)
        with pytest.raises(TransferCancelled):
            queue.future(b).result(timeout=30)
        proxy.up_limit = None
        queue.resume(a)
        assert queue.future(a).result(timeout=30).size == 20 * MiB
    assert get_bytes(s3_server, bucket, "a.bin") == data_a
    assert multipart_uploads(s3_server, bucket) == []  # b's parts were aborted

    # retry: fails while the bucket is missing, succeeds once it exists
    missing = f"{bucket}-later"
    c = queue.add_upload(UploadRequest(tmp_path / "a.bin", missing, "c.bin"), settings)
    with pytest.raises(NoSuchBucket):
        queue.future(c).result(timeout=30)
    assert queue.state(c) is TransferState.FAILED
    make_client(settings).create_bucket(Bucket=missing)
    queue.retry(c)
    assert queue.future(c).result(timeout=30).key == "c.bin"
    assert get_bytes(s3_server, missing, "c.bin") == data_a


def test_cancelling_a_paused_upload_while_the_server_is_down_closes_its_row(
    queue_factory: Callable[..., TransferQueue], s3_server: str, tmp_path: Path
) -> None:
    """The abort cannot be sent: the transfer is cancelled all the same (a row left open
    would come back, and resume, at the next start) and its last event names what stays."""
    bucket = make_bucket(s3_server)
    queue = queue_factory(replace(CONFIG, concurrency=1, max_attempts=2, backoff_base=0.01))
    write_random(tmp_path / "a.bin", 20 * MiB)
    events: list[TransferEvent] = []
    queue.subscribe(events.append)
    with FaultProxy(s3_server, rate=20 * MiB) as proxy:
        slow = S3Settings(endpoint_url=proxy.url)
        a = queue.add_upload(UploadRequest(tmp_path / "a.bin", bucket, "a.bin"), slow)
        wait_until(lambda: (queue.snapshot(a) or _zero()).bytes_done > 0)
        queue.pause(a)
        wait_until(lambda: queue.state(a) is TransferState.PAUSED)
        proxy.add_fault(lambda r: r.method == "DELETE", Fault("status", code=503), times=99)
        queue.cancel(a)
        with pytest.raises(TransferCancelled):
            queue.future(a).result(timeout=30)
    last = [e for e in events if e.transfer_id == a][-1]
    assert last.state is TransferState.CANCELLED
    assert "its unfinished upload stays on the server" in last.message
    assert queue.journal.list_uploads() == []  # nothing comes back at the next start
    assert len(multipart_uploads(s3_server, bucket)) == 1  # what the message names


def _zero() -> TransferEvent:
    return TransferEvent("", TransferKind.UPLOAD, TransferState.QUEUED, 0, 0)


def test_the_queue_is_restored_from_the_journal_at_start(
    queue_factory: Callable[..., TransferQueue], s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    settings = S3Settings(endpoint_url=s3_server)
    first = queue_factory(max_files=1)
    data = {name: write_random(tmp_path / name, 6 * MiB) for name in ("x.bin", "y.bin")}
    for name in data:
        first.add_upload(UploadRequest(tmp_path / name, bucket, name), settings, paused=True)
    assert all(first.state(i) is TransferState.PAUSED for i in first.ids())
    first.shutdown()
    first.journal.close()  # the app quits; the journal stays

    second = queue_factory()
    restored = second.restore(paused=True)
    assert sorted(restored) == sorted(first.ids())
    assert all(second.state(i) is TransferState.PAUSED for i in restored)
    second.resume_all()
    for transfer_id in restored:
        second.future(transfer_id).result(timeout=30)
    for name, content in data.items():
        assert get_bytes(s3_server, bucket, name) == content


def test_downloads_share_the_queue(
    queue_factory: Callable[..., TransferQueue], s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    settings = S3Settings(endpoint_url=s3_server)
    content = write_random(tmp_path / "src.bin", 7 * MiB)
    make_client(settings).upload_file(str(tmp_path / "src.bin"), bucket, "src.bin")
    queue = queue_factory()
    transfer_id = queue.add_download(
        DownloadRequest(bucket, "src.bin", tmp_path / "copy.bin"), settings
    )
    queue.future(transfer_id).result(timeout=30)
    assert (tmp_path / "copy.bin").read_bytes() == content


def test_a_new_transfer_runs_on_the_client_that_prepared_it(s3_server: str, tmp_path: Path) -> None:
    """The journal records the resolved region; asking for a client by those settings
    would build a second client (and its connections) for every new transfer."""
    bucket = make_bucket(s3_server)
    settings = S3Settings(endpoint_url=s3_server)
    clients = TransferClients(CONFIG)
    asked: list[S3Settings] = []

    def factory(wanted: S3Settings) -> object:
        asked.append(wanted)
        return clients(wanted)

    queue = TransferQueue(Journal(), factory, CONFIG)  # type: ignore[arg-type]
    try:
        data = write_random(tmp_path / "clip.mp4", 6 * MiB)
        transfer_id = queue.add_upload(UploadRequest(tmp_path / "clip.mp4", bucket, "k"), settings)
        queue.future(transfer_id).result(timeout=60)
    finally:
        queue.shutdown()
        queue.journal.close()
    assert get_bytes(s3_server, bucket, "k") == data
    assert set(asked) == {settings}
