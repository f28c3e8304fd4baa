"""Upload throughput, memory and CPU: coachadmin against `aws s3 cp`, on the same moto server.

Not a test: it prints figures (and writes them as JSON under bench/out/).

    python bench/bench_upload.py                       # 1 GiB, 5 runs each, local and WAN
    python bench/bench_upload.py --size 256MiB --runs 3
    python bench/bench_upload.py --settings wan --latency 0.04 --rate 50MiB
    python bench/bench_upload.py --kill-test           # bytes re-sent after kill -9 + resume
    python bench/bench_upload.py --rss-size 5GiB       # peak RSS of one large upload

Each run uploads the same file under a fresh key, the two tools alternating
(coachadmin first on even runs, aws first on odd ones), after one unmeasured
32 MiB upload by each (the server's cold start). The uploader runs as a child
process; its peak RSS and CPU seconds come from wait4's rusage. moto keeps its
objects in /dev/shm where there is one (see start_moto). "wan"
puts a proxy (tests/support/faultproxy.py) in front of the server that adds a
round trip and caps the link's bandwidth, where concurrency and part size matter.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coachadmin.s3.client import make_client  # noqa: E402
from coachadmin.s3.settings import S3Settings  # noqa: E402
from coachadmin.transfers.config import GiB, MiB, parse_size  # noqa: E402
from tests.support.faultproxy import FaultProxy  # noqa: E402

AWS = Path(sys.executable).with_name("aws")
BUCKET = "bench"


@dataclass
class Run:
    tool: str
    setting: str
    seconds: float
    mib_per_s: float
    peak_rss_mib: float
    cpu_seconds: float
    cpu_per_gib: float


def start_moto(
    s3_ranges: bool = False, keep_alive: bool = False
) -> tuple[subprocess.Popen[str], str]:
    """moto in its own process, keeping its objects in memory-backed storage where there is
    some (/dev/shm): a server writing gigabytes to the uploader's own disk makes every
    fsync there wait for them (coachadmin journals parts durably, `aws s3 cp` writes
    nothing), which no remote S3 server does. ``s3_ranges``: ranged GETs read only their
    bytes, as on S3 (bench/moto_server.py); ``keep_alive``: connections stay open between
    requests, as S3's do (bench/keep_alive.py)."""
    shm = Path("/dev/shm")
    env = os.environ | ({"TMPDIR": str(shm)} if shm.is_dir() else {})
    flags = (["--s3-ranges"] if s3_ranges else []) + (["--keep-alive"] if keep_alive else [])
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "moto_server.py"), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def make_file(size: int, directory: Path) -> Path:
    path = directory / f"bench-{size}.bin"
    if not path.exists() or path.stat().st_size != size:
        chunk = os.urandom(8 * MiB)
        with path.open("wb") as handle:
            written = 0
            while written < size:
                piece = chunk[: min(len(chunk), size - written)]
                handle.write(piece)
                written += len(piece)
    return path


