"""`coachadmin check-links` at scale: 1,000 lessons, 10,000 videos, over real HTTP.

The demo backend and the demo's S3 server (moto) run in this process on loopback,
as ``coachadmin demo-server`` runs them. The backend's SQLite gets ``--courses``
courses holding ``--lessons`` lessons; moto's store gets ``--videos`` objects
under ``videos/``, put straight into it (seconds instead of minutes of PUTs).
The lessons are a realistic mix: most link an existing video (real small MP4s:
the demo's sample video, a few with the index at the end or HEVC), some a key
that is missing, some a legacy Cloudflare id, some nothing, a few a key outside
``videos/`` (one HEAD each). The videos no lesson links are small placeholders.

Then it times the CLI as a subprocess, as a script would run it, with and
without the media check, and counts the requests each server answered (from
the servers' request log) by kind.

    python bench/bench_check_links.py [--lessons 1000] [--videos 10000] [--courses 50]
    python bench/bench_check_links.py --latency 0.03   # S3 30 ms away, as a region is

Target: the default check (with media) under 30 s.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

from coachadmin.backend.client import BackendClient
from coachadmin.demo import backend_seed
from coachadmin.demo.backend_server import DemoBackend
from coachadmin.demo.backend_store import DemoStore, Lesson, User
from coachadmin.demo.s3_seed import SeededMedia, sample_bytes
from coachadmin.demo.s3_server import DemoS3Server
from coachadmin.s3.client import make_client
from coachadmin.s3.naming import platform_key
from coachadmin.s3.settings import S3Settings
from coachadmin.services.sign_in import API_TOKEN_ENV, API_URL_ENV
from tests.support.faultproxy import FaultProxy

TARGET_S = 30.0
BUCKET = "bench-check-links"
REGION = "eu-north-1"
SEED = 20260101
BASE_MS = 1_762_160_400_000
SAMPLES = (  # (sample, share of the linked videos)
    ("sample-video.mp4", 0.90),
    ("sample-video-moov-at-end.mp4", 0.05),
    ("sample-video-hevc.mp4", 0.05),
)


@dataclass(frozen=True)
class Mix:
    """How the lessons were made: what a correct report must say."""

    lessons: int
    linked: int
    broken: int
    legacy: int
    no_video: int
    outside: int  # linked to an existing key outside videos/ (HEAD each)
    media_problems: int
    unused: int


class RequestCounter(logging.Handler):
    """Counts the requests the demo's servers log (``s3 GET /... 200 123``), by kind."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock_counts = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg != "%s %s %s %s" or not isinstance(record.args, tuple):
            return
        label, line = str(record.args[0]), str(record.args[1])
        method, _, rest = line.partition(" ")
        target = rest.rsplit(" ", 1)[0]
        with self._lock_counts:
            self.counts[f"{label} {_kind(label, method, target)}"] += 1

    def take(self) -> collections.Counter[str]:
        with self._lock_counts:
            counts, self.counts = self.counts, collections.Counter()
        return counts


def _kind(label: str, method: str, target: str) -> str:
    if label == "api":
        path = urlsplit(target).path
        return f"{method} {'/api/courses/*/lessons' if path.endswith('/lessons') else path}"
    query = parse_qs(urlsplit(target).query, keep_blank_values=True)
    if method == "GET" and "list-type" in query:
        return "ListObjectsV2"
    if method == "GET":
        return "GetObject"
    if method == "HEAD":
        return "HeadObject"
    return method


