"""Start-up time: from launching ``python -m coachadmin`` to the first page painted.

Each run is a fresh process on the offscreen platform with an empty
COACHADMIN_HOME (first run: the welcome page) and COACHADMIN_SMOKE_TEST=1,
which makes the app print a marker and quit once its first real page is
painted. The clock starts before the process is spawned and stops when the
marker line arrives, so interpreter start-up and every import are counted.

    python bench/bench_startup.py [--runs 5] [--platform offscreen]

Target: median under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

MARKER = "coachadmin: window shown"  # coachadmin.ui.app.SHOWN_MARKER (not imported: no Qt here)
TARGET_S = 2.0


def one_run(platform: str) -> float:
    with tempfile.TemporaryDirectory(prefix="coachadmin-bench-") as home:
        env = dict(os.environ, COACHADMIN_HOME=home, COACHADMIN_SMOKE_TEST="1")
        env["QT_QPA_PLATFORM"] = platform
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "coachadmin"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        elapsed = None
        for line in process.stdout:
            if line.strip() == MARKER:
                elapsed = time.perf_counter() - start
                break
        process.wait(timeout=30)
        if elapsed is None:
            raise SystemExit(f"the app exited ({process.returncode}) without showing its window")
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM (offscreen, xcb)")
    args = parser.parse_args()
    one_run(args.platform)  # warm the disk cache and the .pyc files; not counted
    times = [one_run(args.platform) for _ in range(args.runs)]
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"start-up to first page painted ({args.platform}, {args.runs} runs): {runs} s")
    verdict = "OK" if median < TARGET_S else "OVER TARGET"
    print(f"median: {median:.2f} s (target < {TARGET_S:.0f} s: {verdict})")
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
