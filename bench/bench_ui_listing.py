"""The browser on a folder of 100,000 objects: first rows, event-loop stalls, memory.

The S3 server (moto, as the demo runs it) lives in a child process, as in the
app, seeded straight into moto's store so seeding takes seconds. The window
opens the folder; a 10 ms QTimer records the longest gap between its ticks
(the "stall") while every page arrives, and the resident memory is read
before and after.

    python bench/bench_ui_listing.py [--objects 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from coachadmin.connection import Connection
from coachadmin.demo.s3_server import DemoS3Server
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.browser_window import open_browser_window, rss_mib
from bench.event_loop import StallMeter, spin_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

BUCKET = "bench-listing"


def serve(objects: int) -> None:
    """Child process: moto's S3 on a free port, one folder of ``objects`` keys."""
    server = DemoS3Server()
    server.start()
    make_client(S3Settings(endpoint_url=server.endpoint_url, region="us-east-1")).create_bucket(
        Bucket=BUCKET
    )
    backend = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    for number in range(objects):
        backend.put_object(BUCKET, f"many/file-{number:06d}.txt", b"x")
    backend.put_object(BUCKET, "small/a.txt", b"x")
    print(server.endpoint_url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


def measure(endpoint: str, objects: int) -> dict[str, float]:
    opened = open_browser_window()
    window, controller, listed = opened.window, opened.controller, opened.listed
    connection = Connection("Bench", BUCKET, S3Settings(endpoint_url=endpoint, region="us-east-1"))
    state: dict[str, float] = {}

    window.set_connection(connection)
    spin_until(lambda: "" in listed, 30)
    controller.navigate("small/")  # warm up: clients made, modules imported
    spin_until(lambda: "small/" in listed, 30)

    meter = StallMeter()
    before = rss_mib()
    meter.start()
    started = time.perf_counter()
    controller.navigate("many/")
    spin_until(lambda: controller.model.rowCount() > 0, 30)
    window.workspace.files.object_list.viewport().repaint()
    state["first_rows_s"] = time.perf_counter() - started
    spin_until(lambda: "many/" in listed, 900)
    state["all_rows_s"] = time.perf_counter() - started
    meter.stop()
    state["rows"] = controller.model.rowCount()
    state["rss_growth_mib"] = rss_mib() - before
    stalls = meter.figures()
    state |= {name: stalls[name] for name in ("worst_stall_ms", "p99_gap_ms")}
    # Sorting and filtering 100,000 rows, as a person clicking would.
    for name, action in (
        (
            "sort_by_size_ms",
            lambda: window.workspace.files.object_list.sortByColumn(
                1, Qt.SortOrder.DescendingOrder
            ),
        ),
        ("filter_ms", lambda: controller.model.set_filter("99")),
    ):
        began = time.perf_counter()
        action()
        QApplication.processEvents()
        state[name] = (time.perf_counter() - began) * 1000
    opened.close()
    assert state["rows"] == objects, state
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.objects)
        return
    seeding = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--objects", str(args.objects)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip()
        print(f"seeded {args.objects:,} objects in {time.perf_counter() - seeding:.1f} s")
        figures = measure(endpoint, args.objects)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=30)
    print(f"rows listed:        {figures['rows']:,.0f}")
    print(f"first rows shown:   {figures['first_rows_s']:.2f} s")
    print(f"all rows listed:    {figures['all_rows_s']:.1f} s")
    print(f"worst stall:        {figures['worst_stall_ms']:.0f} ms")
    print(f"99th pct tick gap:  {figures['p99_gap_ms']:.0f} ms")
    print(f"memory growth:      {figures['rss_growth_mib']:.0f} MiB "
          f"({figures['rss_growth_mib'] * 2**20 / figures['rows']:.0f} bytes/row)")  # fmt: skip
    print(f"sort 100k by size:  {figures['sort_by_size_ms']:.0f} ms")
    print(f"filter 100k:        {figures['filter_ms']:.0f} ms")
    print(f"load average (1 min):   {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sys.stdout.flush()
    # PySide's teardown at interpreter exit has crashed after long runs; the figures are out.
    os._exit(0)


if __name__ == "__main__":
    main()
