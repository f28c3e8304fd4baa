"""A download that meets a full disk, then a resume once space is freed: run in a mount namespace.

``python -m tests.support.disk_full SPEC`` mounts a small tmpfs (private to the namespace
that ``unshare --mount`` gave this process), starts ``coachadmin download`` into it, fills
the rest of the disk as soon as the first range is journaled, waits for the download to
fail, frees the space, runs ``coachadmin resume --all`` and copies the result out of the
tmpfs. It prints what it saw as JSON; the test asserts on it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_MiB = 1024 * 1024


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "coachadmin", *args]


def _journal(home: Path, query: str) -> list[tuple[Any, ...]]:
    path = home / "transfers.sqlite3"
    if not path.exists():
        return []
    with sqlite3.connect(path, timeout=5) as db:
        try:
            return db.execute(query).fetchall()
        except sqlite3.OperationalError:  # the tables do not exist yet
            return []


def _fill(folder: Path) -> int:
    """Write zeros until the disk says it is full; returns the bytes written."""
    written = 0
    with (folder / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * _MiB)
                handle.flush()
                written += _MiB
        except OSError:
            pass
    return written


def main(spec: dict[str, Any]) -> dict[str, Any]:
    mount, home = Path(spec["mount"]), Path(spec["home"])
    mount.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={spec['size']}", "tmpfs", str(mount)], check=True
    )
    try:
        download = subprocess.Popen(
            _cli("download", spec["source"], str(mount / "v.bin"), *spec["options"]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not _journal(home, "SELECT number FROM ranges") and download.poll() is None:
            if time.monotonic() > deadline:
                download.kill()
                raise SystemExit("no range was journaled within 60 s")
            time.sleep(0.02)
        filled = _fill(mount)
        stdout, stderr = download.communicate(timeout=60)
        seen: dict[str, Any] = {
            "filled": filled,
            "download": {"rc": download.returncode, "stdout": stdout, "stderr": stderr},
            "journal": _journal(home, "SELECT state, error FROM downloads"),
            "ranges_kept": len(_journal(home, "SELECT number FROM ranges")),
            "partial": [p.name for p in mount.iterdir() if p.name != "filler"],
        }
        (mount / "filler").unlink()
        resume = subprocess.run(
            _cli("resume", "--all", *spec["resume_options"]),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        seen["resume"] = {"rc": resume.returncode, "stderr": resume.stderr}
        if (mount / "v.bin").exists():
            shutil.copyfile(mount / "v.bin", spec["copy_to"])
        return seen
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=False)


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
