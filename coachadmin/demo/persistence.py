"""The demo's S3 state on disk, so that what a user puts in the demo survives a restart.

moto keeps buckets in memory. :class:`S3Snapshots` saves the demo account's S3
state (buckets, objects with every version, unfinished multipart uploads with
their parts, tags) to a directory and brings it back at the next start:

- ``blobs/``: each object's and each part's bytes, one file per moto key, written
  once (a moto key never changes after it is made; a new PUT makes a new key);
- ``state.pickle``: everything else, with each key's bytes replaced by the name
  of its blob. Written to a temporary file, flushed to disk and renamed over the
  old one, so a crash leaves either the old snapshot or the new one.

A snapshot is taken shortly after the requests that change something (PUT, POST,
DELETE) and when the demo stops. It needs a still moment: :class:`RequestGate`
lets requests run side by side and the snapshot alone. A part the server
acknowledged less than :data:`SNAPSHOT_DELAY` before a hard kill of the demo
process can be missing after the restart; the upload engine then sends it again.

The snapshot is a pickle of moto's own objects, read back only from the user's
own data directory, and only classes of moto and the standard library may be
named in it (:class:`_Unpickler`). A snapshot that cannot be read (damaged, or
written by another moto release) is reported and the demo starts fresh.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import FakeKey, s3_backends
from moto.s3.utils import _VersionedKeyStore

log = logging.getLogger("coachadmin.demo")

STATE_FILE = "state.pickle"
BLOB_DIR = "blobs"
#: Seconds between a change and the snapshot that saves it (changes in between join it).
SNAPSHOT_DELAY = 0.5
_COPY_CHUNK = 1 << 20
#: Modules whose classes a snapshot may name (moto's models and what they hold).
_ALLOWED_MODULES = (
    "moto.",
    "builtins",
    "collections",
    "datetime",
    "copyreg",
    "_codecs",
    "requests.structures",
)
_BLOB_ATTRIBUTE = "_coachadmin_blob"


class SnapshotUnreadable(Exception):
    """The saved state cannot be brought back; the demo starts fresh."""


class RequestGate:
    """Requests pass side by side; :meth:`still` waits for them to end and holds new ones.

    A waiting snapshot goes before requests that arrive after it, so a steady stream
    of uploads cannot keep it waiting.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._closing = False
        self._holding = False

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._closing and not self._holding)
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def still(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._holding)
            self._closing = True
            self._cond.wait_for(lambda: self._active == 0)
            self._holding = True
            self._closing = False
        try:
            yield
        finally:
            with self._cond:
                self._holding = False
                self._cond.notify_all()


def _s3_backend() -> Any:
    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def _restore_key(blob_dir: Path, blob: str, state: dict[str, Any]) -> FakeKey:
    """A moto key from its snapshot: its attributes, its bytes read from ``blob``."""
    key = cast("FakeKey", FakeKey.__new__(FakeKey))
    key.__dict__.update(state)
    key.lock = threading.Lock()
    key._value_buffer = _open_blob(blob_dir / blob, key._max_buffer_size)
    setattr(key, _BLOB_ATTRIBUTE, blob)
    return key


def _versioned_store(cls: type[_VersionedKeyStore], lists: dict[str, Any]) -> Any:
    """moto's key store with every version of every key (its items() show only the last)."""
    store = cls()
    for name, versions in lists.items():
        dict.__setitem__(store, name, versions)
    return store


def _open_blob(path: Path, max_size: int) -> Any:
    """The buffer moto reads a key's bytes from: in memory when small, else the blob itself.

    A large key reads its blob file in place (opened read-only), so a restart does not
    copy gigabytes; moto never writes to a key's buffer after making the key.
    """
    buffer = tempfile.SpooledTemporaryFile(max_size=max_size)  # noqa: SIM115 - moto closes it
    if path.stat().st_size <= max_size:
        buffer.write(path.read_bytes())
        return buffer
    buffer.close()
    buffer._file = path.open("rb")
    buffer._rolled = True  # type: ignore[attr-defined]
    return buffer


