"""Demo seeding time: how long "Try the demo" waits for the sample bucket.

Starts the demo's S3 server in-process (as the app does), then seeds a fresh
bucket with the sample media and N plain objects, several times, and prints
each run and the median.

    python bench/bench_demo_seed.py [--objects 300] [--runs 5]

Target: median under 2 s for 300 objects.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid

from coachadmin.demo.s3_seed import seed_bucket
from coachadmin.demo.s3_server import DemoS3Server
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings

TARGET_S = 2.0
REGION = "eu-north-1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=300, help="plain objects besides the media")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = DemoS3Server()
    server.start()
    settings = S3Settings(
        endpoint_url=server.endpoint_url, region=REGION, access_key="testing", secret_key="testing"
    )
    client = make_client(settings)
    try:
        times = []
        for _ in range(args.runs):
            bucket = f"coachadmin-seed-bench-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            media = seed_bucket(client, bucket, REGION, plain_objects=args.objects)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"seeding {media.object_count} objects ({args.runs} runs): {runs} s")
        verdict = "OK" if median < TARGET_S else "OVER TARGET"
        print(f"median: {median:.2f} s (target < {TARGET_S:.0f} s: {verdict})")
        return 0 if median < TARGET_S else 1
    finally:
        client.close()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
