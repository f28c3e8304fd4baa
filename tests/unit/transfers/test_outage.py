"""A lost network is waited for once the server has answered; a server never reached fails fast."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import (
    AccessDenied,
    IntegrityError,
    NetworkLost,
    ServerUnavailable,
    ServerUnreachable,
    SiblingFailed,
    TransferCancelled,
    TransferPaused,
)
from coachadmin.transfers.events import ProgressTracker, TransferEvent, TransferKind, TransferState
from coachadmin.transfers.executor import run_bounded
from coachadmin.transfers.outage import NETWORK_WAIT, Link, patience_text
from coachadmin.transfers.retry import with_retries
from coachadmin.transfers.streams import RangePlan, Workers

FAST = {"max_attempts": 3, "base": 0.001, "cap": 0.01}


def no_connection() -> EndpointConnectionError:
    return EndpointConnectionError(endpoint_url="http://127.0.0.1:9")


def answered_control() -> TransferControl:
    """A transfer whose server has answered one request."""
    control = TransferControl()
    with_retries(lambda: None, what="CreateMultipartUpload", control=control, **FAST)
    assert control.answered
    return control


def failing(times: int, error: Exception) -> tuple[list[float], Callable[[], str]]:
    calls: list[float] = []

    def call() -> str:
        calls.append(time.monotonic())
        if len(calls) <= times:
            raise error
        return "sent"

    return calls, call


def test_a_server_never_reached_fails_fast_whatever_the_patience() -> None:
    calls, call = failing(100, no_connection())
    with pytest.raises(ServerUnreachable, match=r"no connection to 127\.0\.0\.1:9"):
        with_retries(call, what="PutObject", control=TransferControl(), patience=60, **FAST)
    assert len(calls) == 3


def test_a_lost_network_is_waited_for_and_the_request_goes_on() -> None:
    control = answered_control()
    heard: list[str] = []
    control.link.listen(heard.append)
    calls, call = failing(5, no_connection())
    result = with_retries(call, what="UploadPart 3", control=control, patience=3, **FAST)
    assert result == "sent"
    assert len(calls) == 6  # three attempts, then a try every 0.3 s while waiting
    assert calls[-1] - calls[2] >= 0.9
    assert len(heard) == 2 and heard[1] == ""
    assert heard[0].startswith(f"{NETWORK_WAIT} (since ") and heard[0].endswith("for up to 3 s)")
    assert not control.link.lost


def test_a_request_cut_midway_counts_as_having_reached_the_server() -> None:
    """A download's stream is one long request: the Wi-Fi gone under it resets it before
    any request of the transfer has returned, and what follows is still waited out."""
    control = TransferControl()
    failures = [ConnectionClosedError(endpoint_url="http://127.0.0.1:9")] + [no_connection()] * 4
    calls: list[int] = []

    def stream() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "read"

    assert with_retries(stream, what="GetObject", control=control, patience=3, **FAST) == "read"
    assert len(calls) == 6


def test_the_wait_ends_when_its_patience_runs_out() -> None:
    control = answered_control()
    _calls, call = failing(1000, no_connection())
    began = time.monotonic()
    with pytest.raises(
        NetworkLost, match=r"^the network was gone for 1 s \(no connection to 127"
    ) as raised:
        with_retries(call, what="UploadPart 3", control=control, patience=1.0, **FAST)
    assert 1.0 <= time.monotonic() - began < 3.0
    assert "check the Wi-Fi, cable or VPN" in str(raised.value)
    assert "resume" in str(raised.value)  # still resumable, and the message says how
    assert not control.link.lost  # the last one waiting gave up: the outage is over


def test_a_server_that_answers_with_errors_is_not_waited_for() -> None:
    """503s say the server is there: the network is not what is missing."""
    control = answered_control()
    error = ClientError(
        {"Error": {"Code": "ServiceUnavailable"}, "ResponseMetadata": {"HTTPStatusCode": 503}},
        "UploadPart",
    )
    calls, call = failing(100, error)
    with pytest.raises(ServerUnavailable):
        with_retries(call, what="UploadPart 3", control=control, patience=30, **FAST)
    assert len(calls) == 3


def test_the_first_request_through_wakes_the_others() -> None:
    """Parts waiting for the network try again as soon as one of them gets through, not
    at their next probe (5 s)."""
    control = answered_control()
    network = {"up": False}

    def part() -> str:
        if not network["up"]:
            raise no_connection()
        return "sent"

    done: list[float] = []

    def wait_in_part() -> None:
        with_retries(part, what="UploadPart 2", control=control, patience=60, **FAST)
        done.append(time.monotonic())

    waiter = threading.Thread(target=wait_in_part)
    waiter.start()
    deadline = time.monotonic() + 5
    while not control.link.lost and time.monotonic() < deadline:
        time.sleep(0.01)
    assert control.link.lost
    time.sleep(0.3)  # the waiter is in its wait now
    network["up"] = True
    back = time.monotonic()
    with_retries(part, what="UploadPart 7", control=control, patience=60, **FAST)
    waiter.join(timeout=10)
    assert done and done[0] - back < 1.0


def test_pause_stops_the_wait_at_once() -> None:
    control = answered_control()
    _calls, call = failing(1000, no_connection())
    threading.Timer(0.5, control.pause).start()
    began = time.monotonic()
    with pytest.raises(TransferPaused):
        with_retries(call, what="UploadPart 3", control=control, patience=60, **FAST)
    assert time.monotonic() - began < 2.0


def test_the_tracker_says_it_waits_with_no_speed_or_time_left() -> None:
    events: list[TransferEvent] = []
    tracker = ProgressTracker(events.append, transfer_id="u1", kind=TransferKind.UPLOAD, total=100)
    tracker.set_state(TransferState.UPLOADING)
    tracker.add(40)
    tracker.set_waiting("no connection to the server: waiting for the network")
    waiting = events[-1]
    assert waiting.waiting.startswith("no connection") and waiting.state is TransferState.UPLOADING
    assert waiting.speed == 0 and waiting.eta_seconds is None
    assert waiting.as_json()["waiting"] == waiting.waiting
    tracker.set_waiting("")
    assert events[-1].waiting == ""
    tracker.set_waiting("again")
    tracker.set_state(TransferState.FAILED, "gave up")
    assert events[-1].waiting == ""  # only a moving transfer waits


@pytest.mark.parametrize(
    ("seconds", "text"), [(300, "5 min"), (45, "45 s"), (90, "1 min 30 s"), (0.4, "0 s")]
)
def test_patience_text(seconds: float, text: str) -> None:
    assert patience_text(seconds) == text


def test_a_later_run_after_everyone_gave_up_begins_afresh() -> None:
    """Every waiter gave up and the transfers failed; the user presses Retry later. The
    queue's shared link must not make that run fail at once, nor wait 5 minutes when the
    network is down from its start (the VPN off the next day): it fails fast, as a run
    that never reached its server does."""
    control = answered_control()
    _calls, gone = failing(1000, no_connection())
    with pytest.raises(NetworkLost):
        with_retries(gone, what="UploadPart 3", control=control, patience=0.5, **FAST)
    control.reset()
    _calls, still_gone = failing(1000, no_connection())
    began = time.monotonic()
    with pytest.raises(ServerUnreachable) as raised:
        with_retries(still_gone, what="UploadPart 3", control=control, patience=60, **FAST)
    assert not isinstance(raised.value, NetworkLost) and time.monotonic() - began < 1
    # the network back, a short drop is waited out with all its patience again
    with_retries(lambda: None, what="UploadPart 4", control=control, **FAST)
    _calls, short = failing(4, no_connection())
    assert with_retries(short, what="UploadPart 4", control=control, patience=3, **FAST) == "sent"


def test_listeners_hear_the_state_as_it_is_and_a_run_that_ended_says_nothing() -> None:
    link = Link()
    heard: list[str] = []
    link.listen(heard.append)
    link.enter()
    assert link.lose("gone") == 0.0
    link.answer()
    link.leave()
    assert heard == ["gone", ""]
    late: list[str] = []
    link.enter()
    link.lose("gone again")
    link.listen(late.append)  # a transfer that starts during the outage hears of it at once
    link.leave()  # the last one waiting gave up: over
    assert late == ["gone again", ""] and not link.lost

    events: list[TransferEvent] = []
    tracker = ProgressTracker(events.append, transfer_id="u1", kind=TransferKind.UPLOAD, total=9)
    tracker.set_state(TransferState.UPLOADING)
    tracker.set_state(TransferState.FAILED, "gave up")
    count = len(events)
    tracker.set_waiting("gone")  # another transfer's outage, after this one failed
    tracker.set_waiting("")
    assert len(events) == count


def test_a_part_that_fails_for_good_stops_the_parts_waiting_for_the_network() -> None:
    """Two parts wait for the network; the third fails for good (access denied). The
    transfer fails with that error at once, not after the others' patience (60 s)."""
    control = answered_control()

    def send(number: int) -> None:
        if number == 3:
            time.sleep(0.5)
            raise AccessDenied("s3://b/k")
        with_retries(no_connection_now, what=f"UploadPart {number}", control=control,
                     patience=60, **FAST)  # fmt: skip

    began = time.monotonic()
    with pytest.raises(AccessDenied):
        run_bounded([1, 2, 3], send, in_flight=3, control=control, name="parts")
    assert time.monotonic() - began < 3


def test_a_range_that_fails_for_good_stops_the_ranges_waiting_for_the_network() -> None:
    control = answered_control()
    plan = RangePlan([1, 2, 3])
    workers = Workers(plan, "download-x", control)

    def waiting_range() -> None:
        with_retries(no_connection_now, what="GetObject range 1", control=control,
                     patience=60, **FAST)  # fmt: skip

    def failing_range() -> None:
        time.sleep(0.5)
        raise IntegrityError("the server sent 3 bytes for a range of 8")

    began = time.monotonic()
    workers.start(waiting_range)
    workers.start(failing_range)
    workers.join()
    with pytest.raises(IntegrityError):
        workers.raise_outcome(control)
    assert time.monotonic() - began < 3


def test_a_pause_or_a_sibling_s_stop_does_not_count_as_a_part_failing() -> None:
    control = TransferControl("u1")
    for quiet in (TransferPaused("u1"), TransferCancelled(), SiblingFailed()):
        control.part_failed(quiet)
        assert not control.failing.is_set()
    control.part_failed(AccessDenied("s3://b/k"))
    assert control.failing.is_set()
    control.reset()
    assert not control.failing.is_set()


def no_connection_now() -> None:
    raise no_connection()