def seed_s3(settings: S3Settings, videos: int, linked: int, rng: random.Random) -> list[str]:
    """``videos`` keys under videos/; the first ``linked`` hold real MP4s."""
    make_client(settings).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    store = get_backend("s3")[DEFAULT_ACCOUNT_ID]["global"]
    bodies = [(sample_bytes(name), share) for name, share in SAMPLES]
    keys = []
    for number in range(videos):
        stamp = BASE_MS + rng.randrange(0, 365 * 86_400_000)
        key = platform_key("videos", f"lesson-{number:05d}.mp4", timestamp_ms=stamp, rng=rng)
        if number < linked:
            share = number / linked
            body = bodies[0][0] if share < 0.90 else bodies[1][0] if share < 0.95 else bodies[2][0]
        else:
            body = b"\0\0\0\x18ftypmp42" + b"x" * rng.randrange(100, 2000)
        stored = store.put_object(BUCKET, key, body)
        stored.set_metadata({"Content-Type": "video/mp4"})
        keys.append(key)
    for number in range(5):  # linked from outside videos/ (older uploads)
        stored = store.put_object(BUCKET, f"uploads/legacy/old-{number}.mp4", bodies[0][0])
        stored.set_metadata({"Content-Type": "video/mp4"})
    return keys


def seed_backend(path: Path, keys: list[str], lessons: int, courses: int, linked: int) -> Mix:
    """Users, ``courses`` courses and ``lessons`` lessons in a new demo database."""
    store = DemoStore(path)
    store.add_user(
        User(backend_seed.object_id("user", 1), backend_seed.ADMIN_EMAIL, "Ada", "admin"),
        backend_seed.ADMIN_PASSWORD,
    )
    counts = collections.Counter[str]()
    for course in range(courses):
        store.add_course(backend_seed.object_id("course", course), f"Course {course + 1}", course)
    for number in range(lessons):
        course = number % courses
        slot = number % 20  # per 20 lessons: 16 linked, 1 broken, 1 legacy, 2 without video
        if slot < 16:
            if number % 200 == 0:
                video, kind = f"uploads/legacy/old-{number // 200 % 5}.mp4", "outside"
            else:
                video, kind = keys[counts["linked"] % linked], "linked"
        elif slot == 16:
            video, kind = f"videos/gone-{number}-1767434839123-4821.mp4", "broken"
        elif slot == 17:
            video, kind = f"{number:032x}", "legacy"
        else:
            video, kind = None, "no-video"
        counts[kind] += 1
        store.add_lesson(
            Lesson(
                id=backend_seed.object_id("lesson", number),
                course_id=backend_seed.object_id("course", course),
                title=f"Lesson {number + 1}",
                order=number // courses + 1,
                video_id=video,
            )
        )
    store.close()
    used = min(counts["linked"], linked)
    problems = sum(1 for n in range(used) if n / linked >= 0.90)
    return Mix(
        lessons=lessons,
        linked=counts["linked"] + counts["outside"],
        broken=counts["broken"],
        legacy=counts["legacy"],
        no_video=counts["no-video"],
        outside=counts["outside"],
        media_problems=problems,
        unused=len(keys) - used,
    )


