"""Riding out a lost network: what a transfer knows of its link to the server.

A laptop's Wi-Fi drops for half a minute, a VPN reconnects, a router restarts: a
transfer that had been talking to its server then meets only connections that cannot
be made. Failing after a few seconds of retries would leave a content manager's
upload of a 4 GB video failed over a break they may not even notice. So once the
server has answered a run of a transfer (:attr:`TransferControl.answered`), a request
whose retries run out on a connection that cannot be made
(:attr:`~coachadmin.transfers.errors.TransientError.unreachable`) waits for the network
instead, trying again every few seconds, for as long as the config's ``outage_patience``;
the first request of the transfer to get through wakes the others at once. A run that
never reached its server (a mistyped endpoint, no VPN, the network down already) still
fails fast: there is no network to wait for, only an address or a network to check.

A transfer queue gives the transfers to one endpoint one :class:`Link`: a file that starts
while the others wait for the network waits with them rather than failing at once, and the
first request through wakes them all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from coachadmin.bounded import Flag

#: Longest wait between two tries while the network is gone (and at most a tenth of the
#: patience): the first request that gets through wakes the others, so this bounds how long
#: the network is back before the transfer moves again.
PROBE_SECONDS = 5.0

#: How a waiting transfer's ``waiting`` begins (the command line's line, the row's tooltip).
NETWORK_WAIT = "no connection to the server: waiting for the network"

#: Called with why the transfer waits when an outage begins, and with "" when it ends.
OutageListener = Callable[[str], None]


def patience_text(seconds: float) -> str:
    """``300`` → ``"5 min"``, ``45`` → ``"45 s"``."""
    whole = round(seconds)
    if whole >= 60 and whole % 60 == 0:
        return f"{whole // 60} min"
    if whole >= 60:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole} s"


class Link:
    """The link to one endpoint: since when the network is lost, and who waits for it.

    A request that waits :meth:`enter`-s once and :meth:`leave`-s however it ends (through,
    given up, paused, cancelled); when the last one leaves, the outage is over for the
    link, so that a later run begins with all its patience. Listeners are told the
    link's state as it is when they are told, one change at a time: a late word of an
    outage already over never reaches them after the word that it is over.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._changed = threading.Condition()
        self._telling = threading.RLock()
        self._lost_since: float | None = None
        self._why = ""
        self._waiting = 0
        self._listeners: list[OutageListener] = []

    @property
    def lost(self) -> bool:
        """Requests are waiting for the network now."""
        with self._changed:
            return self._lost_since is not None

    def listen(self, listener: OutageListener) -> Callable[[], None]:
        """Tell ``listener`` when an outage begins (at once, if one has begun) and when it
        ends; returns how to stop."""
        with self._telling:
            with self._changed:
                self._listeners.append(listener)
                why = self._why if self._lost_since is not None else ""
            if why:
                listener(why)

        def stop() -> None:
            with self._changed:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def enter(self) -> None:
        """A request begins to wait for the network (once, however often it tries)."""
        with self._changed:
            self._waiting += 1

    def leave(self) -> None:
        """A request that waited is done waiting; the last one out ends the outage."""
        with self._changed:
            self._waiting -= 1
            ended = self._waiting == 0 and self._lost_since is not None
            if ended:
                self._lost_since = None
        if ended:
            self._tell()

    def answer(self) -> None:
        """A request got through: the link is there, and whoever waits for it tries now."""
        with self._changed:
            ended = self._lost_since is not None
            self._lost_since = None
            self._changed.notify_all()
        if ended:
            self._tell()

    def lose(self, why: str) -> float:
        """A waiting request found no connection again: the seconds the outage has lasted
        (0 for the first such request, whose ``why`` the listeners are told)."""
        with self._changed:
            now = self._clock()
            since = self._lost_since
            began = since is None
            if since is None:
                since = self._lost_since = now
                self._why = why
            lasted = now - since
        if began:
            self._tell()
        return lasted

    def _tell(self) -> None:
        with self._telling:
            with self._changed:
                why = self._why if self._lost_since is not None else ""
                listeners = list(self._listeners)
            for listener in listeners:
                listener(why)

    def wait(self, seconds: float, *stops: Flag) -> None:
        """Wait ``seconds``, or less: until another request gets through, or one of ``stops``
        is set (a pause or cancel, a sibling part's failure)."""

        def wake() -> None:
            with self._changed:
                self._changed.notify_all()

        unwatch = [stop.watch(wake) for stop in stops]
        try:
            with self._changed:
                self._changed.wait_for(
                    lambda: self._lost_since is None or any(stop.is_set() for stop in stops),
                    timeout=seconds,
                )
        finally:
            for stop_watching in unwatch:
                stop_watching()
