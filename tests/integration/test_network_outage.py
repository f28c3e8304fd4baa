"""The network goes away under a transfer and comes back: the transfer waits and goes on.

The proxy in front of the S3 server resets every connection and refuses new ones
(:meth:`FaultProxy.cut`), as a laptop whose Wi-Fi dropped sees it, or leaves them open and
silent (:meth:`FaultProxy.silence`), then accepts them again on the same port
(:meth:`FaultProxy.restore`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.clients import TransferClients
from coachadmin.transfers.config import MiB
from coachadmin.transfers.errors import NetworkLost, ServerUnreachable
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.transfers.journal import Journal
from coachadmin.transfers.outage import NETWORK_WAIT
from coachadmin.transfers.queue import TransferQueue
from coachadmin.transfers.upload import KeyCheck, UploadRequest
from tests.support.faultproxy import FaultProxy
from tests.support.transfers import (
    SMALL,
    engine,
    get_bytes,
    make_bucket,
    multipart_uploads,
    run_cli,
    start_cli,
    write_random,
)

SIZE = 30 * MiB
CONFIG = replace(SMALL, concurrency=2, outage_patience=20.0)


@pytest.fixture
def proxy(s3_server: str) -> Iterator[FaultProxy]:
    """A link of 10 MiB/s: 30 MiB take three seconds, long enough to lose it midway."""
    with FaultProxy(s3_server, rate=10 * MiB) as running:
        yield running


class Outage:
    """Cuts the proxy once a transfer has moved ``at`` bytes (or loses the link ``how``
    else: ``silence``, ``blackhole``); restores it ``seconds`` later (never, for None)."""

    def __init__(
        self, proxy: FaultProxy, *, at: int, seconds: float | None, how: str = "cut"
    ) -> None:
        self.proxy, self.at, self.seconds = proxy, at, seconds
        self._lose: Callable[[], None] = getattr(proxy, how)
        self.events: list[TransferEvent] = []
        self._reached = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sink(self, event: TransferEvent) -> None:
        self.events.append(event)
        if event.bytes_done >= self.at:
            self._reached.set()

    def _run(self) -> None:
        if not self._reached.wait(60):
            return
        self._lose()
        if self.seconds is not None:
            time.sleep(self.seconds)
            self.proxy.restore()

    def join(self) -> None:
        self._thread.join(timeout=60)

    def waits(self) -> list[str]:
        """What the transfer said of the network, in order, each change once."""
        said: list[str] = []
        for event in self.events:
            if event.state.is_active and (not said or said[-1] != event.waiting):
                said.append(event.waiting)
        return said


def _waited_and_went_on(outage: Outage) -> None:
    said = outage.waits()
    assert len(said) >= 3 and said[0] == "" and said[-1] == "", said
    assert said[1].startswith(f"{NETWORK_WAIT} (since ") and said[1].endswith("for up to 20 s)")
    assert outage.events[-1].state is TransferState.DONE


#: How the link is lost (the proxy's method, for how long, the config): cut (every
#: connection reset, connects refused); quiet (Wi-Fi dropping in the middle of a transfer
#: leaves its connections open and silent: only a timeout tells); unanswered (quiet, and
#: connects get no answer at all, as where a router's uplink is down). A stalled send
#: waits connect_timeout, a reply that brings nothing stall_timeout; the read_timeout
#: (30 s) outlasts the silence: without stall_timeout nothing would wait. Unanswered
#: connects wait connect_timeout each: the network is waited for after two of them (5 s
#: at most with the backoff), where six (12 s at least) would outlast the 8 s outage.
LOSSES = {
    "cut": ("cut", 2.0, CONFIG),
    "quiet": (
        "silence",
        4.0,
        replace(CONFIG, connect_timeout=1.0, stall_timeout=1.0, read_timeout=30.0),
    ),
    "unanswered": (
        "blackhole",
        8.0,
        replace(CONFIG, connect_timeout=2.0, stall_timeout=1.0, read_timeout=30.0),
    ),
}

#: FaultProxy.blackhole drops connects as Linux does where a port's accept queue is full
#: (Windows refuses them instead).
DROPS_CONNECTS = pytest.mark.skipif(sys.platform != "linux", reason="drops SYNs as Linux does")
LOSS_CASES = [
    pytest.param(loss, marks=[DROPS_CONNECTS] if how == "blackhole" else [])
    for loss, (how, _seconds, _config) in LOSSES.items()
]


@pytest.mark.parametrize("loss", LOSS_CASES)
def test_an_upload_waits_for_the_network_and_goes_on(
    loss: str, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    how, seconds, config = LOSSES[loss]
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", SIZE)
    eng = engine(proxy.url, config)
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "v/lesson.mp4")
    outage = Outage(proxy, at=SIZE // 4, seconds=seconds, how=how)
    result = eng.uploader(record.id, sink=outage.sink).run()
    outage.join()
    assert get_bytes(s3_server, bucket, "v/lesson.mp4") == data
    assert result.parts == 6
    assert multipart_uploads(s3_server, bucket) == []
    _waited_and_went_on(outage)
    assert eng.journal.get_upload(record.id).state == TransferState.DONE


@pytest.mark.parametrize("loss", LOSS_CASES)
def test_a_download_waits_for_the_network_and_goes_on(
    loss: str, proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    how, seconds, config = LOSSES[loss]
    bucket = make_bucket(s3_server)
    eng = engine(proxy.url, config)
    dest = tmp_path / "lesson.mp4"
    data, record = eng.stored_for_download(bucket, "v/lesson.mp4", dest, SIZE)
    outage = Outage(proxy, at=SIZE // 4, seconds=seconds, how=how)
    eng.downloader(record.id, sink=outage.sink).run()
    outage.join()
    assert dest.read_bytes() == data
    _waited_and_went_on(outage)


@DROPS_CONNECTS
def test_a_server_whose_connects_go_unanswered_is_unreachable_after_two(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """A run that never reached its server (a firewall that drops, an address on a VPN not
    connected) says so after two connect timeouts, not six."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", MiB)
    proxy.blackhole()
    eng = engine(proxy.url, replace(CONFIG, connect_timeout=1.0))
    began = time.monotonic()
    with pytest.raises(ServerUnreachable, match=r"could not be reached.*ConnectTimeoutError"):
        eng.prepare(tmp_path / "lesson.mp4", bucket, "v/lesson.mp4")
    assert time.monotonic() - began < 4  # six connects would take 6 s and more
    assert eng.journal.list_uploads(unfinished=False) == []