class _Pickler(pickle.Pickler):
    """Pickles moto's S3 state with each key's bytes written to a blob file of its own."""

    def __init__(self, file: io.BufferedWriter, blob_dir: Path) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._blob_dir = blob_dir
        self.blobs: set[str] = set()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _VersionedKeyStore):
            return _versioned_store, (type(obj), dict(dict.items(obj)))
        if type(obj) is not FakeKey:
            return NotImplemented
        blob = getattr(obj, _BLOB_ATTRIBUTE, None)
        if blob is None or not (self._blob_dir / blob).is_file():
            blob = self._write_blob(obj)
        self.blobs.add(blob)
        state = {
            name: value
            for name, value in obj.__dict__.items()
            if name not in ("_value_buffer", "lock", _BLOB_ATTRIBUTE)
        }
        return _restore_key, (blob, state)

    def _write_blob(self, key: FakeKey) -> str:
        blob = uuid.uuid4().hex
        with (self._blob_dir / blob).open("wb") as out:
            with key.lock:
                source = key._value_buffer
                try:
                    source.seek(0)
                    shutil.copyfileobj(source, out, _COPY_CHUNK)
                except ValueError:  # disposed of (deleted) meanwhile: nothing to keep
                    pass
            out.flush()
            os.fsync(out.fileno())
        setattr(key, _BLOB_ATTRIBUTE, blob)
        return blob


class _Unpickler(pickle.Unpickler):
    """Names only moto's and the standard library's classes; keys read their blobs."""

    def __init__(self, file: io.BufferedReader, blob_dir: Path) -> None:
        super().__init__(file)
        self._blob_dir = blob_dir

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_restore_key":
            blob_dir = self._blob_dir
            return lambda blob, state: _restore_key(blob_dir, blob, state)
        if module == __name__ and name == "_versioned_store":
            return _versioned_store
        if not module.startswith(_ALLOWED_MODULES):
            raise pickle.UnpicklingError(f"a demo snapshot may not name {module}.{name}")
        return super().find_class(module, name)


class S3Snapshots:
    """Saves and restores the demo's S3 state in ``directory``; see the module's docstring."""

    def __init__(self, directory: Path, *, delay: float = SNAPSHOT_DELAY) -> None:
        self.directory = directory
        self.blob_dir = directory / BLOB_DIR
        self.gate = RequestGate()
        self._delay = delay
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self.snapshots_taken = 0

    @property
    def state_file(self) -> Path:
        return self.directory / STATE_FILE

    def exists(self) -> bool:
        return self.state_file.is_file()

    def restore(self) -> None:
        """Put the saved state into moto's S3 (replacing what is there)."""
        try:
            with self.state_file.open("rb") as handle:
                saved = _Unpickler(handle, self.blob_dir).load()
            buckets, tagger = saved["buckets"], saved["tagger"]
        except Exception as error:
            raise SnapshotUnreadable(f"{type(error).__name__}: {error}") from error
        backend = _s3_backend()
        backend.buckets = buckets
        backend.tagger = tagger
        keys = sum(len(bucket.keys) for bucket in buckets.values())
        log.info("demo S3 state restored from %s (%d keys)", self.directory, keys)

    def snapshot(self) -> None:
        """Save the state now (requests wait for the moment it takes to pickle it)."""
        with self._write_lock:
            self.blob_dir.mkdir(parents=True, exist_ok=True)
            temporary = self.state_file.with_suffix(".tmp")
            with self.gate.still(), temporary.open("wb") as handle:
                backend = _s3_backend()
                pickler = _Pickler(handle, self.blob_dir)
                pickler.dump({"buckets": backend.buckets, "tagger": backend.tagger})
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(self.state_file)
            _sync_directory(self.directory)
            self._drop_unused_blobs(pickler.blobs)
            self.snapshots_taken += 1

    def _drop_unused_blobs(self, used: set[str]) -> None:
        for path in self.blob_dir.iterdir():
            if path.name not in used:
                # Windows refuses while a restored key still has it open: next time then.
                with contextlib.suppress(OSError):
                    path.unlink()

    # -- saving in the background ---------------------------------------------------------

    def changed(self) -> None:
        """A request changed something: a snapshot follows within the delay."""
        self._changed.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="demo-snapshots", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            self._changed.wait()
            if self._stopping.wait(self._delay):
                return  # stop() takes the last snapshot
            self._changed.clear()
            self._snapshot_logged()

    def _snapshot_logged(self) -> None:
        try:
            self.snapshot()
        except Exception:  # the demo goes on; the next change tries again
            log.exception("could not save the demo's S3 state")

    def stop(self, *, save: bool = True) -> None:
        """Stop the background saving and (``save``) take a last snapshot."""
        self._stopping.set()
        self._changed.set()  # wakes the saving thread, which then ends
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if save:
            self._snapshot_logged()


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; Windows has no directory handles)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
