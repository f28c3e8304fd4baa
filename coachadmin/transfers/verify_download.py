"""Is the downloaded file the object? Its checksum where S3 shows one, else its ETag
where that is an MD5, else its size alone (and the user is told so).

An ETag is the MD5 of the content (``md5(concat(part MD5s))-N`` for a multipart
object) only without encryption or under SSE-S3; under SSE-KMS and SSE-C it is not
(the HeadObject answer says which), and some S3-compatible servers make their own.
The object's stored checksum (HeadObject with ``ChecksumMode=ENABLED``) is preferred
whatever the encryption: full-object, or composite (``VALUE-N``) over the original
parts, whose sizes the caller asks the server for.

The check is decided before the download (:func:`plan_check`) so that its first way
(:class:`Way`) can hash the bytes as the download's stream writes them, in order
(:class:`InlineHash`): at the end only the bytes it did not see (those fetched by
ranged GETs, or already on disk when a download resumed) are read back from the file.
Over parts, the inline digests are cut at the likely part sizes
(:func:`likely_part_sizes`); the server is asked for the real ones (HeadObject with
``PartNumber``, which costs moto a copy of the whole object) only when that value does not
match. Any other way the checksum may have been made is tried by reading the whole file,
as is the first way when the stream's bytes came out of order (a retried GET) or the
parts were not the likely ones.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coachadmin.s3.objects import ObjectInfo
from coachadmin.transfers import integrity, object_checksums
from coachadmin.transfers.config import MiB
from coachadmin.transfers.errors import IntegrityError

#: What the user is told when nothing but the size could be checked.
NO_CHECKSUM = "size checked; this server gives no checksum"
#: The part sizes S3 tools use most, the likeliest first (:func:`likely_part_sizes`).
LIKELY_PART_SIZES = (8 * MiB, 5 * MiB, 16 * MiB)
#: Bytes read back from the file at a time.
READ_CHUNK = 1 << 20
#: Chunks (of up to 1 MiB) the stream may be ahead of its hash (:class:`HashBehind`).
BEHIND = 8


@dataclass(frozen=True)
class Way:
    """One way the object's value may have been made: ``algorithm`` over the whole object
    (``parts`` 0), or over each of its ``parts`` original parts (a composite checksum, or
    a multipart ETag: the value is over the parts' digests)."""

    algorithm: str
    parts: int

    def slices(self, size: int, part_sizes: Callable[[int], list[int]]) -> tuple[int, ...]:
        """The sizes of the consecutive slices this way hashes."""
        return tuple(part_sizes(self.parts)) if self.parts else (size,)

    def value(self, digests: list[bytes]) -> str:
        """The value this way gives for the slices' raw digests, as the check compares it."""
        if self.algorithm == "MD5":
            hexes = [d.hex() for d in digests]
            return integrity.multipart_etag(hexes) if self.parts else hexes[0]
        if not self.parts:
            return object_checksums.encoded(digests[0])
        return object_checksums.combined(self.algorithm, digests)


@dataclass(frozen=True)
class Check:
    """What a download is checked by: ``checksum``, ``etag`` or ``size``, and the ways the
    object's value (``expected``) may have been made, the likeliest first."""

    verified: str
    expected: str = ""
    ways: tuple[Way, ...] = ()
    algorithm: str = ""


def plan_check(info: ObjectInfo) -> Check:
    """How the object ``info`` is checked."""
    etag = integrity.clean_etag(info.etag)
    algorithm = next((a for a in object_checksums.PREFERRED if a in info.checksums), None)
    if algorithm is not None:
        counts = _ways(info, algorithm, etag)
        if counts:
            value = info.checksums[algorithm].partition("-")[0]
            ways = tuple(Way(algorithm, count) for count in counts)
            return Check("checksum", value, ways, algorithm)
    if not info.etag_is_md5 or not integrity.is_md5_etag(etag):
        return Check("size")
    return Check("etag", etag, (Way("MD5", int(etag.partition("-")[2] or 0)),))


@dataclass
class InlineHash:
    """The first way's digests over the bytes as the stream writes them, in order.

    :meth:`feed` takes the bytes at ``offset``: those that follow the ones seen are
    hashed; any after a gap are left for :meth:`finish` to read back from the file; any
    already seen (a retried GET sends a range again) mean the digests no longer describe
    what is on disk (:attr:`spoiled`), so the whole file is read back.
    """

    way: Way
    #: The sizes of the way's slices (:meth:`Way.slices`).
    sizes: tuple[int, ...]
    position: int = 0
    spoiled: bool = False
    _index: int = 0
    _left: int = 0
    _digests: list[bytes] = field(default_factory=list)
    _digest: object_checksums.Digest | None = None

    def __post_init__(self) -> None:
        self._start_slice()

    def feed(self, offset: int, data: bytes) -> None:
        if self.spoiled or offset > self.position or not data:
            return
        if offset < self.position:
            self.spoiled = True
            return
        view = memoryview(data)
        while view:
            if self._digest is None:  # the sizes are all used: more bytes than the object
                self.spoiled = True
                return
            piece = view[: self._left]
            self._digest.update(piece)
            self._left -= len(piece)
            self.position += len(piece)
            view = view[len(piece) :]
            if not self._left:
                self._digests.append(self._digest.digest())
                self._index += 1
                self._start_slice()

    def finish(self, temp: Path, size: int) -> str:
        """The way's value, the bytes not seen read back from ``temp`` (not when spoiled:
        then :func:`verify_download` reads the whole file)."""
        assert not self.spoiled
        if self.position < size:
            with temp.open("rb") as handle:
                handle.seek(self.position)
                while self.position < size:
                    data = handle.read(min(READ_CHUNK, size - self.position))
                    if not data:
                        break
                    self.feed(self.position, data)
        if self._index < len(self.sizes) and self._digest is not None:
            self._digests.append(self._digest.digest())  # a file shorter than the sizes
        return self.way.value(self._digests)

    def _start_slice(self) -> None:
        while self._index < len(self.sizes) and not self.sizes[self._index]:
            self._digests.append(object_checksums.new_digest(self.way.algorithm).digest())
            self._index += 1
        if self._index < len(self.sizes):
            self._left = self.sizes[self._index]
            self._digest = object_checksums.new_digest(self.way.algorithm)
        else:
            self._digest = None


class HashBehind:
    """Feeds an :class:`InlineHash` from a thread of its own, so that hashing the stream's
    bytes overlaps reading the next ones (ISA-L, hashlib and awscrt let go of the GIL while
    they hash a chunk). At most :data:`BEHIND` chunks wait; :meth:`close` (always, after
    the download) lets the hash catch up."""

    def __init__(self, inline: InlineHash) -> None:
        self.inline = inline
        #: Where the bytes fed must begin to be hashed as they come (-1: none will be).
        self._follows = inline.position
        self._hashed = 0
        self._cpu = 0.0
        self._waiting: queue.Queue[tuple[int, bytes] | None] = queue.Queue(maxsize=BEHIND)
        self._thread = threading.Thread(target=self._run, name="hash-behind", daemon=True)
        self._thread.start()

    def feed(self, offset: int, data: bytes) -> bool:
        """Hash ``data`` (at ``offset``) on the thread; whether it is hashed as it comes: it
        follows the bytes hashed so far (bytes after a gap are read back at the end, and
        after a repeat, the whole file), as :meth:`InlineHash.feed` takes them."""
        follows = offset == self._follows
        if follows:
            self._follows += len(data)
        elif offset < self._follows:
            self._follows = -1  # a repeat spoils the inline hash: all is read back
        self._waiting.put((offset, data))
        return follows

    def close(self) -> None:
        self._waiting.put(None)
        self._thread.join()

    @property
    def rate(self) -> float:
        """The bytes the hash takes in a second of its thread's CPU (0 before it has taken
        any): its speed on a core of its own, however busy the others are."""
        return self._hashed / self._cpu if self._cpu > 0 else 0.0

    def _run(self) -> None:
        started = time.thread_time()  # CPU of this thread: coarse ticks on Windows, summed
        while (item := self._waiting.get()) is not None:
            position = self.inline.position
            self.inline.feed(*item)
            if self.inline.position > position:
                self._hashed += self.inline.position - position
                self._cpu = time.thread_time() - started


def likely_part_sizes(size: int, parts: int) -> list[int]:
    """The sizes of ``parts`` uniform parts that make ``size`` bytes, as S3 tools cut them:
    of 8 MiB (aws's and ours), 5 MiB (S3's least) or 16 MiB where that many make the size,
    else of the fewest whole MiB that do. A guess: the server's sizes decide."""
    if parts <= 1:
        return [size]
    fewest = math.ceil(size / parts / MiB) * MiB
    fitting = [p for p in LIKELY_PART_SIZES if math.ceil(size / p) == parts]
    part = fitting[0] if fitting else fewest
    if math.ceil(size / part) != parts:
        part = math.ceil(size / parts)
    return [max(0, min(part, size - n * part)) for n in range(parts)]


def verify_download(
    temp: Path,
    where: str,
    info: ObjectInfo,
    part_sizes: Callable[[int], list[int]],
    *,
    check: Check | None = None,
    inline: InlineHash | None = None,
) -> str:
    """Check ``temp`` against the object ``info``: ``checksum``, ``etag`` or ``size``.

    ``check`` is :func:`plan_check`'s for ``info`` (made here when not given), ``inline``
    its first way's digests over the bytes the download's stream wrote (else the file is
    read). ``part_sizes(n)`` gives the sizes of the object's ``n``
    original parts. A mismatch is an :class:`IntegrityError`.
    """
    size = temp.stat().st_size
    if size != info.size:
        raise IntegrityError(f"{where}: got {size} bytes, expected {info.size}")
    if check is None:
        check = plan_check(info)
    if check.verified == "size":
        return "size"
    for number, way in enumerate(check.ways):
        if number == 0 and inline is not None and inline.way == way and not inline.spoiled:
            if inline.finish(temp, size) == check.expected:
                # Over the likely parts: other boundaries giving the server's value would
                # take a collision of the digest itself, as other bytes would.
                return check.verified
            if not way.parts or inline.sizes == way.slices(size, part_sizes):
                continue  # hashed over the real parts: the bytes differ
        slices = way.slices(size, part_sizes)
        got = way.value(
            object_checksums.file_digests(temp, way.algorithm, slices, chunk=READ_CHUNK)
        )
        if got == check.expected:
            return check.verified
    if check.verified == "checksum":
        raise IntegrityError(
            f"{where}: the downloaded bytes do not match the object's {check.algorithm} "
            "checksum; download it again"
        )
    raise IntegrityError(f"{where}: the downloaded bytes do not match the ETag; download it again")


def _ways(info: ObjectInfo, algorithm: str, etag: str) -> list[int]:
    """How the object's checksum may have been made: over N parts (N), over the whole (0).

    AWS shows a composite as ``VALUE-N`` with ``ChecksumType``; a server that shows
    neither leaves both readings to try, N from a multipart ETag.
    """
    count = info.checksums[algorithm].partition("-")[2] or etag.partition("-")[2]
    ways = []
    if count.isdigit() and info.checksum_type != "FULL_OBJECT":
        ways.append(int(count))
    if info.checksum_type != "COMPOSITE" and not info.checksums[algorithm].partition("-")[2]:
        ways.append(0)
    return ways
