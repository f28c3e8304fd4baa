"""Start-up time: from launching the app to the first page painted.

Each run is a fresh process on the offscreen platform with an empty
COACHADMIN_HOME (first run: the welcome page) and COACHADMIN_SMOKE_TEST=1,
which makes the app print a marker and quit once its first real page is
painted. The clock starts before the process is spawned and stops when the
marker line arrives, so interpreter start-up and every import are counted.

    python bench/bench_startup.py [--runs 5] [--platform offscreen]
    python bench/bench_startup.py --command dist/coachadmin/coachadmin --cold   # as root

``--command`` times the packaged app instead of ``python -m coachadmin``; ``--cold``
empties the page cache before every run (``/proc/sys/vm/drop_caches``, Linux, root),
as after a reboot: every library and data file is read from disk again.

Targets: median under 2 s warm, under 3 s cold (the packaged app).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARKER = "coachadmin: window shown"  # coachadmin.ui.app.SHOWN_MARKER (not imported: no Qt here)
TARGET_S = 2.0
COLD_TARGET_S = 3.0
DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_caches() -> None:
    """Write back dirty pages, then drop the page cache, dentries and inodes."""
    os.sync()
    try:
        DROP_CACHES.write_text("3\n", encoding="ascii")
    except OSError as error:
        raise SystemExit(f"--cold needs Linux and root ({DROP_CACHES}: {error})") from None


def one_run(platform: str, command: list[str], *, cold: bool = False) -> float:
    with tempfile.TemporaryDirectory(prefix="coachadmin-bench-") as home:
        env = dict(os.environ, COACHADMIN_HOME=home, COACHADMIN_SMOKE_TEST="1")
        env["QT_QPA_PLATFORM"] = platform
        if cold:
            drop_caches()
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
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
    parser.add_argument("--command", help="the packaged app (default: python -m coachadmin)")
    parser.add_argument("--cold", action="store_true", help="empty the page cache before each run")
    args = parser.parse_args()
    command = [args.command] if args.command else [sys.executable, "-m", "coachadmin"]
    one_run(args.platform, command)  # the .pyc files written; not counted
    times = [one_run(args.platform, command, cold=args.cold) for _ in range(args.runs)]
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    what = f"{args.platform}, {'cold' if args.cold else 'warm'}, {args.runs} runs"
    print(f"start-up to first page painted ({what}): {runs} s")
    target = COLD_TARGET_S if args.cold else TARGET_S
    verdict = "OK" if median < target else "OVER TARGET"
    print(f"median: {median:.2f} s (target < {target:.0f} s: {verdict})")
    return 0 if median < target else 1


if __name__ == "__main__":
    sys.exit(main())
