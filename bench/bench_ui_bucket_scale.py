"""The browser on a bucket of 1,000 objects and on one of 1,000,000: the same folders, as fast?

The S3 server is moto in a process of its own (bench/scale_server.py, which
describes the bucket: the same folders to open in both, the rest of the objects
in ``archive/``). A fresh window process connects to the bucket (its root
listed), then opens ``videos/course-042/`` (205 rows); measured: the time to
the first rows and to the whole listing of each, the longest event-loop stall
(a 10 ms QTimer), the window's resident memory, and, separately, the server's.

moto answers ListObjectsV2 by walking every key of the bucket, S3 from an index:
each bucket is measured with moto as it is ("moto") and with moto answering from a
sorted index of the keys ("indexed"), which is how the app sees S3. The server logs
every request (a listing's prefix and delimiter, its own time): what the app asked
for is printed with the figures.

    python bench/bench_ui_bucket_scale.py [--sizes 1000,1000000] [--servers moto,indexed] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from coachadmin.connection import Connection
from coachadmin.s3.settings import S3Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.browser_window import open_browser_window, rss_mib
from bench.event_loop import StallMeter, spin_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

SERVER = Path(__file__).with_name("scale_server.py")
TIMES = ("root_first_rows_s", "root_all_rows_s", "folder_first_rows_s", "folder_all_rows_s")


# -- the window (child process) -------------------------------------------------------------


def measure(about: dict[str, Any]) -> dict[str, float]:
    """Connect to the bucket, then open the folder: the figures."""
    opened = open_browser_window()
    window, controller, listed = opened.window, opened.controller, opened.listed
    settings = S3Settings(endpoint_url=about["endpoint"], region="us-east-1")
    figures: dict[str, float] = {}

    # Warm up on another bucket: the worker's modules imported, a client made.
    window.set_connection(Connection("Warm-up", about["warm_up_bucket"], settings))
    spin_until(lambda: "" in listed, 60)
    listed.clear()
    gc.collect()

    meter = StallMeter()
    figures["rss_before_mib"] = rss_mib()
    meter.start()
    view = window.workspace.files.object_list
    pages: list[float] = []  # when each page reached the GUI thread
    controller.listing.page.connect(lambda _page: pages.append(time.perf_counter()))
    for name, prefix in (("root", ""), ("folder", about["opened"])):
        pages.clear()
        started = time.perf_counter()
        if name == "root":
            window.set_connection(Connection("Bench", about["bucket"], settings))
        else:
            controller.navigate(prefix)
        figures[f"{name}_call_s"] = time.perf_counter() - started  # the click's own work
        spin_until(lambda: controller.model.rowCount() > 0, 600)
        figures[f"{name}_first_page_s"] = pages[0] - started
        view.viewport().repaint()
        figures[f"{name}_first_rows_s"] = time.perf_counter() - started
        spin_until(lambda: prefix in listed, 600)  # noqa: B023 - called at once
        figures[f"{name}_all_rows_s"] = time.perf_counter() - started
        figures[f"{name}_rows"] = controller.model.rowCount()
    spin_until(lambda: controller.tree.is_listed("videos/"), 600)  # the tree shows the way
    ended = time.perf_counter() + 0.5  # anything else the window would ask for
    spin_until(lambda: time.perf_counter() > ended, 5)
    meter.stop()
    figures["rss_after_mib"] = rss_mib()
    stalls = meter.figures()
    figures["worst_stall_ms"], figures["p99_gap_ms"] = (
        stalls["worst_stall_ms"],
        stalls["p99_gap_ms"],
    )
    opened.close()
    return figures


# -- the conductor ------------------------------------------------------------------------


def run(total: int, servers: list[str], runs: int) -> list[dict[str, Any]]:
    seeding = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, str(SERVER), str(total)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    results = []

    def ask(command: str) -> str:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(command + "\n")
        server.stdin.flush()
        return server.stdout.readline()

    try:
        about = json.loads(server.stdout.readline())
        print(f"\n{total:,} objects seeded in {time.perf_counter() - seeding:.1f} s", flush=True)
        for kind in servers:
            ask(f"indexed {'on' if kind == 'indexed' else 'off'}")
            for number in range(1, runs + 1):
                ask("stats")  # forget the requests so far
                window = subprocess.run(
                    [sys.executable, __file__, "--window", json.dumps(about)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(window.stdout.strip().splitlines()[-1])
                stats = json.loads(ask("stats"))
                requests = [r for r in stats["requests"] if r["bucket"] in (about["bucket"], "")]
                figures |= {"objects": total, "server": kind, "run": number}
                figures |= {"server_rss_mib": stats["rss_mib"], "requests": requests}
                figures["load"] = os.getloadavg()[0]
                report(figures, about["opened"])
                results.append(figures)
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    return results


def report(f: dict[str, Any], opened: str) -> None:
    requests = f["requests"]
    print(
        f"-- {f['objects']:,} objects, server: {f['server']}, run {f['run']} "
        f"(load average {f['load']:.1f})"
    )
    for name, label in (("root", "bucket root"), ("folder", opened)):
        print(
            f"   {label:<20} first rows {f[f'{name}_first_rows_s']:.2f} s, "
            f"all {f[f'{name}_rows']:,.0f} rows {f[f'{name}_all_rows_s']:.2f} s "
            f"(the call {f[f'{name}_call_s'] * 1000:.0f} ms, first page in the window at "
            f"{f[f'{name}_first_page_s'] * 1000:.0f} ms)"
        )
    print(f"   worst stall {f['worst_stall_ms']:.0f} ms, 99th pct gap {f['p99_gap_ms']:.0f} ms")
    growth = f["rss_after_mib"] - f["rss_before_mib"]
    print(
        f"   window's memory {f['rss_after_mib']:.0f} MiB ({growth:+.0f} MiB while browsing), "
        f"the server's {f['server_rss_mib']:.0f} MiB"
    )
    server_time = sum(r["seconds"] for r in requests)
    print(f"   {len(requests)} requests, the server's time in them {server_time:.2f} s:")
    for r in requests:
        if r["list"]:
            what = f"ListObjectsV2 prefix={r['prefix']!r} delimiter={r['delimiter']!r}"
            what += f" max_keys={r['max_keys']}{' (next page)' if r['token'] else ''}"
        else:
            what = f"{r['method']} {r['path']} {' '.join(r['query'])}"
        print(f"     {what}: {r['seconds'] * 1000:.0f} ms")
    sys.stdout.flush()


def summary(results: list[dict[str, Any]]) -> None:
    """Medians over the runs, one line per bucket and server."""
    print(
        "\nmedians: objects, server | root first, all | folder first, all | stall | window, server"
    )
    for key in dict.fromkeys((r["objects"], r["server"]) for r in results):
        rows = [r for r in results if (r["objects"], r["server"]) == key]
        times = [median(r[t] for r in rows) for t in TIMES]
        stall = median(r["worst_stall_ms"] for r in rows)
        memory = median(r["rss_after_mib"] for r in rows)
        print(
            f"{key[0]:>9,} {key[1]:<8} | {times[0]:.2f} s, {times[1]:.2f} s | {times[2]:.2f} s, "
            f"{times[3]:.2f} s | {stall:.0f} ms | {memory:.0f} MiB, "
            f"{rows[0]['server_rss_mib']:.0f} MiB  ({len(rows)} runs)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,1000000", help="objects per bucket, e.g. 1000,1e6")
    parser.add_argument("--servers", default="moto,indexed", help="moto and/or indexed")
    parser.add_argument("--runs", type=int, default=3, help="window runs per bucket and server")
    parser.add_argument("--json", type=Path, help="write every run's figures here too")
    parser.add_argument("--window", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.window is not None:
        print(json.dumps(measure(json.loads(args.window))), flush=True)
        os._exit(0)  # PySide's teardown at exit has crashed after long runs; the figures are out
    results: list[dict[str, Any]] = []
    for size in (int(float(s)) for s in args.sizes.split(",")):
        results += run(size, args.servers.split(","), args.runs)
    summary(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
