"""Riding out a lost network: what a transfer knows of its link to the server.

A laptop's Wi-Fi drops for half a minute, a VPN reconnects, a router restarts: a
transfer that had been talking to its server then meets only connections that cannot
be made. Failing after a few seconds of retries would leave a content manager's
upload of a 4 GB video failed over a break they may not even notice. So once the
server has answered a transfer, a request whose retries run out on a connection that
cannot be made (:attr:`~coachadmin.transfers.errors.TransientError.unreachable`) waits
for the network instead, trying again every few seconds, for as long as the config's
``outage_patience``; the first request of the transfer to get through wakes the others
at once. A transfer that never reached its server (a mistyped endpoint, no VPN) still
fails fast: there is no network to wait for, only an address to fix.

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

#: An outage no request has found still there for this long is over: whoever waited gave
#: up (a waiting request reports again at least every probe and connect timeout), and the
#: next request that finds no connection begins another, with all its patience.
STALE_SECONDS = 60.0

#: What a transfer says while it waits (its Status column in the window).
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
    """One transfer's link: whether its server has answered, and since when it is lost."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._changed = threading.Condition()
        self._answered = False
        self._lost_since: float | None = None
        self._last_lost = 0.0  # when a request last found the network gone
        self._why = ""
        self._listeners: list[OutageListener] = []

    @property
    def answered(self) -> bool:
        """Some request of the transfer got through to the server (:meth:`met`, :meth:`answer`)."""
        with self._changed:
            return self._answered

    @property
    def lost(self) -> bool:
        """Requests are waiting for the network now (an outage, not yet :meth:`answer`-ed)."""
        with self._changed:
            return self._lost_now()

    def _lost_now(self) -> bool:
        stale = self._clock() - self._last_lost > STALE_SECONDS
        return self._lost_since is not None and not stale

    def listen(self, listener: OutageListener) -> Callable[[], None]:
        """Tell ``listener`` when an outage begins (at once, if one has begun) and when it
        ends; returns how to stop."""
        with self._changed:
            self._listeners.append(listener)
            why = self._why if self._lost_now() else ""
        if why:
            listener(why)

        def stop() -> None:
            with self._changed:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def met(self) -> None:
        """A request made a connection and then failed (a reset, a timeout, a 503): the
        server was there, whatever became of the request; an outage goes on."""
        with self._changed:
            self._answered = True

    def answer(self) -> None:
        """A request got through: the link is there, and whoever waits for it tries now."""
        with self._changed:
            self._answered = True
            ended = self._lost_since is not None
            self._lost_since = None
            self._changed.notify_all()
            listeners = list(self._listeners) if ended else []
        for listener in listeners:
            listener("")

    def lose(self, why: str) -> float:
        """A request ran out of retries with no connection: the seconds the outage has
        lasted (0 for the first such request, which tells the listeners ``why``)."""
        with self._changed:
            began = not self._lost_now()
            now = self._last_lost = self._clock()
            if began or self._lost_since is None:
                self._lost_since, self._why = now, why
            lasted = now - self._lost_since
            listeners = list(self._listeners) if began else []
        for listener in listeners:
            listener(why)
        return lasted

    def wait(self, seconds: float, halted: Flag) -> None:
        """Wait ``seconds``, or less: until another request gets through, or a pause or
        cancel (``halted``)."""

        def wake() -> None:
            with self._changed:
                self._changed.notify_all()

        stop_watching = halted.watch(wake)
        try:
            with self._changed:
                self._changed.wait_for(
                    lambda: self._lost_since is None or halted.is_set(), timeout=seconds
                )
        finally:
            stop_watching()
