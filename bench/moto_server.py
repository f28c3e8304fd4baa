"""moto's S3 server in a process of its own, for benchmarks: prints its URL, runs until killed.

`python bench/moto_server.py [PORT] [--s3-ranges] [--keep-alive] [--access-log]`. The
benchmark starts it, so that the server's CPU and memory are not counted as the uploader's.
``--keep-alive`` keeps connections open between requests, as S3 does (bench/keep_alive.py).

moto answers a ranged GET by copying the whole object out of its store, then slicing
the range: on moto, 16 ranged GETs of a 256 MiB object cost 16 x 256 MiB of copying,
where S3 serves each at the cost of its range. ``--s3-ranges`` (:func:`s3_like_ranges`)
makes GetObject read only the bytes it sends, and only as it sends them (a GET of the
whole object starts at once, as on S3), so a benchmark of ranged downloads measures
the link and the client rather than moto's copying. The answers are moto's own: status,
headers and bytes (tests/unit/test_bench_range_server.py compares them).

The server logs no line per request (werkzeug's access log): formatting and writing it
took about a sixth of moto's CPU for each small PUT, time a benchmark of clients would
otherwise count as theirs. ``--access-log`` keeps it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from moto.s3.models import FakeKey
from moto.s3.responses import S3Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.keep_alive import serve


class StoredBytes:
    """A key's stored bytes as moto's GetObject handles them (``len``, one slice,
    ``bytes``), read from the key's buffer only where sliced."""

    def __init__(self, key: FakeKey) -> None:
        self._key = key

    def __len__(self) -> int:
        return int(self._key.size)

    def __bytes__(self) -> bytes:
        return bytes(self._key.value)

    def __getitem__(self, part: slice) -> bytes:
        start, stop, step = part.indices(len(self))
        if step != 1:
            return bytes(self)[part]
        with self._key.lock:  # the lock moto's own reads of the buffer take
            self._key._value_buffer.seek(start)
            return bytes(self._key._value_buffer.read(max(0, stop - start)))


#: The slice of a whole object read at a time while it is sent.
PIECE = 1 << 20


def _pieces(body: StoredBytes) -> Iterator[bytes]:
    """The whole object, read as it is sent: S3 starts sending a GET's bytes at once; a
    copy of the whole object first held a 256 MiB answer back by a quarter of a second."""
    for start in range(0, len(body), PIECE):
        yield body[start : start + PIECE]


class _LazyKey:
    """A stored key whose ``value`` is :class:`StoredBytes`; everything else is the key's."""

    def __init__(self, key: FakeKey) -> None:
        self._key = key

    @property
    def value(self) -> StoredBytes:
        return StoredBytes(self._key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._key, name)


@contextmanager
def s3_like_ranges() -> Iterator[None]:
    """While open, moto's GetObject (this process's) reads a range's bytes, not the object's.

    GetObject gets the key's bytes as :class:`StoredBytes`; moto's own code then answers
    as before (its range handling takes ``len`` and slices; a part number slices too), and
    whatever answer still holds them whole (no range, a range moto serves in full) sends
    them a slice at a time, read as they go out. HeadObject and every other request are untouched.
    """
    get_object, key_response = S3Response.get_object, S3Response.key_response

    def lazy_get_object(response: S3Response) -> Any:
        get_key = response._get_key  # a response object serves one request

        def lazy_key(*args: Any, **kwargs: Any) -> tuple[_LazyKey, bool]:
            key, not_modified = get_key(*args, **kwargs)
            return _LazyKey(key), not_modified

        response._get_key = lazy_key  # type: ignore[method-assign,assignment]
        return get_object(response)

    def streamed(response: S3Response, *args: Any, **kwargs: Any) -> Any:
        status, headers, body = key_response(response, *args, **kwargs)
        return status, headers, _pieces(body) if isinstance(body, StoredBytes) else body

    S3Response.get_object = lazy_get_object  # type: ignore[method-assign,assignment]
    S3Response.key_response = streamed  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        S3Response.get_object = get_object  # type: ignore[method-assign]
        S3Response.key_response = key_response  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", nargs="?", type=int, default=0)
    parser.add_argument(
        "--s3-ranges", action="store_true", help="ranged GETs read only their bytes, as on S3"
    )
    parser.add_argument(
        "--keep-alive", action="store_true", help="keep connections open between requests"
    )
    parser.add_argument("--access-log", action="store_true", help="log a line per request")
    args = parser.parse_args()
    if not args.access_log:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with s3_like_ranges() if args.s3_ranges else nullcontext():
        server, thread = serve(args.port, keep_alive=args.keep_alive)
        host, bound = server.server_address[:2]
        print(f"http://{host}:{bound}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
        server.shutdown()
        thread.join()


if __name__ == "__main__":
    main()
