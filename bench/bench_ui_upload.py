"""The window during a 5 GiB upload: the longest event-loop stall, and the throughput.

A 5 GiB file (sparse: it costs no disk) goes up through the GUI's transfer
service, exactly as a dropped file does, while the transfer panel repaints its
progress bar. The server is a minimal S3 "sink" in a child process that speaks
just enough of the multipart protocol (create, upload part, complete, head),
checks each part's Content-MD5 and keeps nothing, so a 5 GiB upload needs no
5 GiB of memory anywhere. A 10 ms QTimer records the largest gap between ticks.

    python bench/bench_ui_upload.py [--size-gib 5]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PySide6.QtWidgets import QApplication

from coachadmin.connection import Connection
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.events import TransferState
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.messages import MessageBus
from coachadmin.ui.transfers.panel import TransferQueuePanel
from coachadmin.ui.transfers.service import TransferService

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.event_loop import StallMeter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

GiB = 1024**3


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    uploads: dict[str, dict[int, tuple[str, int]]] = {}  # noqa: RUF012 - one server per process
    objects: dict[str, tuple[str, int]] = {}  # noqa: RUF012
    lock = threading.Lock()

    def log_message(self, *_args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _body(self) -> tuple[str, int]:
        """Read the body, returning its MD5 (hex) and length; nothing is kept."""
        length = int(self.headers.get("Content-Length", "0"))
        digest = hashlib.md5()
        remaining = length
        while remaining:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            remaining -= len(chunk)
        return digest.hexdigest(), length

    def do_HEAD(self) -> None:
        key = urlsplit(self.path).path
        found = self.objects.get(key)
        if found is None:
            self._reply(404)
        else:
            etag, size = found
            self._reply(200, headers={"ETag": f'"{etag}"', "Content-Length": str(size)})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if "uploads" in query:
            upload_id = uuid.uuid4().hex
            with self.lock:
                self.uploads[upload_id] = {}
            xml = (
                "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                f"<UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>"
            )
            self._reply(200, xml.encode(), {"Content-Type": "application/xml"})
            return
        upload_id = query["uploadId"][0]
        numbers = [int(n) for n in re.findall(rb"<PartNumber>(\d+)</PartNumber>", body)]
        with self.lock:
            parts = self.uploads.pop(upload_id)
        digests = b"".join(bytes.fromhex(parts[n][0]) for n in numbers)
        etag = f"{hashlib.md5(digests).hexdigest()}-{len(numbers)}"
        self.objects[url.path] = (etag, sum(parts[n][1] for n in numbers))
        xml = (
            f'<CompleteMultipartUploadResult><ETag>"{etag}"</ETag></CompleteMultipartUploadResult>'
        )
        self._reply(200, xml.encode(), {"Content-Type": "application/xml"})

    def do_PUT(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        md5, size = self._body()
        expected = self.headers.get("Content-MD5")
        if expected and base64.b64decode(expected).hex() != md5:
            self._reply(400, b"<Error><Code>BadDigest</Code></Error>")
            return
        if "partNumber" in query:
            with self.lock:
                self.uploads[query["uploadId"][0]][int(query["partNumber"][0])] = (md5, size)
        else:
            self.objects[urlsplit(self.path).path] = (md5, size)
        self._reply(200, headers={"ETag": f'"{md5}"'})

    def do_GET(self) -> None:
        """ListParts, which the engine asks before it completes an upload."""
        query = parse_qs(urlsplit(self.path).query)
        with self.lock:
            parts = dict(self.uploads.get(query.get("uploadId", [""])[0], {}))
        xml = "".join(
            f'<Part><PartNumber>{n}</PartNumber><ETag>"{md5}"</ETag><Size>{size}</Size></Part>'
            for n, (md5, size) in sorted(parts.items())
        )
        body = f"<ListPartsResult><IsTruncated>false</IsTruncated>{xml}</ListPartsResult>"
        self._reply(200, body.encode(), {"Content-Type": "application/xml"})

    def do_DELETE(self) -> None:
        self._reply(204)


def serve() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


def measure(endpoint: str, size: int) -> dict[str, float]:
    app = create_application([])
    bridge = Bridge(bus=MessageBus())
    service = TransferService(bridge)
    panel = TransferQueuePanel(service)
    panel.resize(1100, 260)
    panel.show()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lecture-5gib.mp4"
        with path.open("wb") as handle:
            handle.truncate(size)  # sparse: no disk used, reads back as zeros
        meter = StallMeter()
        meter.start()
        started = time.perf_counter()
        settings = S3Settings(endpoint_url=endpoint, region="us-east-1")
        service.upload(path, "videos/lecture-5gib.mp4", Connection("Bench", "bench", settings))
        states: list[TransferState] = []
        messages: list[str] = []
        service.events.connect(lambda batch: states.extend(e.state for e in batch))
        service.events.connect(lambda batch: messages.extend(e.message for e in batch))
        while not states or not states[-1].is_final:
            app.processEvents()
            time.sleep(0.002)
        elapsed = time.perf_counter() - started
        meter.stop()
        QApplication.processEvents()
    service.shutdown()
    bridge.shutdown(wait=True)
    if states[-1] is not TransferState.DONE:
        raise SystemExit(f"the upload did not finish: {messages[-1]}")
    return {
        "state": float(states[-1] is TransferState.DONE),
        "seconds": elapsed,
        "mib_per_s": size / 2**20 / elapsed,
        **meter.figures(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-gib", type=float, default=5.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip()
        figures = measure(endpoint, int(args.size_gib * GiB))
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=30)
    if not figures["state"]:
        raise SystemExit("the upload did not finish")
    print(f"uploaded {args.size_gib:g} GiB in {figures['seconds']:.1f} s "
          f"({figures['mib_per_s']:.0f} MiB/s)")  # fmt: skip
    print(f"worst event-loop stall: {figures['worst_stall_ms']:.0f} ms")
    print(f"99th pct tick gap:      {figures['p99_gap_ms']:.0f} ms ({figures['ticks']:.0f} ticks)")
    print(f"load average (1 min):   {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sys.stdout.flush()
    # PySide's teardown at interpreter exit has crashed after long runs; the figures are out.
    os._exit(0)


if __name__ == "__main__":
    main()
