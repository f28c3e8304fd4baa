"""Many files, downloads and a per-connection-capped link: coachadmin against `aws s3 cp`
(and rclone, s5cmd where installed: Debian 12 has rclone 1.60, `apt-get install rclone`),
on moto servers, in one run.

Not a test: it prints a table (and writes it as JSON under bench/out/).

    python bench/bench_transfers.py                                # the issue's sizes
    python bench/bench_transfers.py --files 300 --download 256MiB  # smaller

Rows: N x 100 KiB up, M x 5 MiB up (each tool to a fresh prefix), one object down
(coachadmin, aws, rclone as shipped and with one GET, s5cmd, one plain GET with boto3),
and one file up and down through tests/support/faultproxy.py capping each connection
(``--connection-rate``). Each row alternates the tools, ``--runs`` times; the ratio is
aws's median time / coachadmin's.
The capped rows run on a moto of their own whose ranged GETs read only their bytes, as
S3's do (``--moto-ranges``: plain moto, which copies the whole object for each).
``--etag-only``: the downloaded object has no checksum, as objects uploaded before 2025
(coachadmin then verifies it by its parts' MD5s); ``--without-aws``: the download row
without aws, whose ranged GETs keep moto copying the object for 90 s a run and leave the
GETs after them slower and less even. ``--keep-alive``: the folders and the download on a
moto that keeps connections open between requests, as S3 does (werkzeug's server, moto's
own, closes each one). ``--s3rver DIR``: the folders and the download on s3rver (Node.js)
instead of moto.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_upload import AWS, byte_compile, make_file, start_moto  # noqa: E402
from coachadmin.s3.client import S3Settings, make_client  # noqa: E402
from coachadmin.transfers.config import KiB, MiB, parse_size  # noqa: E402
from tests.support.faultproxy import FaultProxy  # noqa: E402

BUCKET = "bench"
#: The rows ``--only`` chooses from: folders up, one object down, one file up and down the
#: capped link.
ROWS = ("folders", "download", "capped-upload", "capped-download")
ONE_GET = (
    "import sys, boto3\n"
    "body = boto3.client('s3', endpoint_url=sys.argv[1]).get_object(Bucket=sys.argv[2], "
    "Key=sys.argv[3])['Body']\n"
    "with open(sys.argv[4], 'wb') as f:\n"
    "    while chunk := body.read(1 << 20):\n"
    "        f.write(chunk)\n"
)
#: The same GET, then the file fsynced before the process ends: what a download that is
#: on disk when it says it is done costs at the least (coachadmin's is, and it verifies).
ONE_GET_DURABLE = ONE_GET + "    import os; f.flush(); os.fsync(f.fileno())\n"
ONE_GET_FSYNC = "one GET, fsync"


#: rclone downloading with one plain GET (``--multi-thread-streams 0``), as the issue's
#: table measured it.
RCLONE_ONE_GET = "rclone one GET"


def folder(directory: Path, count: int, size: int) -> Path:
    path = directory / f"files-{count}x{size}"
    if not path.is_dir():
        path.mkdir()
        for number in range(count):
            (path / f"f{number:05}.bin").write_bytes(os.urandom(size))
    return path


#: The moto server's process id: its CPU time is read around each run.
SERVER_PID: list[int] = []
#: The moto server's kind: plain, or with S3-like ranged reads (recorded with each row).
SERVER_KIND: list[str] = []
#: The last run's CPU seconds: the tool's processes', the server's.
LAST_CPU: list[tuple[float, float]] = []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(command: list[str], env: dict[str, str], output: Path | None = None) -> float:
    """The command's wall time; its CPU and the server's go to :data:`LAST_CPU`.

    Each run starts with nothing of an earlier run's left to write back: the disk is
    synced first, and the ``output`` a download wrote is deleted after it (a tool that
    leaves 1 GiB in the page cache would otherwise slow down the next one's writes).
    """
    if command[0] == "rclone":
        # rclone 1.60 (Debian 12's) fails on any endpoint when AWS_CA_BUNDLE is set
        # ("LoadCustomCABundleError: unsupported transport"); the endpoints here are http.
        env = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
    os.sync()
    server = cpu_seconds(SERVER_PID[0]) if SERVER_PID else 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    served = (cpu_seconds(SERVER_PID[0]) if SERVER_PID else 0.0) - server
    LAST_CPU[:] = [(own, served)]
    if output is not None:
        output.unlink(missing_ok=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode()[-500:])
        return float("nan")
    return wall


def up(tool: str, source: Path, key: str, endpoint: str) -> list[str]:
    target = f"s3://{BUCKET}/{key}"
    if tool == "coachadmin":
        return [sys.executable, "-m", "coachadmin", "upload", str(source), target,
                "--endpoint-url", endpoint]  # fmt: skip
    if tool == "aws":
        recursive = ["--recursive"] if source.is_dir() else []
        return [str(AWS), "--endpoint-url", endpoint, "s3", "cp", *recursive, "--quiet",
                str(source), target]  # fmt: skip
    if tool == "rclone":
        return ["rclone", "copy", str(source), f"bench:{BUCKET}/{key}",
                "--s3-endpoint", endpoint]  # fmt: skip
    return ["s5cmd", "--endpoint-url", endpoint, "cp", f"{source}/*" if source.is_dir()
            else str(source), target]  # fmt: skip


def down(tool: str, key: str, dest: Path, endpoint: str) -> list[str]:
    source = f"s3://{BUCKET}/{key}"
    if tool == "coachadmin":
        return [sys.executable, "-m", "coachadmin", "download", source, str(dest),
                "--endpoint-url", endpoint, "--overwrite"]  # fmt: skip
    if tool == "aws":
        return [str(AWS), "--endpoint-url", endpoint, "s3", "cp", "--quiet", source, str(dest)]
    if tool.startswith("rclone"):  # as shipped: 4 ranged GETs above 250 MiB
        one_get = ["--multi-thread-streams", "0"] if tool == RCLONE_ONE_GET else []
        return ["rclone", "copyto", f"bench:{BUCKET}/{key}", str(dest), "--s3-endpoint", endpoint,
                *one_get]  # fmt: skip
    if tool == "s5cmd":
        return ["s5cmd", "--endpoint-url", endpoint, "cp", source, str(dest)]
    script = ONE_GET_DURABLE if tool == ONE_GET_FSYNC else ONE_GET
    return [sys.executable, "-c", script, endpoint, BUCKET, key, str(dest)]


def tools(extra: bool) -> list[str]:
    found = ["coachadmin", "aws"]
    if extra:
        found += [t for t in ("rclone", "s5cmd") if shutil.which(t)]
    return found


def row(name: str, runs: int, names: list[str], run: object) -> dict[str, object]:
    times: dict[str, list[float]] = {t: [] for t in names}
    cpu: dict[str, list[tuple[float, float]]] = {t: [] for t in names}
    for number in range(runs):
        order = names if number % 2 == 0 else list(reversed(names))
        for tool in order:
            times[tool].append(run(tool, number))  # type: ignore[operator]
            cpu[tool] += LAST_CPU
    medians = {t: statistics.median(v) for t, v in times.items()}
    ratio = medians["aws"] / medians["coachadmin"] if "aws" in medians else float("nan")
    # Each run's tools ran back to back: their ratio is free of the host's drift between
    # runs (a busy hour makes both slower), which the ratio of the medians is not.
    paired = {
        t: sorted(o / c for o, c in zip(v, times["coachadmin"], strict=True))
        for t, v in times.items() if t != "coachadmin"
    }  # fmt: skip
    against_aws = f"; aws/coachadmin {ratio:.2f}" if "aws" in medians else ""
    print(f"{name}: " + ", ".join(f"{t} {m:.2f} s" for t, m in medians.items()) + against_aws,
          flush=True)  # fmt: skip
    by_run = "; ".join(f"{t} " + ", ".join(f"{p:.2f}" for p in ps) for t, ps in paired.items())
    print(f"  run by run, tool/coachadmin: {by_run}", flush=True)
    spent = {
        t: tuple(statistics.median(p[i] for p in pairs) for i in (0, 1))
        for t, pairs in cpu.items() if pairs
    }  # fmt: skip
    print("  CPU s (tool, server): " + ", ".join(
        f"{t} {own:.2f}, {sv:.2f}" for t, (own, sv) in spent.items()), flush=True)  # fmt: skip
    return {"row": name, "server": SERVER_KIND[0], "runs": times, "medians": medians,
            "ratio": ratio, "paired_ratios": paired, "cpu": spent}  # fmt: skip


@contextmanager
def moto(s3_ranges: bool, keep_alive: bool = False) -> Iterator[str]:
    """A moto server of its own for some rows, with the bucket; yields its endpoint.

    ``s3_ranges``: a ranged GET reads only its bytes, as on S3 (bench/moto_server.py).
    Plain moto copies the whole object for every GET, so 16 ranged GETs of 256 MiB cost
    it 16 x 256 MiB and a capped download row would measure moto rather than the link.
    ``keep_alive``: connections stay open between requests (bench/keep_alive.py).
    """
    server, endpoint = start_moto(s3_ranges=s3_ranges, keep_alive=keep_alive)
    SERVER_PID[:] = [server.pid]
    kind = ["moto"] + ["S3-like ranged reads"] * s3_ranges + ["keep-alive"] * keep_alive
    SERVER_KIND[:] = [", ".join(kind)]
    print(f"server: {SERVER_KIND[0]} ({endpoint})", flush=True)
    try:
        make_client(S3Settings(endpoint_url=endpoint)).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.terminate()
        server.wait()


@contextmanager
def s3rver(package: Path, env: dict[str, str]) -> Iterator[str]:
    """s3rver (Node.js, objects in files; ``npm install s3rver@3.7.1`` in ``package``) for
    the folders and the download: a second server, not written in Python, whose ranged
    GETs read only their bytes and whose cost per request is not moto's. It checks
    signatures against its own account: the environment's keys become ``S3RVER``."""
    script = package / "node_modules" / "s3rver" / "bin" / "s3rver.js"
    if not script.is_file():
        sys.exit(f"no s3rver under {package}: run `npm install s3rver@3.7.1` there")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="s3rver-", dir=shm) as data:
        server = subprocess.Popen(
            ["node", str(script), "-d", data, "-a", "127.0.0.1", "-p", str(port), "-s"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        env.update(AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER")
        os.environ.update(env)
        endpoint = f"http://127.0.0.1:{port}"
        SERVER_PID[:] = [server.pid]
        SERVER_KIND[:] = ["s3rver 3.7.1 (Node.js)"]
        print(f"server: {SERVER_KIND[0]} ({endpoint})", flush=True)
        try:
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.1)
            make_client(S3Settings(endpoint_url=endpoint)).create_bucket(Bucket=BUCKET)
            yield endpoint
        finally:
            server.terminate()
            server.wait()


def object_checksum(endpoint: str, key: str) -> str:
    """The checksum S3 keeps for the object (``none`` without one), and its ETag."""
    head = make_client(S3Settings(endpoint_url=endpoint)).head_object(
        Bucket=BUCKET, Key=key, ChecksumMode="ENABLED"
    )
    found = [f"{name[8:]} {value}" for name, value in head.items() if name.startswith("Checksum")]
    return f"{', '.join(found) or 'none'}; ETag {head['ETag']}"


def plain_rows(
    args: argparse.Namespace, work: Path, env: dict[str, str], endpoint: str
) -> list[dict[str, object]]:
    """Folders up, one object down: straight to the server."""
    results = []
    folders = ((args.files, 100 * KiB), (args.medium, 5 * MiB))
    for count, size in folders if "folders" in args.only else ():
        if not count:  # --medium 0: that row left out
            continue
        source = folder(work, count, size)
        results.append(row(
            f"upload {count} x {size // KiB} KiB", args.runs, tools(extra=True),
            lambda t, n, s=source: timed(up(t, s, f"{t}-{s.name}-{n}/", endpoint), env),
        ))  # fmt: skip
    if "download" in args.only:
        downloaders = [t for t in tools(extra=True) if t != "aws" or not args.without_aws]
        if "rclone" in downloaders:
            downloaders.insert(downloaders.index("rclone") + 1, RCLONE_ONE_GET)
        big = make_file(parse_size(args.download), work)
        # aws stores a CRC32 of the object; --etag-only stores none, as objects uploaded
        # before S3 added checksums by default: then only the parts' MD5s verify it.
        checksums = "when_required" if args.etag_only else "when_supported"
        uploader = env | {"AWS_REQUEST_CHECKSUM_CALCULATION": checksums}
        subprocess.run(up("aws", big, "big.bin", endpoint), env=uploader, check=True)
        print(f"the object's checksum: {object_checksum(endpoint, 'big.bin')}", flush=True)
        results.append(row(
            f"download {args.download}", args.runs, [*downloaders, "one GET", ONE_GET_FSYNC],
            lambda t, _n: timed(down(t, "big.bin", work / "out", endpoint), env, work / "out"),
        ))  # fmt: skip
    return results


def capped_rows(
    args: argparse.Namespace, work: Path, env: dict[str, str], endpoint: str
) -> list[dict[str, object]]:
    """One file up and down through the proxy capping each connection."""
    results = []
    capped = make_file(parse_size(args.capped), work)
    if "capped-upload" not in args.only:  # the object the download gets
        subprocess.run(up("aws", capped, "capped-aws-0.bin", endpoint), env=env, check=True)
    with FaultProxy(endpoint, connection_rate=parse_size(args.connection_rate)) as proxy:
        if "capped-upload" in args.only:
            results.append(row(
                f"upload {args.capped}, {args.connection_rate}/s per connection",
                args.runs, ["coachadmin", "aws"],
                lambda t, n: timed(up(t, capped, f"capped-{t}-{n}.bin", proxy.url), env),
            ))  # fmt: skip
        if "capped-download" in args.only:
            results.append(row(
                f"download {args.capped}, {args.connection_rate}/s per connection",
                args.runs, ["coachadmin", "aws"],
                lambda t, _n: timed(
                    down(t, "capped-aws-0.bin", work / "c", proxy.url), env, work / "c"
                ),
            ))  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="count of 100 KiB files")
    parser.add_argument("--medium", type=int, default=200, help="count of 5 MiB files")
    parser.add_argument("--download", default="1GiB")
    parser.add_argument("--capped", default="256MiB", help="the file up and down the capped link")
    parser.add_argument("--connection-rate", default="8MiB")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only", default=",".join(ROWS), help=f"the rows to run, of {','.join(ROWS)}"
    )
    parser.add_argument(
        "--moto-ranges",
        action="store_true",
        help="capped rows on plain moto (each ranged GET copies the whole object), to compare",
    )
    parser.add_argument(
        "--etag-only",
        action="store_true",
        help="the downloaded object has no checksum, only its multipart ETag (parts' MD5s)",
    )
    parser.add_argument(
        "--without-aws",
        action="store_true",
        help="the download row without aws, whose ranged GETs keep moto busy for 90 s a run",
    )
    parser.add_argument(
        "--s3rver",
        type=Path,
        metavar="DIR",
        help="folders and download on s3rver installed in DIR (npm install s3rver@3.7.1)",
    )
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="folders and download on a moto that keeps connections open, as S3 does",
    )
    args = parser.parse_args()
    args.only = set(args.only.split(","))
    if args.only - set(ROWS):
        parser.error(f"--only takes {', '.join(ROWS)}")
    byte_compile()
    env = os.environ | {
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1", "RCLONE_CONFIG_BENCH_TYPE": "s3",
        "RCLONE_CONFIG_BENCH_PROVIDER": "Other", "RCLONE_CONFIG_BENCH_ENV_AUTH": "true",
    }  # fmt: skip
    os.environ.update(env)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        env["COACHADMIN_HOME"] = str(work / "home")
        if args.only & {"folders", "download"}:
            server = (
                s3rver(args.s3rver, env)
                if args.s3rver
                else moto(s3_ranges=False, keep_alive=args.keep_alive)
            )
            with server as endpoint:
                results += plain_rows(args, work, env, endpoint)
        if args.only & {"capped-upload", "capped-download"}:
            with moto(s3_ranges=not args.moto_ranges) as endpoint:
                results += capped_rows(args, work, env, endpoint)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"transfers-{int(time.time())}.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
