"""The local side of an upload: checking the file, reading one part, counting what is sent.

Parts are read by offset, lazily, a chunk at a time (never the whole file,
never even a whole part): first to compute the part's checksum, then while
botocore sends it. A file whose size or mtime changes meanwhile raises
:class:`SourceChanged`, and the upload starts over rather than mixing versions.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachadmin.transfers import integrity
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.errors import SourceFileError, TransferCancelled
from coachadmin.transfers.events import ProgressTracker

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Fingerprint:
    """What tells us a file is unchanged: its size and modification time (ns), and its
    status-change time and inode, which a copy that keeps the modification time
    (``cp -p``, ``touch -r``, a sync tool) still changes.

    ``changed_ns`` and ``inode`` are None where they are not known (an upload journaled
    before they were): they are then not compared.
    """

    size: int
    mtime_ns: int
    changed_ns: int | None = None
    inode: int | None = None

    def matches(self, other: Fingerprint | None) -> bool:
        """The same file, unchanged (fields either side does not know are skipped)."""
        if other is None or (self.size, self.mtime_ns) != (other.size, other.mtime_ns):
            return False
        return all(
            mine is None or theirs is None or mine == theirs
            for mine, theirs in ((self.changed_ns, other.changed_ns), (self.inode, other.inode))
        )


def _fingerprint(info: os.stat_result) -> Fingerprint:
    return Fingerprint(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino or None)


def check_source(path: Path) -> Fingerprint:
    """The file's fingerprint, or a :class:`SourceFileError` saying why it cannot be uploaded."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SourceFileError(f"{path} does not exist; check the path") from None
    except PermissionError:
        raise SourceFileError(f"{path} cannot be read: permission denied") from None
    except OSError as error:
        raise SourceFileError(f"{path} cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceFileError(
            f"{path} is a directory; pass the files in it (e.g. {path}/*) instead"
        )
    if not stat.S_ISREG(info.st_mode):
        raise SourceFileError(f"{path} is not a regular file")
    try:
        with path.open("rb") as handle:
            first = handle.read(1)
            if info.st_size > 0:
                handle.seek(info.st_size - 1)
            last = handle.read(1) if info.st_size > 0 else b""
    except PermissionError:
        raise SourceFileError(
            f"{path} cannot be read: permission denied; check the file's permissions"
        ) from None
    except OSError as error:
        raise SourceFileError(f"{path} cannot be read: {error.strerror}") from None
    if (info.st_size == 0 and first) or (info.st_size > 0 and not last):
        # /proc and /sys files say 0 or 4,096 bytes whatever they hold: what would be
        # uploaded is not what the file holds.
        raise SourceFileError(
            f"{path} holds a different number of bytes than its size says (a file of a "
            "virtual file system such as /proc); copy it to a normal file and upload that"
        )
    return _fingerprint(info)


def current_fingerprint(path: Path) -> Fingerprint | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return _fingerprint(info)


class SourceChanged(Exception):
    """The file no longer matches the fingerprint its upload began with."""


#: How much of a part is read from disk at a time (and held in memory per part in flight).
READ_CHUNK = 1024 * 1024
#: The most one ``read`` returns: small pieces are allocated and freed on the heap's fast
#: path, where 1 MiB copies would each cost an mmap (or fragment the heap).
MAX_READ = 64 * 1024
#: Progress is passed to the tracker in steps of this many bytes (and at a part's end):
#: one tracker update per 16 KiB read cost a tenth of the uploader's CPU.
REPORT_STEP = 256 * 1024


#: Checksum passes at once, whatever the parts in flight: one per core. More would
#: not hash any faster, only later: ten parts hashed together are all ready at the
#: end, where one per core has the first ready in a tenth of the time.
HASHERS = max(2, os.cpu_count() or 2)
_HASHING = threading.Semaphore(HASHERS)


def range_checksums(
    path: Path, offset: int, length: int, expected: Fingerprint, algorithms: Sequence[str]
) -> dict[str, str]:
    """Checksums of ``length`` bytes at ``offset`` (one pass, a chunk at a time), by algorithm.

    Checks the fingerprint afterwards: a file that changed meanwhile raises
    :class:`SourceChanged`.
    """
    hashers = {name: integrity.hasher(name) for name in algorithms}
    buffer = bytearray(min(READ_CHUNK, max(length, 1)))  # one buffer, reused: no heap churn
    view = memoryview(buffer)
    try:
        with _HASHING, path.open("rb") as handle:
            handle.seek(offset)
            remaining = length
            while remaining:
                count = handle.readinto(view[: min(len(buffer), remaining)])
                if not count:
                    raise SourceChanged(str(path))
                for each in hashers.values():
                    each.update(view[:count])
                remaining -= count
    except OSError:  # gone, or unreadable (a drive unplugged mid-read: EIO)
        raise SourceChanged(str(path)) from None
    finally:
        view.release()
    ensure_unchanged(path, expected)
    return {name: each.value() for name, each in hashers.items()}


def ensure_unchanged(path: Path, expected: Fingerprint) -> None:
    if not expected.matches(current_fingerprint(path)):
        raise SourceChanged(str(path))