def run_check(
    env: dict[str, str], *flags: str, profile: Path | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time, the CLI's CPU time (user + system) and its result."""
    python = [sys.executable, *(("-m", "cProfile", "-o", str(profile)) if profile else ())]
    command = [*python, "-m", "coachadmin", "check-links", "--bucket", BUCKET, *flags]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu, result


def verify(result: subprocess.CompletedProcess[str], mix: Mix, media: bool) -> None:
    report = json.loads(result.stdout)
    expected = {
        "lessons": mix.lessons,
        "linked": mix.linked,
        "broken": mix.broken,
        "legacy": mix.legacy,
        "noVideo": mix.no_video,
    }
    found = {name: report[name] for name in expected}
    assert found == expected, (found, expected, result.stderr[-2000:])
    assert len(report["unusedVideos"]) == mix.unused, len(report["unusedVideos"])
    problems = len(report["mediaProblems"])
    assert problems == (mix.media_problems if media else 0), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--runs", type=int, default=2, help="timed runs of each variant")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds of round trip added to every S3 request (a proxy in front of moto)",
    )
    parser.add_argument(
        "--profile", type=Path, help="also run each variant once under cProfile, into this folder"
    )
    args = parser.parse_args()
    linked_videos = min(args.videos, args.lessons * 8 // 10)
    rng = random.Random(SEED)

    counter = RequestCounter()
    demo_log = logging.getLogger("coachadmin.demo")
    demo_log.addHandler(counter)
    demo_log.setLevel(logging.DEBUG)
    demo_log.propagate = False

    seeding = time.perf_counter()
    s3_server = DemoS3Server()
    s3_server.start()
    settings = S3Settings(
        endpoint_url=s3_server.endpoint_url, region=REGION, access_key="testing",
        secret_key="testing",
    )  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="bench-check-links-"))
    backend: DemoBackend | None = None
    proxy = FaultProxy(s3_server.endpoint_url, latency=args.latency)
    proxy.start()
    try:
        keys = seed_s3(settings, args.videos, linked_videos, rng)
        mix = seed_backend(
            workdir / "backend.sqlite3", keys, args.lessons, args.courses, linked_videos
        )
        backend = DemoBackend(
            s3=settings,
            bucket=BUCKET,
            media=SeededMedia((), "", "", (), 0),
            database=workdir / "backend.sqlite3",
        )
        api_url = backend.start()
        token = (
            BackendClient(api_url)
            .login(backend_seed.ADMIN_EMAIL, backend_seed.ADMIN_PASSWORD)
            .token
        )
        assert token
        print(
            f"seeded {args.lessons:,} lessons in {args.courses} courses and {args.videos:,} "
            f"videos in {time.perf_counter() - seeding:.1f} s"
        )
        if args.latency:
            print(f"  S3 through a proxy adding {args.latency * 1000:.0f} ms per round trip")
        print(
            f"  lessons: {mix.linked} linked ({mix.outside} outside videos/), {mix.broken} "
            f"broken, {mix.legacy} legacy, {mix.no_video} without video; "
            f"{mix.media_problems} linked videos that may not play, {mix.unused:,} unused"
        )
        env = {
            **os.environ,
            API_URL_ENV: api_url,
            API_TOKEN_ENV: token,
            "AWS_ENDPOINT_URL": proxy.url if args.latency else s3_server.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "COACHADMIN_HOME": str(workdir / "home"),
        }
        counter.take()
        worst = 0.0
        for label, flags, media in (
            ("--no-media --json", ("--no-media", "--json"), False),
            ("--json (media checked)", ("--json",), True),
            ("text (media checked)", (), True),
        ):
            times, cpus = [], []
            counts: collections.Counter[str] = collections.Counter()
            for _ in range(args.runs):
                elapsed, cpu, result = run_check(env, *flags)
                assert result.returncode == 1, result.stderr[-2000:]  # broken and legacy
                if "--json" in flags:
                    verify(result, mix, media)
                times.append(elapsed)
                cpus.append(cpu)
                counts = counter.take()
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                name = "-".join(f.strip("-") for f in flags) or "text"
                run_check(env, *flags, profile=args.profile / f"check-links-{name}.prof")
                counter.take()
            best = min(times)
            if media:
                worst = max(worst, *times)
            runs = ", ".join(f"{t:.2f}" for t in times)
            print(f"\ncheck-links {label}: {runs} s (best {best:.2f} s)")
            print(f"  CPU time of the CLI: {', '.join(f'{c:.2f}' for c in cpus)} s")
            for kind, count in sorted(counts.items()):
                print(f"  {kind:<32} {count:>6}")
        verdict = "OK" if worst < TARGET_S else "OVER TARGET"
        print(f"\nslowest default check: {worst:.2f} s (target < {TARGET_S:.0f} s: {verdict})")
        print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        return 0 if worst < TARGET_S else 1
    finally:
        proxy.stop()
        if backend is not None:
            backend.stop()
        s3_server.stop()


if __name__ == "__main__":
    sys.exit(main())
