"""An unfinished transfer of the same file to the same place: what running the same
command again continues, instead of beginning a second transfer beside the first.

After Ctrl-C, a crash, a kill or a reboot, a user runs the command again; the journal
then holds the first run's transfer, paused or interrupted. It is the same transfer when
the same file (its absolute path, ``..`` resolved) goes to the same key of the same
bucket on the same endpoint. The file may have changed since: the resumed transfer finds
that out and begins again, as any resume does.
"""

from __future__ import annotations

import os
from pathlib import Path

from coachadmin.transfers.journal import DownloadRecord, Journal, UploadRecord


def _where(path: str | Path) -> str:
    return os.path.normpath(Path(path).expanduser().absolute())


def unfinished_uploads(
    journal: Journal, bucket: str, endpoint_url: str | None
) -> dict[tuple[str, str], UploadRecord]:
    """The newest unfinished upload for each (file, key) to ``bucket`` at ``endpoint_url``
    (``None``: AWS), by the file's absolute path and the key."""
    found: dict[tuple[str, str], UploadRecord] = {}
    for record in journal.list_uploads():  # oldest first: the newest stays
        if record.bucket == bucket and record.endpoint_url == endpoint_url:
            found[(_where(record.path), record.key)] = record
    return found


def unfinished_upload(
    found: dict[tuple[str, str], UploadRecord], path: Path, key: str
) -> UploadRecord | None:
    return found.get((_where(path), key))


def unfinished_download(
    journal: Journal, bucket: str, key: str, dest: Path, endpoint_url: str | None
) -> DownloadRecord | None:
    """The newest unfinished download of ``key`` to ``dest`` (a file's path)."""
    wanted = _where(dest)
    matches = [
        record
        for record in journal.list_downloads()
        if (record.bucket, record.key, record.endpoint_url) == (bucket, key, endpoint_url)
        and _where(record.dest) == wanted
    ]
    return matches[-1] if matches else None
