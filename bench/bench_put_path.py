"""CPU per small PUT, one thread: boto3's put_object, the engine's PUT (a file hashed
for Content-MD5 and SigV4, sent the quick way of coachadmin/s3/quick_put.py once the
warm-up PUT has taught the client the route), and a bare PUT (bytes in memory, botocore's
SigV4 signer on an AWSRequest, sent with urllib3 directly: a floor, not a way to upload).

Not a test: it prints milliseconds of CPU (and wall) per file, and the server's CPU per
file, to show how much of a folder upload's client CPU is botocore's per-call machinery
and that the server's work per PUT is the same whichever way sends it (docs/performance.md, "Many
files, downloads, and a link that caps each connection").

    python bench/bench_put_path.py [--files 200] [--size 100KiB] [--rounds 2]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import urllib3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_transfers import cpu_seconds
from bench.bench_upload import start_moto
from coachadmin.s3.client import make_client
from coachadmin.s3.quick_put import put_object
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers import integrity
from coachadmin.transfers.clients import TransferClients
from coachadmin.transfers.config import parse_size
from coachadmin.transfers.control import TransferControl
from coachadmin.transfers.source import PartBody, check_source, range_checksums

BUCKET = "put-path"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--size", default="100KiB")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    server, endpoint = start_moto()
    settings = S3Settings(
        endpoint_url=endpoint, region="us-east-1", access_key="bench", secret_key="bench"
    )
    plain = make_client(settings)
    plain.create_bucket(Bucket=BUCKET)
    engine = TransferClients()(settings)
    host, port = endpoint.removeprefix("http://").split(":")
    pool = urllib3.HTTPConnectionPool(host, int(port), maxsize=1)
    signer = S3SigV4Auth(Credentials("bench", "bench"), "s3", "us-east-1")

    def boto3_put(path: Path, key: str) -> None:
        plain.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

    def engine_put(path: Path, key: str) -> None:
        found = check_source(path)
        hashes = range_checksums(path, 0, found.size, found, [integrity.MD5, integrity.SHA256])
        body = PartBody(path, 0, found.size, None, TransferControl("bench"),
                        sha256=hashes[integrity.SHA256], expect_continue=False)  # fmt: skip
        try:
            params = {"Bucket": BUCKET, "Key": key, "ContentLength": found.size,
                      "ContentMD5": integrity.content_md5(hashes[integrity.MD5]),
                      "IfNoneMatch": "*"}  # fmt: skip
            put_object(engine, body, params, quick=True)
        finally:
            body.close()

    def bare_put(path: Path, key: str) -> None:
        data = path.read_bytes()
        url = f"{endpoint}/{BUCKET}/{key}"
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        request = AWSRequest("PUT", url, data=data,
                             headers={"Content-MD5": md5, "If-None-Match": "*"})  # fmt: skip
        request.context["payload_signing_enabled"] = True
        signer.add_auth(request)
        answer = pool.urlopen("PUT", url, body=data, headers=dict(request.headers.items()),
                              retries=False)  # fmt: skip
        if answer.status != 200:
            raise SystemExit(f"bare PUT: HTTP {answer.status}")

    ways: dict[str, Callable[[Path, str], None]] = {
        "boto3 put_object": boto3_put, "engine's PUT": engine_put, "bare PUT": bare_put,
    }  # fmt: skip
    numbers = itertools.count()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-put-") as scratch:
            files = []
            for number in range(args.files):
                path = Path(scratch) / f"f{number:05}.bin"
                path.write_bytes(os.urandom(parse_size(args.size)))
                files.append(path)
            for _ in range(args.rounds):
                for name, put in ways.items():
                    prefix = f"r{next(numbers)}/"
                    put(files[0], prefix + "warm-up")
                    served = cpu_seconds(server.pid)
                    cpu, wall = time.process_time(), time.perf_counter()
                    for path in files:
                        put(path, prefix + path.name)
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                    served = cpu_seconds(server.pid) - served
                    print(f"{name:18} {cpu * 1000 / len(files):5.2f} ms CPU a file, "
                          f"{wall * 1000 / len(files):5.2f} ms wall, the server "
                          f"{served * 1000 / len(files):5.2f} ms CPU", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
