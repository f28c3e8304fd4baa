"""A download that meets a full disk says so in one line, keeps its bytes and resumes.

The disk is a small tmpfs in a private mount namespace (``unshare --mount``), so the
machine's own disks are never filled; skipped where namespaces are not allowed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coachadmin import paths
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.config import MiB
from tests.support.faultproxy import FaultProxy
from tests.support.transfers import make_bucket, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _unshare() -> list[str]:
    command = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    if not shutil.which("unshare"):
        pytest.skip("no unshare(1): a private mount namespace is needed for a small disk")
    probe = subprocess.run([*command, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"mount namespaces are not allowed here: {probe.stderr.decode().strip()}")
    return command


def test_disk_full_mid_download_keeps_the_ranges_and_resume_finishes(
    s3_server: str, tmp_path: Path
) -> None:
    unshare = _unshare()
    bucket = make_bucket(s3_server)
    data = os.urandom(15 * MiB)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=bucket, Key="v.bin", Body=data
    )
    with FaultProxy(s3_server, rate=4 * MiB) as proxy:
        spec = {
            "mount": str(tmp_path / "disk"),
            "size": "20m",
            "home": str(paths.data_dir()),
            "source": f"s3://{bucket}/v.bin",
            "options": [
                *("--endpoint-url", proxy.url, "--part-size", "5MiB", "--concurrency", "1"),
            ],
            "resume_options": ["--json"],
            "copy_to": str(tmp_path / "result.bin"),
        }
        ran = subprocess.run(
            [*unshare, sys.executable, "-m", "tests.support.disk_full", json.dumps(spec)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=180,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        seen = json.loads(ran.stdout)
        ranges_asked = [r for r in proxy.stats.requests if "range" in r.headers]

    failed = seen["download"]
    stderr = failed["stderr"].strip()
    assert failed["rc"] != 0
    assert "Traceback" not in stderr and stderr.count("\n") == 0, stderr
    assert "is full" in stderr and "free some space" in stderr, stderr
    assert "coachadmin resume " in stderr, stderr
    [(state, error)] = seen["journal"]
    assert state == "failed" and "is full" in error
    assert seen["ranges_kept"] >= 1
    assert "v.bin.coachadmin-part" in seen["partial"]

    assert seen["resume"]["rc"] == 0, seen["resume"]["stderr"]
    assert (tmp_path / "result.bin").read_bytes() == data
    # Fifteen ranges of 1 MiB (a download has at least 16 ranges, of at least 1 MiB): the
    # ones journaled before the disk filled are not asked again.
    assert len(ranges_asked) <= 3 + 15 - seen["ranges_kept"]


def test_too_little_room_is_refused_before_anything_is_written(
    s3_server: str, tmp_path: Path
) -> None:
    unshare = _unshare()
    bucket = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=bucket, Key="big.bin", Body=os.urandom(3 * MiB)
    )
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        f"mount -t tmpfs -o size=1m tmpfs {disk} && "
        f"{sys.executable} -m coachadmin download s3://{bucket}/big.bin {disk}/big.bin "
        f"--endpoint-url {s3_server}; echo rc=$?; ls -A {disk}"
    )
    ran = subprocess.run(
        [*unshare, "sh", "-c", script], capture_output=True, text=True, timeout=90, check=False
    )
    stderr = ran.stderr.strip()
    assert stderr.count("\n") == 0 and "Traceback" not in stderr, stderr
    assert stderr.startswith("coachadmin: ") and "is full" in stderr, stderr
    assert "3.1 MB still needed" in stderr or "3.0 MB still needed" in stderr, stderr
    rc, *left = ran.stdout.split()
    assert rc != "rc=0" and left == []
    downloads = run_cli("downloads", "--json")
    assert downloads.returncode == 0 and "is full" in downloads.stdout, downloads.stdout