def byte_compile() -> None:
    """Compile this tree's coachadmin as an installation does (pip, the PyInstaller bundle).

    `aws` runs from byte-compiled site-packages; a source tree run with
    PYTHONDONTWRITEBYTECODE set (this development container sets it) would compile
    coachadmin's modules again at every start: 50-60 ms per upload measured here.
    """
    compileall.compile_dir(ROOT / "coachadmin", quiet=1)


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Run ``command``; wall seconds, peak RSS MiB, CPU seconds, exit status.

    GNU time execs the command from its own small process: a child forked straight from
    this (large) benchmark would inherit its resident size in ru_maxrss.
    """
    started = time.perf_counter()
    timed = ["/usr/bin/time", "-f", "%M %U %S", *command]
    process = subprocess.run(  # in ROOT: `python -m coachadmin` runs this tree's code
        timed, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    seconds = time.perf_counter() - started
    lines = process.stderr.decode().strip().splitlines()
    if process.returncode != 0:
        sys.stderr.write("\n".join(lines[:-1]) + "\n")
    rss_kib, user, system = lines[-1].split()
    return seconds, int(rss_kib) / 1024, float(user) + float(system), process.returncode


def upload_command(tool: str, path: Path, key: str, endpoint: str, extra: list[str]) -> list[str]:
    target = f"s3://{BUCKET}/{key}"
    if tool == "coachadmin":
        return [sys.executable, "-m", "coachadmin", "upload", str(path), target,
                "--endpoint-url", endpoint, *extra]  # fmt: skip
    return [str(AWS), "s3", "cp", str(path), target, "--endpoint-url", endpoint,
            "--only-show-errors"]  # fmt: skip


def bench_setting(
    setting: str, endpoint: str, path: Path, runs: int, env: dict[str, str], extra: list[str]
) -> list[Run]:
    client = make_client(S3Settings(endpoint_url=endpoint))
    size = path.stat().st_size
    # Not measured: the server's first requests pay for its cold start (run 1 would
    # always be coachadmin's, which goes first on even runs).
    warm = make_file(32 * MiB, path.parent)  # 4 parts for both tools
    for tool in ("coachadmin", "aws"):
        key = f"warm-up/{tool}/{uuid.uuid4().hex}"
        if measure(upload_command(tool, warm, key, endpoint, extra), env)[3] != 0:
            raise SystemExit(f"{tool} failed to upload {warm}")
        client.delete_object(Bucket=BUCKET, Key=key)
    results: list[Run] = []
    for run in range(runs):
        order = ["coachadmin", "aws"] if run % 2 == 0 else ["aws", "coachadmin"]
        for tool in order:
            key = f"{tool}/{uuid.uuid4().hex}"
            seconds, rss, cpu, code = measure(upload_command(tool, path, key, endpoint, extra), env)
            if code != 0:
                raise SystemExit(f"{tool} failed with exit status {code}")
            head = client.head_object(Bucket=BUCKET, Key=key)
            assert head["ContentLength"] == size, (tool, head["ContentLength"])
            client.delete_object(Bucket=BUCKET, Key=key)  # moto keeps objects: free them
            item = Run(tool, setting, seconds, size / MiB / seconds, rss, cpu, cpu / (size / GiB))
            results.append(item)
            print(
                f"  {setting:<5} run {run + 1} {tool:<10} {item.mib_per_s:7.1f} MiB/s "
                f"{rss:6.1f} MiB RSS {cpu:6.2f} s CPU",
                flush=True,
            )
    return results


def summarise(results: list[Run]) -> list[dict[str, Any]]:
    rows = []
    for setting in dict.fromkeys(r.setting for r in results):
        by_tool = {
            tool: [r for r in results if r.setting == setting and r.tool == tool]
            for tool in ("coachadmin", "aws")
        }
        medians = {t: statistics.median(r.mib_per_s for r in rs) for t, rs in by_tool.items()}
        for tool, runs in by_tool.items():
            rows.append(
                {
                    "setting": setting,
                    "tool": tool,
                    "median_mib_per_s": round(medians[tool], 2),
                    "ratio_to_aws": round(medians[tool] / medians["aws"], 3),
                    "peak_rss_mib": round(max(r.peak_rss_mib for r in runs), 1),
                    "cpu_s_per_gib": round(statistics.median(r.cpu_per_gib for r in runs), 2),
                }
            )
    return rows


def kill_test(
    endpoint: str, path: Path, env: dict[str, str], *, rate: float, part: int, conc: int
) -> dict[str, Any]:
    """kill -9 a coachadmin upload midway, resume it; count the part bytes sent twice."""
    size = path.stat().st_size
    with FaultProxy(endpoint, rate=rate) as proxy:
        flags = ["--part-size", str(part), "--concurrency", str(conc)]
        command = upload_command("coachadmin", path, f"kill/{uuid.uuid4().hex}", proxy.url, flags)
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + size / rate * 0.5
        while time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        started_before = {r.part_number for r in proxy.stats.upload_parts()}
        proxy.up_limit = None
        marker = len(proxy.stats.requests)
        resumed = subprocess.run([sys.executable, "-m", "coachadmin", "resume", "--all"], env=env,
                                 cwd=ROOT, capture_output=True, text=True, check=False)  # fmt: skip
        after = [r for r in proxy.stats.requests[marker:] if r.is_upload_part]
        resent = sum(
            proxy.stats.body_bytes[r.index] for r in after if r.part_number in started_before
        )
    return {
        "size": size,
        "part_size": part,
        "concurrency": conc,
        "resume_exit": resumed.returncode,
        "parts_sent_before_kill": len(started_before),
        "parts_sent_after_kill": len(after),
        "bytes_resent": resent,
        "bound_parts_in_flight_x_part_size": conc * part,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="1GiB")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settings", default="local,wan")
    parser.add_argument("--latency", type=float, default=0.04, help="added round trip (s)")
    parser.add_argument("--rate", default="20MiB", help="bandwidth cap per second (wan)")
    parser.add_argument("--kill-test", action="store_true")
    parser.add_argument("--rss-size", help="also upload one file of this size, report peak RSS")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the test file goes")
    parser.add_argument("extra", nargs="*", help="extra coachadmin upload flags, after --")
    args = parser.parse_args()

    size = parse_size(args.size)
    rate = parse_size(args.rate)
    byte_compile()
    moto, endpoint = start_moto()
    home = tempfile.mkdtemp(prefix="coachadmin-bench-")
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # moto's fake credentials
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    env = os.environ | {"COACHADMIN_HOME": home}
    report: dict[str, Any] = {"size": size, "runs": args.runs, "endpoint": "moto (own process)"}
    try:
        make_client(S3Settings(endpoint_url=endpoint)).create_bucket(Bucket=BUCKET)
        path = make_file(size, Path(args.dir))
        results: list[Run] = []
        for setting in args.settings.split(","):
            if setting == "local":
                results += bench_setting("local", endpoint, path, args.runs, env, args.extra)
            elif setting == "wan":
                with FaultProxy(endpoint, latency=args.latency, rate=rate) as proxy:
                    results += bench_setting("wan", proxy.url, path, args.runs, env, args.extra)
        if results:
            report["runs_detail"] = [asdict(r) for r in results]
            report["summary"] = summarise(results)
            print("\nsetting  tool        median MiB/s  ratio  peak RSS MiB  CPU s/GiB")
            for row in report["summary"]:
                print(
                    f"{row['setting']:<8} {row['tool']:<11} {row['median_mib_per_s']:>12} "
                    f"{row['ratio_to_aws']:>6} {row['peak_rss_mib']:>13} {row['cpu_s_per_gib']:>10}"
                )
        if args.kill_test:
            kill = kill_test(endpoint, path, env, rate=20 * MiB, part=8 * MiB, conc=8)
            report["kill_test"] = kill
            print(f"\nkill -9 then resume: {json.dumps(kill)}")
        if args.rss_size:
            big = make_file(parse_size(args.rss_size), Path(args.dir))
            command = upload_command(
                "coachadmin", big, f"rss/{uuid.uuid4().hex}", endpoint, args.extra
            )
            seconds, rss, cpu, code = measure(command, env)
            report["rss_test"] = {"size": big.stat().st_size, "seconds": round(seconds, 1),
                                  "peak_rss_mib": round(rss, 1), "cpu_seconds": round(cpu, 1),
                                  "exit": code}  # fmt: skip
            print(f"\npeak RSS for {args.rss_size}: {report['rss_test']}")
            big.unlink()
    finally:
        moto.send_signal(signal.SIGTERM)
        moto.wait(timeout=30)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"upload-{int(time.time())}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
