"""The bridge: work on worker threads, results and errors back on the GUI thread."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject

from coachadmin.errors import UserFacingError
from coachadmin.ui.banner import MessageBanner
from coachadmin.ui.bridge import Bridge, EventRelay, Latest
from coachadmin.ui.messages import Level, MessageBus


class NoBucket(UserFacingError):
    pass


def test_result_arrives_on_the_gui_thread(qtbot, bridge: Bridge):
    gui_thread = threading.get_ident()
    seen: dict[str, object] = {}

    def work(a: int, b: int) -> int:
        seen["worker"] = threading.get_ident()
        return a * b

    def on_result(value: int) -> None:
        seen["result"] = value
        seen["delivered_on"] = threading.get_ident()

    finished: list[bool] = []
    future = bridge.run(work, 6, 7, on_result=on_result, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: finished == [True])
    assert future.result() == 42
    assert seen["result"] == 42
    assert seen["worker"] != gui_thread
    assert seen["delivered_on"] == gui_thread
    assert bridge.pending == 0


def test_user_facing_error_goes_to_the_banner(qtbot, bridge: Bridge, bus: MessageBus):
    banner = MessageBanner(bus)
    qtbot.addWidget(banner)

    def fail() -> None:
        raise NoBucket("The bucket 'x' does not exist. Check its name in the connection.")

    with qtbot.waitSignal(bus.posted) as posted:
        bridge.run(fail, on_result=lambda _: pytest.fail("no result expected"))
    message = posted.args[0]
    assert message.level is Level.ERROR
    assert "does not exist" in message.text
    assert [item.message.text for item in banner.items()] == [message.text]
    assert banner.isVisibleTo(banner.parentWidget() or banner)


def test_on_error_replaces_the_banner(qtbot, bridge: Bridge, bus: MessageBus):
    posted: list[object] = []
    bus.posted.connect(posted.append)
    errors: list[UserFacingError] = []
    delivered_on: list[int] = []

    def on_error(error: UserFacingError) -> None:
        errors.append(error)
        delivered_on.append(threading.get_ident())

    bridge.run(_raise_no_bucket, on_error=on_error)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert isinstance(errors[0], NoBucket)
    assert delivered_on == [threading.get_ident()]
    assert posted == []


def _raise_no_bucket() -> None:
    raise NoBucket("no bucket")


def test_unexpected_error_goes_to_the_crash_handler(qtbot, bus: MessageBus):
    crashes: list[tuple[BaseException, int]] = []
    bridge = Bridge(bus=bus, on_crash=lambda e: crashes.append((e, threading.get_ident())))
    finished: list[bool] = []
    try:
        bridge.run(_divide_by_zero, on_finished=lambda: finished.append(True))
        qtbot.waitUntil(lambda: finished == [True])
    finally:
        bridge.shutdown(wait=True)
    assert len(crashes) == 1
    error, thread = crashes[0]
    assert isinstance(error, ZeroDivisionError)
    assert thread == threading.get_ident()


def _divide_by_zero() -> float:
    return 1 / 0


def test_no_callback_after_the_owner_is_gone(qtbot, bridge: Bridge):
    owner = QObject()
    called: list[object] = []
    release = threading.Event()
    future = bridge.run(release.wait, 5, on_result=called.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    release.set()
    future.result(timeout=5)
    qtbot.waitUntil(lambda: bridge.pending == 0)
    assert called == []


def _alive(obj: QObject) -> bool:
    return shiboken6.isValid(obj)


def test_relay_batches_a_flood_of_events(qtbot):
    relay = EventRelay(interval_ms=30)
    batches: list[list[int]] = []
    relay.batch.connect(batches.append)
    gui_thread = threading.get_ident()
    delivered_on: set[int] = set()
    relay.batch.connect(lambda _: delivered_on.add(threading.get_ident()))

    total = 20_000
    worker = threading.Thread(target=lambda: [relay.post(i) for i in range(total)])
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) == total)
    flat = [event for batch in batches for event in batch]
    assert flat == list(range(total))  # nothing lost, nothing reordered
    assert len(batches) < 20  # a handful of signals, not twenty thousand
    assert delivered_on == {gui_thread}


def test_relay_keeps_only_the_latest_event_per_key(qtbot):
    relay = EventRelay(interval_ms=30, key=lambda event: event[0])
    batches: list[list[tuple[str, int]]] = []
    relay.batch.connect(batches.append)
    for done in range(1000):
        relay.post(("a.mp4", done))
        relay.post(("b.mp4", done * 2))
    with qtbot.waitSignal(relay.batch):
        pass
    assert batches == [[("a.mp4", 999), ("b.mp4", 1998)]]


def test_only_the_newest_request_of_a_kind_delivers(qtbot, bridge: Bridge) -> None:
    """A listing left for another: its late result is dropped; the newest one delivers."""
    latest = Latest()
    seen: list[str] = []
    release = threading.Event()
    older = latest.begin()
    bridge.run(lambda: release.wait(5) and "old folder", on_result=older.only(seen.append))
    newer = latest.begin()
    assert not older.current and newer.current
    bridge.run(lambda: "new folder", on_result=newer.only(seen.append))
    qtbot.waitUntil(lambda: seen == ["new folder"])
    release.set()
    qtbot.waitUntil(lambda: bridge.pending == 0)
    assert seen == ["new folder"]
    latest.drop()  # the user left: nothing under way may deliver
    assert not newer.current
    bridge.run(lambda: "after drop", on_result=newer.only(seen.append))
    qtbot.waitUntil(lambda: bridge.pending == 0)
    assert seen == ["new folder"]
