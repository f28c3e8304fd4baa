"""The files of dropped or named folders and the keys they go to: one rule for the window's
drop and `coachadmin upload DIR`. Standard library only, so the window imports it at start.

A folder keeps its own name and the paths under it: ``course/`` with ``course/intro/a.mp4``
sent to ``videos/`` makes ``videos/course/intro/a.mp4`` (``..`` and ``.`` are the folders
they stand for). Folders are walked in name order; symbolic links to folders are not
followed (no loops), and links to nothing are skipped (there is nothing to send).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path


def files_under(folder: Path, onerror: Callable[[OSError], None]) -> Iterator[Path]:
    """Every file under ``folder``, in name order; a folder that cannot be read goes to
    ``onerror`` (which may raise)."""
    for root, dirs, files in os.walk(folder, onerror=onerror, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            try:
                if path.is_symlink() and not path.exists():
                    continue
            except OSError as error:  # a link into a folder this user cannot read
                onerror(error)
                continue
            yield path


def folder_files(
    folder: Path, prefix: str, onerror: Callable[[OSError], None]
) -> Iterator[tuple[Path, str]]:
    """Each file under ``folder`` with its key under ``prefix`` (the folder's name first)."""
    whole = Path(os.path.normpath(folder.absolute()))  # "..": the parent, by its own name
    base = whole.parent
    for file in files_under(whole, onerror):
        yield file, prefix + file.relative_to(base).as_posix()
