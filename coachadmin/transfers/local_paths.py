"""Where an S3 key lands on the local disk: always inside the folder the user chose.

Anyone who can write to the bucket chooses its keys, so a key is untrusted input
when it becomes a file name: ``lessons/../../x`` must not climb out of the chosen
folder, ``..\\..\\x`` must not either on Windows, and no name may carry control
characters or a character some OS refuses. Every place a key becomes a local path
(the window's folder download, ``coachadmin download``) goes through
:func:`local_path_for`; :func:`open_partial` opens the partial file of a download
without following a link planted in its place.

The same rules hold on every OS, so a folder downloaded on Linux looks as it would
on Windows: ``\\ < > : " | ? *``, control characters and bidirectional text
controls become ``_``, trailing dots and spaces are dropped, Windows' device names
(``CON``, ``NUL``, ``COM1``...) get a leading ``_``, and a name is cut to 255 bytes
keeping its extension. A ``.`` or
empty segment is skipped (``a//b`` is ``a/b``); a ``..`` segment refuses the key.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import BinaryIO

from coachadmin.display import printable
from coachadmin.transfers.errors import TransferError

#: Separators and what Windows refuses, control characters, and the bidirectional
#: controls that can make ``gpj.exe`` read as ``exe.jpg`` in a file manager.
_UNSAFE_CHARACTERS = re.compile(
    r'[\x00-\x1f\x7f-\x9f\\<>:"|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]'
)
_DEVICE_NAMES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_MAX_NAME_BYTES = 255


class UnsafeKey(TransferError):
    """A key that cannot become a file inside the chosen folder."""

    exit_code = 2


def safe_name(segment: str) -> str:
    """One segment of a key as a file name every OS accepts (see the module docstring)."""
    name = unicodedata.normalize("NFC", segment)
    name = _UNSAFE_CHARACTERS.sub("_", name).rstrip(" .")
    if _DEVICE_NAMES.match(name):
        name = "_" + name
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        keep = f"{dot}{ext}" if dot and len(ext) <= 16 else ""
        budget = _MAX_NAME_BYTES - len(keep.encode("utf-8"))
        base = (stem if keep else name).encode("utf-8")[:budget].decode("utf-8", "ignore")
        name = (base.rstrip(" .") or "_") + keep
    return name or "_"


def local_path_for(folder: Path, relative_key: str) -> Path:
    """The file inside ``folder`` that the key part ``relative_key`` is saved as.

    Raises :class:`UnsafeKey` for a key that names no file or would leave ``folder``.
    """
    parts = []
    for segment in relative_key.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            raise UnsafeKey(
                f"'{printable(relative_key)}' climbs out of the folder ('..'): it was not "
                "saved. Rename the object in the bucket, or download it on its own."
            )
        parts.append(safe_name(segment))
    if not parts:
        raise UnsafeKey(f"'{printable(relative_key)}' names no file: it was not saved.")
    target = folder.joinpath(*parts)
    base = folder.resolve()
    if not target.resolve().is_relative_to(base):
        raise UnsafeKey(
            f"'{printable(relative_key)}' would be saved outside {folder} (a link inside the "
            "folder points elsewhere): it was not saved."
        )
    return target


def open_partial(path: Path, *, create: bool) -> BinaryIO:
    """The partial file of a download, read-write; never through a symbolic link.

    A link planted at ``DEST.coachadmin-part`` would otherwise make the download write
    to the link's target. ``create`` truncates (or makes) it.
    """
    if path.is_symlink():
        raise TransferError(
            f"{path} is a symbolic link; coachadmin does not write through one. "
            "Remove it, then download again."
        )
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    if create:
        flags |= os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as error:
        raise TransferError(f"cannot write {path}: {error.strerror}") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise TransferError(f"{path} is not a regular file; remove it, then download again.")
    return os.fdopen(fd, "r+b")
