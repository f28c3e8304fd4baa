"""Media readiness on the command line: `upload` and `upload-link` probe videos first.

Notes go to stderr; a video whose index is at the end is fixed (a faststart copy
uploaded in its place, removed once the upload is done) only with ``--faststart``.
Otherwise the file goes up as it is. See docs/preview.md, Media readiness.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from coachadmin.display import printable
from coachadmin.services.media_readiness import Readiness, fix_index, readiness
from coachadmin.transfers.upload import UploadRequest


def ready_to_send(path: Path, *, fix: bool) -> Readiness | None:
    """Probe ``path`` if it is named like a video; print its notes; fix it when asked."""
    ready = readiness(path)
    if ready is None:
        return None
    name = printable(path.name)
    for note in ready.notes:
        print(f"coachadmin: {name}: {note.text}", file=sys.stderr)
    if not ready.fixable:
        return ready
    if not fix:
        print(
            f"coachadmin: {name}: uploading it as it is; add --faststart to fix it first",
            file=sys.stderr,
        )
        return ready
    print(f"coachadmin: {name}: moving the index to the front (lossless)…", file=sys.stderr)
    fixed = fix_index(ready, progress=_progress(name))
    print(f"coachadmin: {name}: fixed; uploading the fixed copy", file=sys.stderr)
    return fixed


def with_media(request: UploadRequest, ready: Readiness | None) -> UploadRequest:
    return ready.apply(request) if ready is not None else request


def remove_copies(prepared: Iterable[Readiness | None], *, finished: bool) -> None:
    """Remove the faststart copies once uploaded; keep them for `coachadmin resume` if not."""
    for ready in prepared:
        if ready is None or not ready.temporary:
            continue
        if finished:
            ready.path.unlink(missing_ok=True)
        else:
            print(
                f"coachadmin: the fixed copy {printable(str(ready.path))} is kept for "
                "`coachadmin resume`; delete it once the upload is done",
                file=sys.stderr,
            )


def _progress(name: str) -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    shown = -1

    def show(done: int, total: int) -> None:
        nonlocal shown
        percent = 100 * done // max(total, 1)
        if percent != shown:
            shown = percent
            end = "\n" if done >= total else ""
            print(f"\r  {name}: {percent}%", end=end, file=sys.stderr, flush=True)

    return show
