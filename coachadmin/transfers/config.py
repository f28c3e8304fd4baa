"""Transfer settings, part sizing and size parsing.

S3's limits shape everything here: at most 10,000 parts, parts of at least
5 MiB (except the last) and at most 5 GiB, so objects of at most 10,000 x 5 GiB
(48.8 TiB, AWS's maximum object size).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from coachadmin.display import format_size
from coachadmin.errors import UsageError

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
TiB = 1024 * GiB

MAX_PARTS = 10_000
MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * GiB
MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE
MAX_PUT_SIZE = 5 * GiB


#: Files a transfer queue moves at once, by default.
DEFAULT_MAX_FILES = 3


@dataclass(frozen=True)
class TransferConfig:
    """How one file is moved.

    Parts in flight: an upload starts with ``concurrency`` and adds more while each
    step makes it faster, up to ``max_concurrency``
    (:mod:`coachadmin.transfers.part_growth`): a link that serves each connection at a
    bounded rate (S3) rewards more connections, a loopback server or a link shared by
    all of them does not. A ``max_concurrency`` at or below ``concurrency`` fixes the
    number, as an explicit ``--concurrency`` does (:meth:`with_overrides`).

    Memory bound: an upload has at most ``max(concurrency, max_concurrency)`` parts in
    flight and never holds a whole part, let alone the file: each part is read from disk
    lazily, 1 MiB at a time (plus a 1 MiB buffer per hashing thread, one per core), so
    its buffers stay under ``(max_concurrency + cores) x 1 MiB`` (34 MiB with the
    defaults on two cores; 12 MiB while it keeps 10 parts in flight), far under
    ``parts x part size``, whatever the file's size. A download streams each range to
    disk in ``io_chunk_size`` pieces, likewise. A queue multiplies this by its files in
    flight (3 by default).
    """

    #: Files below this go up in one PUT; at or above it, as a multipart upload.
    multipart_threshold: int = 8 * MiB
    #: The preferred part size; grown when the file would need more than 10,000 parts.
    part_size: int = 8 * MiB
    #: Parts (or download ranges) in flight per file: s3transfer's (and aws s3 cp's) 10.
    #: On a link with a long round trip more parts in flight keep it full; a lost
    #: connection costs at most this many partial parts.
    concurrency: int = 10
    #: A download's most connections (its stream and ranged GETs, added while they pay:
    #: see :mod:`coachadmin.transfers.streams`). More than ``concurrency``: a connection
    #: costs a download one read buffer (``io_chunk_size``), not a part, so 16 of them
    #: hold 16 MiB; where a server caps each connection's rate, as S3 does, a download goes
    #: as fast as the connections it runs. ``--concurrency`` sets both.
    download_streams: int = 16
    #: The most parts in flight an upload grows to while more of them pay: 32, so that
    #: a file's read buffers stay near 32 MiB (three files in a queue, ~100 MiB) while a
    #: link capped at 8 MiB/s per connection can still carry 256 MiB/s. At or below
    #: ``concurrency``: the number is fixed.
    max_concurrency: int = 32
    #: Attempts per part (and per request) on transient errors before giving up.
    max_attempts: int = 6
    #: First backoff step in seconds; doubles each attempt, with full jitter.
    backoff_base: float = 0.25
    #: Longest single backoff in seconds.
    backoff_cap: float = 20.0
    #: Socket timeouts: a stalled connection is abandoned and retried after this (a send
    #: waits ``connect_timeout`` at most, a write's reply ``read_timeout``: a
    #: CompleteMultipartUpload may take S3 minutes).
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: A read's reply (a GET's head or body, a HEAD's) that brings nothing for this long is
    #: abandoned and retried: a link gone quiet (Wi-Fi dropped, no reset) is then known
    #: lost in seconds, not a minute (:mod:`coachadmin.s3.reply_waits`).
    stall_timeout: float = 20.0
    #: Most progress events per second per transfer (state changes always pass).
    max_events_per_second: float = 10.0
    #: Read/write granularity for streaming download bodies to disk.
    io_chunk_size: int = 1 * MiB
    #: How long a transfer its server has answered waits for a lost network (no connection
    #: can be made) before it fails, resumable: long enough for Wi-Fi to come back, a VPN
    #: to reconnect or a router to restart (:mod:`coachadmin.transfers.outage`).
    outage_patience: float = 300.0
    #: How long a resume waits for the object of a completion whose reply was lost (a
    #: server may still be assembling a large object) before it starts the upload over.
    completion_wait: float = 60.0

    def with_overrides(
        self, *, part_size: int | None = None, concurrency: int | None = None
    ) -> TransferConfig:
        """This config with the command line's ``--part-size``/``--concurrency`` applied.

        An explicit ``concurrency`` is the number of parts in flight: no growth."""
        changed = self
        if part_size is not None:
            changed = replace(
                changed,
                part_size=part_size,
                multipart_threshold=min(changed.multipart_threshold, part_size),
            )
        if concurrency is not None:
            changed = replace(
                changed,
                concurrency=concurrency,
                download_streams=concurrency,
                max_concurrency=concurrency,
            )
        return changed


def part_size_for(size: int, preferred: int = 8 * MiB) -> int:
    """The part size for a file of ``size`` bytes: ``preferred`` grown to fit 10,000 parts."""
    if size > MAX_OBJECT_SIZE:
        raise UsageError(
            f"the file is {format_size(size)} ({size:,} bytes); S3 objects can be at most "
            f"48.8 TiB ({MAX_OBJECT_SIZE:,} bytes: 10,000 parts of 5 GiB)"
        )
    part = max(preferred, MIN_PART_SIZE)
    needed = math.ceil(size / MAX_PARTS) if size else 0
    if needed > part:
        part = math.ceil(needed / MiB) * MiB  # a round number of MiB, still ≥ needed
    return min(part, MAX_PART_SIZE)


#: A download splits into at least this many ranges (of at least 1 MiB): enough for the
#: ranged GETs added as it runs to share a mid-size object (64 MiB: ranges of 4 MiB,
#: half a second each at 8 MiB/s per connection, where 8 MiB ranges would leave a second's
#: tail after the last one is added).
MIN_DOWNLOAD_RANGES = 16


def download_range_size(size: int, part_size: int) -> int:
    """The range size of a ``size``-byte download: ``part_size``, smaller (a whole number
    of MiB, at least 1) where the object would have fewer than 16 ranges."""
    shared = math.ceil(size / MIN_DOWNLOAD_RANGES / MiB) * MiB
    return max(MiB, min(part_size, shared))


def parts_in_flight(config: TransferConfig) -> int:
    """The parts an upload starts with (and a download's most ranges in flight)."""
    return max(1, config.concurrency)


def most_parts_in_flight(config: TransferConfig) -> int:
    """The most parts an upload may grow to (:attr:`TransferConfig.max_concurrency`)."""
    return max(parts_in_flight(config), config.max_concurrency)


def part_count(size: int, part_size: int) -> int:
    return max(1, math.ceil(size / part_size))


def part_span(size: int, part_size: int, number: int) -> tuple[int, int]:
    """Where part ``number`` (from 1) of a ``size``-byte file lies: (offset, length)."""
    offset = (number - 1) * part_size
    return offset, min(part_size, size - offset)


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": KiB, "m": MiB, "g": GiB, "t": TiB}


def parse_size(text: str) -> int:
    """``"8MiB"``, ``"16M"``, ``"1g"``, ``"5242880"`` → bytes (binary units either way)."""
    match = _SIZE_RE.match(text)
    if not match:
        raise UsageError(f"'{text}' is not a size: write e.g. 8MiB, 16M or 5242880")
    number, unit, _suffix = match.groups()
    return int(float(number) * _UNITS[unit.lower()])
