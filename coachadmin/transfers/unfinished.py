"""An unfinished transfer of the same file to the same place: what running the same
command again continues, instead of beginning a second transfer beside the first; and a
finished one, whose object a folder's second run leaves as it is.

After Ctrl-C, a crash, a kill or a reboot, a user runs the command again; the journal
then holds the first run's transfer, paused or interrupted. It is the same transfer when
the same file (its absolute path, ``..`` resolved) goes to the same key of the same
bucket on the same endpoint. The file may have changed since: the resumed transfer finds
that out and begins again, as any resume does.
"""

from __future__ import annotations

import os
from pathlib import Path

from coachadmin.transfers.clients import same_endpoint
from coachadmin.transfers.events import TransferState
from coachadmin.transfers.journal import DownloadRecord, Journal, UploadRecord
from coachadmin.transfers.parts import recorded_fingerprint
from coachadmin.transfers.source import current_fingerprint


def _where(path: str | Path) -> str:
    return os.path.normpath(Path(path).expanduser().absolute())


def unfinished_uploads(
    journal: Journal, bucket: str, endpoint_url: str | None, key: str | None = None
) -> dict[tuple[str, str], UploadRecord]:
    """The newest unfinished upload for each (file, key) to ``bucket`` at ``endpoint_url``
    (``None``: AWS), by the file's absolute path and the key; ``key``: to that key only."""
    return _newest(journal.list_uploads(bucket=bucket, key=key), endpoint_url)


def finished_uploads(
    journal: Journal, bucket: str, endpoint_url: str | None, key: str | None = None
) -> dict[tuple[str, str], UploadRecord]:
    """The newest finished (``done``) upload for each (file, key), as :func:`unfinished_uploads`."""
    done = journal.list_uploads(unfinished=False, bucket=bucket, key=key, state=TransferState.DONE)
    return _newest(done, endpoint_url)


def already_there(record: UploadRecord | None, path: Path, etag: str) -> bool:
    """The file was uploaded to the key by ``record``, is unchanged since, and the object
    there is still the one that upload made (its ETag)."""
    return (
        record is not None
        and record.etag.strip('"') == etag.strip('"')
        and recorded_fingerprint(record).matches(current_fingerprint(path))
    )


def _newest(
    records: list[UploadRecord], endpoint_url: str | None
) -> dict[tuple[str, str], UploadRecord]:
    found: dict[tuple[str, str], UploadRecord] = {}
    for record in records:  # oldest first: the newest stays
        if same_endpoint(record.endpoint_url, endpoint_url):
            found[(_where(record.path), record.key)] = record
    return found


def upload_of(
    found: dict[tuple[str, str], UploadRecord], path: Path, key: str
) -> UploadRecord | None:
    """The record of ``path``'s upload to ``key`` among ``found``, if any."""
    return found.get((_where(path), key))


def unfinished_download(
    journal: Journal, bucket: str, key: str, dest: Path, endpoint_url: str | None
) -> DownloadRecord | None:
    """The newest unfinished download of ``key`` to ``dest`` (a file's path)."""
    wanted = _where(dest)
    matches = [
        record
        for record in journal.list_downloads(bucket=bucket, key=key)
        if same_endpoint(record.endpoint_url, endpoint_url) and _where(record.dest) == wanted
    ]
    return matches[-1] if matches else None
