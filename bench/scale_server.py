"""moto's S3 with a bucket of N objects, for bench/bench_ui_bucket_scale.py (its own process).

The bucket holds the folders a person opens: at the root ``archive/``, ``videos/``
and two files; ``videos/course-042/`` holds 200 videos and 5 sub-folders of 10.
The rest (998 objects of 1,000, or 999,748 of 1,000,000) lies in
``archive/f-NNNN/``, 1,000 per folder. Seeded straight into moto's store.

moto answers ListObjectsV2 by walking every key of the bucket, whatever the
prefix, so its time per request grows with the bucket; S3 answers from an index.
``indexed on`` makes moto answer from a sorted list of the keys instead (a binary
search to the first key, then the page's keys; the same replies), as S3 would.
Every request is logged: its parameters and the server's time, reply included.

    python bench/scale_server.py OBJECTS

Prints one JSON line (endpoint, bucket, ...), then reads commands on stdin until it
closes: ``indexed on``, ``indexed off``, ``stats`` (prints the requests since the
last ``stats`` and the server's resident memory, as one JSON line).
"""

from __future__ import annotations

import bisect
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from moto.backends import get_backend
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import FakeBucket, S3Backend

from coachadmin.demo.s3_server import DemoS3Server, _S3Dispatcher
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings

BUCKET = "bench-scale"
WARM_BUCKET = "bench-warm-up"
OPENED = "videos/course-042/"
ROOT_FILES = ("README.txt", "index.json")
OPENED_OBJECTS = 200
SUBFOLDERS = 5
PER_SUBFOLDER = 10
PER_ARCHIVE_FOLDER = 1000
FIXED = len(ROOT_FILES) + OPENED_OBJECTS + SUBFOLDERS * PER_SUBFOLDER


def keys(total: int) -> list[str]:
    """The bucket's keys: the folders a person opens, the rest in ``archive/``."""
    names = list(ROOT_FILES)
    names += [f"{OPENED}lesson-{n:03d}.mp4" for n in range(OPENED_OBJECTS)]
    names += [
        f"{OPENED}part-{s}/clip-{n:02d}.mp4"
        for s in range(SUBFOLDERS)
        for n in range(PER_SUBFOLDER)
    ]
    names += [
        f"archive/f-{n // PER_ARCHIVE_FOLDER:04d}/file-{n % PER_ARCHIVE_FOLDER:04d}.dat"
        for n in range(max(0, total - FIXED))
    ]
    return names


def indexed_page(
    names: list[str],
    bucket: FakeBucket,
    prefix: str,
    delimiter: str | None,
    after: str | None,
    max_keys: int,
) -> list[Any]:
    """Up to ``max_keys + 1`` entries (keys and folders, in order) of a listing, found as
    S3 finds them: a binary search to the first, then only the entries themselves."""
    found: list[Any] = []
    if after is None:
        at = bisect.bisect_left(names, prefix)
    elif delimiter and after.endswith(delimiter) and after.startswith(prefix) and after != prefix:
        at = bisect.bisect_left(names, _past(after, delimiter))  # after a folder: its keys too
    else:
        at = bisect.bisect_right(names, after)
    while at < len(names) and len(found) <= max_keys:
        name = names[at]
        if not name.startswith(prefix):
            break
        rest = name[len(prefix) :]
        if delimiter and delimiter in rest:
            folder = prefix + rest.split(delimiter, 1)[0] + delimiter
            found.append(folder)
            at = bisect.bisect_left(names, _past(folder, delimiter), at)
        else:
            found.append(bucket.keys[name])
            at += 1
    return found


def _past(folder: str, delimiter: str) -> str:
    """The smallest string after every key that starts with ``folder``."""
    return folder[: -len(delimiter)] + delimiter[:-1] + chr(ord(delimiter[-1]) + 1)


def rss_mib(pid: int | str = "self") -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Listings:
    """moto's ListObjectsV2, walking (moto's own) or indexed; every request logged."""

    def __init__(self, backend: S3Backend) -> None:
        self.indexed = False
        self.log: list[dict[str, Any]] = []
        self._index = {
            name: sorted(backend.get_bucket(name).keys.keys()) for name in (BUCKET, WARM_BUCKET)
        }
        self._walk = S3Backend.list_objects_v2
        self._serve = _S3Dispatcher.__call__

    def install(self) -> None:
        listings = self

        def list_objects_v2(
            backend: S3Backend,
            bucket: FakeBucket,
            prefix: str | None,
            delimiter: str | None,
            continuation_token: str | None,
            start_after: str | None,
            max_keys: int,
        ) -> Any:
            if not listings.indexed:
                return listings._walk(
                    backend, bucket, prefix, delimiter, continuation_token, start_after, max_keys
                )
            tokens = backend._pagination_tokens
            after = tokens.get(continuation_token) if continuation_token else start_after
            names = listings._index[bucket.name]
            found = indexed_page(names, bucket, prefix or "", delimiter, after, max_keys)
            return backend._truncate_result(found, max_keys)

        def serve(app: _S3Dispatcher, environ: dict[str, Any], start_response: Any) -> Any:
            began = time.perf_counter()
            body = b"".join(listings._serve(app, environ, start_response))
            path = environ.get("PATH_INFO", "")
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            listings.log.append(
                {
                    "method": environ.get("REQUEST_METHOD", ""),
                    "bucket": path.lstrip("/").split("/", 1)[0],
                    "path": path,
                    "list": query.get("list-type") == ["2"],
                    "prefix": query.get("prefix", [""])[0],
                    "delimiter": query.get("delimiter", [None])[0],
                    "max_keys": int(query.get("max-keys", ["1000"])[0]),
                    "token": "continuation-token" in query,
                    "query": sorted(query),
                    "seconds": time.perf_counter() - began,
                }
            )
            return [body]

        S3Backend.list_objects_v2 = list_objects_v2  # type: ignore[method-assign,assignment]
        _S3Dispatcher.__call__ = serve  # type: ignore[method-assign,assignment]


def main() -> None:
    total = int(sys.argv[1])
    server = DemoS3Server()
    server.start()
    client = make_client(S3Settings(endpoint_url=server.endpoint_url, region="us-east-1"))
    client.create_bucket(Bucket=BUCKET)
    client.create_bucket(Bucket=WARM_BUCKET)
    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    backend.put_object(WARM_BUCKET, "warm.txt", b"x")
    for name in keys(total):
        backend.put_object(BUCKET, name, b"x")
    listings = Listings(backend)
    listings.install()
    # A full collection would walk every stored key (seconds for 1,000,000) in the
    # middle of some request: the server's pause, not the app's. Off the collector's path.
    gc.collect()
    gc.freeze()
    about = {"endpoint": server.endpoint_url, "bucket": BUCKET, "warm_up_bucket": WARM_BUCKET}
    print(json.dumps(about | {"opened": OPENED, "objects": total}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[:1] == ["indexed"]:
            listings.indexed = command[1:] == ["on"]
            print("ok", flush=True)
        elif command[:1] == ["stats"]:
            print(json.dumps({"requests": listings.log, "rss_mib": rss_mib()}), flush=True)
            listings.log = []
    server.stop()


if __name__ == "__main__":
    main()