class PartBody:
    """One part of the file as a seekable file object for botocore, read lazily from disk.

    Only ``READ_CHUNK`` bytes are held at a time, so parts in flight cost little memory
    whatever the part size. Bytes are counted as the HTTP layer actually sends them:
    botocore may read the body to sign it (SigV4 hashes the payload over plain HTTP,
    unless the body's ``payload_sha256`` is given) before it reads it to send it; the
    client's ``request-created`` hooks switch counting off around signing, as
    s3transfer does. A cancel raises inside ``read``, so a half-sent
    part stops at once.
    """

    def __init__(
        self,
        path: Path,
        offset: int,
        length: int,
        tracker: ProgressTracker | None,
        control: TransferControl,
        *,
        sha256: str | None = None,
        expect_continue: bool = True,
    ) -> None:
        self._handle = path.open("rb")
        #: Whether the request waits for the server's "100 Continue" before the body
        #: (see :func:`install_body_hooks`).
        self.expect_continue = expect_continue
        #: The hex SHA-256 of the whole part, when known: the signer then need not read
        #: it (see :mod:`coachadmin.s3.signing`).
        self.payload_sha256 = sha256
        self._offset = offset
        self._length = length
        self._pos = 0
        self._buffer = bytearray(min(READ_CHUNK, max(length, 1)))
        self._filled = 0  # valid bytes in _buffer
        self._buffer_start = 0
        self._tracker = tracker
        self._control = control
        self._counting = True
        #: Bytes reported to the tracker by this attempt (rolled back if it fails).
        self.reported = 0
        self._unreported = 0  # sent, not yet passed to the tracker
        #: Bytes handed to the network by this attempt, never rolled back (for statistics).
        self.sent = 0

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (fewer at a chunk boundary, as any file may return)."""
        if size is None or size < 0:  # read everything that is left
            pieces = []
            while piece := self.read(READ_CHUNK):
                pieces.append(piece)
            return b"".join(pieces)
        if self._control.cancelled:
            raise TransferCancelled()
        left = self._length - self._pos
        want = min(size, left, MAX_READ)
        if want <= 0:
            return b""
        start = self._pos - self._buffer_start
        if start < 0 or start >= self._filled:
            self._fill()
            start = 0
        want = min(want, self._filled - start)
        chunk = bytes(memoryview(self._buffer)[start : start + want])
        self._pos += len(chunk)
        if self._counting and chunk:
            self.sent += len(chunk)
            if self._tracker is not None:
                self._unreported += len(chunk)
                if self._unreported >= REPORT_STEP or self._pos == self._length:
                    self._report()
        return chunk

    def _report(self) -> None:
        if self._tracker is not None and self._unreported:
            self.reported += self._unreported
            self._tracker.add(self._unreported)
        self._unreported = 0

    def _fill(self) -> None:
        """Read the next chunk at the current position into the reused buffer."""
        count = min(len(self._buffer), self._length - self._pos)
        try:
            self._handle.seek(self._offset + self._pos)
            with memoryview(self._buffer) as view:
                self._filled = self._handle.readinto(view[:count]) or 0
        except OSError:  # a drive unplugged mid-read (EIO): the file, not the network
            raise SourceChanged(self._handle.name) from None
        self._buffer_start = self._pos
        if self._filled < count:
            raise SourceChanged(self._handle.name)  # the file shrank under us

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        new = max(0, min(self._length, base + offset))
        if new < self._pos and self._counting and self._tracker is not None:
            # A rewind (a resend): un-count what will be sent again.
            self._report()
            rollback = min(self.reported, self._pos - new)
            self.reported -= rollback
            self._tracker.add(-rollback)
        self._pos = new
        return new

    def tell(self) -> int:
        return self._pos

    def signal_not_transferring(self) -> None:
        self._counting = False

    def signal_transferring(self) -> None:
        self._counting = True

    def rollback(self) -> None:
        """Un-count this attempt's bytes (it failed and will be sent again)."""
        self._unreported = 0
        if self._tracker is not None and self.reported:
            self._tracker.add(-self.reported)
        self.reported = 0

    def close(self) -> None:
        self._handle.close()


# ``request.data`` is the body as given; ``request.body`` would prepare the whole request
# anew (headers included) on every access.
def _not_transferring(request: Any, operation_name: str, **_kwargs: Any) -> None:
    if operation_name in ("PutObject", "UploadPart") and isinstance(request.data, PartBody):
        request.data.signal_not_transferring()


def _transferring(request: Any, operation_name: str, **_kwargs: Any) -> None:
    if operation_name in ("PutObject", "UploadPart") and isinstance(request.data, PartBody):
        request.data.signal_transferring()


def _continue_at_once(params: dict[str, Any], **_kwargs: Any) -> None:
    body = params.get("body")
    if isinstance(body, PartBody) and not body.expect_continue:
        params["headers"].pop("Expect", None)


def install_body_hooks(client: S3Client) -> None:
    """Count body bytes only while they are being sent, not while botocore signs them;
    leave out ``Expect: 100-continue`` where the body says so.

    botocore asks for "100 Continue" before every body, so that a server refusing the
    request answers before the body is sent. That costs each part a round trip: at the
    start of an upload the whole link waits for it, and a connection whose window
    bounds its speed loses it on every part. A part's first attempt goes at once (the
    requests before it, CreateMultipartUpload or ListParts, have shown the credentials,
    bucket and upload to be good; a single PUT is below the multipart threshold); a
    retry asks first, so that what refused the last attempt answers before the body
    goes again.
    """
    events = client.meta.events
    events.register_first("request-created.s3", _not_transferring, unique_id="ca-not-sending")
    events.register_last("request-created.s3", _transferring, unique_id="ca-sending")
    # After botocore's own "before-call.s3" handler adds the header: handlers of a more
    # specific event name (before-call.s3.UploadPart) would run before it.
    events.register_last("before-call.s3", _continue_at_once, unique_id="ca-continue")