@DROPS_CONNECTS
def test_a_proxy_whose_connects_go_unanswered_is_unreachable_after_two(
    proxy: FaultProxy, s3_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same behind an HTTP proxy (HTTP_PROXY) that no longer answers: said after two
    connects, naming the proxy (never the password in its URL)."""
    bucket = make_bucket(s3_server)
    write_random(tmp_path / "lesson.mp4", MiB)
    proxy.blackhole()
    monkeypatch.setenv("HTTP_PROXY", f"http://me:FAKE-proxy-password@127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    eng = engine(s3_server, replace(CONFIG, connect_timeout=1.0))
    began = time.monotonic()
    with pytest.raises(ServerUnreachable) as failed:
        eng.prepare(tmp_path / "lesson.mp4", bucket, "v/lesson.mp4")
    assert time.monotonic() - began < 4
    assert f"no connection through 127.0.0.1:{proxy.port})" in str(failed.value)
    assert "FAKE-proxy-password" not in str(failed.value)


def test_an_outage_longer_than_the_patience_fails_resumable(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """Past its patience the upload fails, saying for how long there was no connection; the
    network back, `resume` finishes it from the parts the server has."""
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.mp4", SIZE)
    eng = engine(proxy.url, replace(CONFIG, outage_patience=2.0))
    record = eng.prepare(tmp_path / "lesson.mp4", bucket, "v/lesson.mp4")
    outage = Outage(proxy, at=SIZE // 2, seconds=None)
    began = time.monotonic()
    with pytest.raises(NetworkLost, match=r"the network was gone for 2 s") as failed:
        eng.uploader(record.id, sink=outage.sink).run()
    assert time.monotonic() - began < 30
    assert "resume" in str(failed.value)
    assert eng.journal.get_upload(record.id).state == TransferState.FAILED
    outage.join()
    proxy.restore()
    resumed = eng.uploader(record.id).run()
    assert get_bytes(s3_server, bucket, "v/lesson.mp4") == data
    assert resumed.bytes_sent < SIZE  # the parts sent before the outage stayed


def test_the_command_line_says_it_waits_and_when_the_network_is_back(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    data = write_random(tmp_path / "lesson.bin", SIZE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "COACHADMIN_HOME": str(tmp_path / "home"),
    }
    process = start_cli(
        "upload", str(tmp_path / "lesson.bin"), f"s3://{bucket}/v/", "--endpoint-url", proxy.url,
        "--part-size", "5MiB", "--concurrency", "2", env=env,
    )  # fmt: skip
    _wait_for(lambda: len(proxy.stats.upload_parts()) >= 2, process)
    proxy.cut()
    time.sleep(10)  # longer than the retries' backoff (at most 7.75 s in all)
    proxy.restore()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert get_bytes(s3_server, bucket, "v/lesson.bin") == data
    waits = [line for line in err.splitlines() if NETWORK_WAIT in line]
    assert len(waits) == 1 and waits[0].endswith("for up to 5 min)"), err
    assert err.index(NETWORK_WAIT) < err.index("coachadmin: the connection is back; going on")
    assert "uploaded" in out
    assert run_cli("uploads", env=env).stdout.strip() == "no unfinished uploads"


def _wait_for(condition: Callable[[], bool], process: object) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the upload did not begin"
        assert getattr(process, "returncode", None) is None
        time.sleep(0.05)


def test_a_file_that_starts_while_the_network_is_gone_waits_with_the_others(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """Two files at a time, both waiting for the network; one is paused, and the third
    starts with no connection to make: it waits with the other rather than failing (the
    queue's transfers to one endpoint share what is known of it). All finish once the
    network is back."""
    bucket = make_bucket(s3_server)
    data = {name: write_random(tmp_path / name, SIZE) for name in ("a.bin", "b.bin", "c.bin")}
    queue = TransferQueue(Journal(), TransferClients(CONFIG), CONFIG, max_files=2)
    outage = Outage(proxy, at=SIZE // 8, seconds=None)
    queue.subscribe(outage.sink)
    try:
        first, second, third = queue.add_uploads(
            [UploadRequest(tmp_path / name, bucket, name) for name in data],
            S3Settings(endpoint_url=proxy.url),
            key_check=KeyCheck.DONE,
        )
        outage.join()
        _until(lambda: _waiting(outage, first) and _waiting(outage, second))
        queue.pause(first)
        _until(lambda: _waiting(outage, third))
        assert queue.state(third) is not TransferState.FAILED
        proxy.restore()
        for transfer_id in (second, third):
            assert queue.future(transfer_id).result(timeout=60).size == SIZE
        queue.resume(first)
        assert queue.future(first).result(timeout=60).size == SIZE
    finally:
        queue.shutdown()
    for name, body in data.items():
        assert get_bytes(s3_server, bucket, name) == body


def test_a_file_that_starts_when_no_one_waits_any_more_fails_fast(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    """One file at a time: the one waiting is paused, so no one waits for the network;
    the next file meets a network that is down from its start and says so at once."""
    bucket = make_bucket(s3_server)
    data = {name: write_random(tmp_path / name, SIZE) for name in ("a.bin", "b.bin")}
    queue = TransferQueue(Journal(), TransferClients(CONFIG), CONFIG, max_files=1)
    outage = Outage(proxy, at=SIZE // 4, seconds=None)
    queue.subscribe(outage.sink)
    try:
        first, second = queue.add_uploads(
            [UploadRequest(tmp_path / name, bucket, name) for name in data],
            S3Settings(endpoint_url=proxy.url),
            key_check=KeyCheck.DONE,
        )
        outage.join()
        _until(lambda: _waiting(outage, first))
        queue.pause(first)
        error = queue.future(second).exception(timeout=30)
        assert isinstance(error, ServerUnreachable) and not isinstance(error, NetworkLost)
        assert "check the address, the network, VPN or proxy" in str(error)
    finally:
        queue.shutdown()


def _waiting(outage: Outage, transfer_id: str) -> bool:
    mine = [e for e in outage.events if e.transfer_id == transfer_id]
    return bool(mine) and mine[-1].waiting.startswith(NETWORK_WAIT)


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)
