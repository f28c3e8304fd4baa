"""How fast a large video starts in the preview pane, and how much of it the server sent.

Not a test: it prints figures (and writes them as JSON under bench/out/).

    python bench/bench_video_start.py                    # a 150 MB video, 5 runs per link
    python bench/bench_video_start.py --size-mb 60 --runs 3

The video (H.264 + AAC, ``+faststart``, noise so that its size follows the bitrate)
is made once with ffmpeg in the temporary folder and reused. moto runs in its own
process; a proxy in front of it (tests/support/mediaproxy.py) counts the bytes it
delivers, on an uncapped loopback and on a 50 Mbit/s link. Each run opens the video in a
real PreviewPane (offscreen) as Enter in the object list does, and times it to playing
with the position advancing (the presigned URL is made on a worker, the player reads by
HTTP Range), then seeks to the middle and times that. For comparison, "download first" is the
time a plain GET of the whole object takes over the same link.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import requests  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from support.mediaproxy import MediaProxy  # noqa: E402

from coachadmin.connection import Connection  # noqa: E402
from coachadmin.s3.client import make_client  # noqa: E402
from coachadmin.s3.listing import ObjectInfo  # noqa: E402
from coachadmin.s3.presign import presign_get  # noqa: E402
from coachadmin.s3.settings import S3Settings  # noqa: E402
from coachadmin.ui.bridge import Bridge  # noqa: E402
from coachadmin.ui.browser.selection import SelectedObject  # noqa: E402
from coachadmin.ui.messages import MessageBus  # noqa: E402
from coachadmin.ui.preview import PreviewPane  # noqa: E402
from coachadmin.ui.pyside_compat import GuiThreadCollector  # noqa: E402

BUCKET = "bench-video"
REGION = "eu-north-1"
KEY = "videos/large-lesson.mp4"
MB = 1_000_000
LINKS: dict[str, float | None] = {"loopback": None, "50 Mbit/s": 50e6 / 8}


@dataclass
class Run:
    link: str
    start_s: float
    served_at_start_mb: float
    served_after_3s_mb: float
    seek_s: float
    served_total_mb: float
    requests: int


def make_video(size_mb: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "coachadmin-bench"
    folder.mkdir(exist_ok=True)
    target = folder / f"video-{size_mb}mb.mp4"
    if target.exists():
        return target
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        sys.exit("ffmpeg is not on PATH: install it (apt-get install ffmpeg)")
    bitrate_mbit = 12
    seconds = size_mb * 8 // bitrate_mbit
    print(f"making a {seconds} s video at {bitrate_mbit} Mbit/s in {target} ...", flush=True)
    command = [
        ffmpeg, "-y", "-hide_banner", "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-vf", "noise=alls=40:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
        "-b:v", f"{bitrate_mbit}M", "-maxrate", f"{bitrate_mbit}M", "-bufsize", "4M",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
        "-movflags", "+faststart", str(target.with_suffix(".part.mp4")),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    target.with_suffix(".part.mp4").replace(target)
    return target


def start_moto() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "moto_server.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def wait_until(app: QApplication, condition: Callable[[], bool], timeout: float = 30) -> float:
    """Run the event loop until ``condition``; returns the seconds it took."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the player did not get there in time")
        app.processEvents()
        time.sleep(0.002)
    return time.perf_counter() - started


def one_run(app: QApplication, pane: PreviewPane, item: SelectedObject, link: str,
            proxy: MediaProxy) -> Run:  # fmt: skip
    pane.show_object(None)
    before = proxy.served
    requests_before = len(proxy.gets(KEY))
    pane.request_preview(item)  # Enter on the video in the list: it plays when it can
    player = pane.media.player
    start = wait_until(app, lambda: player.position() > 0)
    at_start = proxy.served - before
    wait_until(app, lambda: player.position() > 3000)
    after_3s = proxy.served - before
    target = player.duration() // 2
    seek_started = time.perf_counter()
    pane.media.session.seek(target)
    wait_until(app, lambda: player.position() > target)
    seek = time.perf_counter() - seek_started
    total = proxy.served - before
    pane.show_object(None)
    return Run(
        link,
        round(start, 3),
        round(at_start / MB, 1),
        round(after_3s / MB, 1),
        round(seek, 3),
        round(total / MB, 1),
        len(proxy.gets(KEY)) - requests_before,
    )


def download_time(url: str) -> float:
    started = time.perf_counter()
    with requests.get(url, stream=True, timeout=120) as response:
        for _ in response.iter_content(1 << 20):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    video = make_video(args.size_mb)
    size = video.stat().st_size
    app = QApplication([])
    GuiThreadCollector(app)
    moto, endpoint = start_moto()
    bridge = Bridge(bus=MessageBus(), max_workers=2)
    results: list[Run] = []
    downloads: dict[str, float] = {}
    try:
        settings = S3Settings(endpoint_url=endpoint, region=REGION, access_key="testing",
                              secret_key="testing")  # fmt: skip
        client = make_client(settings)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        client.upload_file(str(video), BUCKET, KEY)
        info = next(iter(client.list_objects_v2(Bucket=BUCKET)["Contents"]))

        item = SelectedObject(
            BUCKET, KEY, ObjectInfo(KEY, size, info["LastModified"], info["ETag"], "STANDARD")
        )
        pane = PreviewPane(bridge=bridge, bus=MessageBus())
        pane.resize(640, 520)
        pane.show()
        for link, rate in LINKS.items():
            with MediaProxy(endpoint, rate=rate) if rate else MediaProxy(endpoint) as proxy:
                proxied = Connection("bench", BUCKET, S3Settings(
                    endpoint_url=proxy.url, region=REGION, access_key="testing",
                    secret_key="testing"))  # fmt: skip
                pane.set_connection(proxied)
                one_run(app, pane, item, link, proxy)  # warm-up: the media backend loads
                for _ in range(args.runs):
                    run = one_run(app, pane, item, link, proxy)
                    results.append(run)
                    print(asdict(run), flush=True)
                url = presign_get(make_client(proxied.s3), BUCKET, KEY).url
                downloads[link] = round(download_time(url), 2)
    finally:
        bridge.shutdown(wait=True)
        moto.terminate()
        moto.wait()

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nvideo: {size / MB:.1f} MB, {args.runs} runs per link (median); load average {load}")
    print("| link | start (s) | served at start (MB) | after 3 s (MB) | seek to middle (s) "
          "| served in all (MB) | whole GET (s) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for link in LINKS:
        runs = [r for r in results if r.link == link]

        def median(field: str, runs: list[Run] = runs) -> float:
            return statistics.median(getattr(r, field) for r in runs)

        print(
            f"| {link} | {median('start_s'):.2f} | {median('served_at_start_mb'):.1f} | "
            f"{median('served_after_3s_mb'):.1f} | {median('seek_s'):.2f} | "
            f"{median('served_total_mb'):.1f} | {downloads[link]:.2f} |"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "video_start.json").write_text(
        json.dumps(
            {
                "size_bytes": size,
                "runs": [asdict(r) for r in results],
                "downloads": downloads,
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
