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

What is already at a download's destination is checked before anything is fetched
(:func:`check_folder`, :func:`check_destination`, :func:`check_partial`): only a regular
file (or a symbolic link, which is replaced itself, never written through) can be
replaced; a folder, device, named pipe or socket is refused whatever ``--overwrite``
says, as are a folder the user cannot write to and a name too long for the disk, each
with one line that says what to do.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import BinaryIO

from coachadmin.display import printable
from coachadmin.transfers.errors import RESUME, DestinationExists, TransferError

#: Separators and what Windows refuses, control characters, and the bidirectional
#: controls that can make ``gpj.exe`` read as ``exe.jpg`` in a file manager.
_UNSAFE_CHARACTERS = re.compile(
    r'[\x00-\x1f\x7f-\x9f\\<>:"|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]'
)
_DEVICE_NAMES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_MAX_NAME_BYTES = 255
#: What a download's partial file adds to its destination's name.
PARTIAL_SUFFIX = ".coachadmin-part"


class UnsafeKey(TransferError):
    """A key that cannot become a file inside the chosen folder."""

    exit_code = 2


class DestinationRefused(TransferError):
    """A download's destination that cannot take the file (no folder there, not a regular
    file, not writable, a name too long): refused before anything is fetched."""

    exit_code = 2


class NameTooLong(DestinationRefused):
    """A destination's name (or a folder's on its way) longer than its disk takes."""


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


def clash_key(path: Path) -> str:
    """What makes two paths one file on some disk: letter case (Windows, macOS; one letter
    to one, as their file systems compare names, so "ß" is not "ss") and Unicode
    normalisation (macOS)."""
    return unicodedata.normalize("NFC", str(path)).lower()


def unclashing(path: Path, taken: set[str]) -> Path:
    """``path``, or ``NAME (2).EXT`` and on while an earlier file of the same download
    takes it on such a disk (keys that differ only by case, by a character no file name
    may hold, or by normalisation); the path chosen joins ``taken``. Two downloads to one
    file would otherwise race, and one could end with the other's bytes."""
    candidate, number = path, 1
    while clash_key(candidate) in taken:
        number += 1
        tail = f" ({number}){path.suffix}"
        # Cut the stem, not the number, for a name already at the disk's 255 bytes.
        budget = _MAX_NAME_BYTES - len(tail.encode("utf-8"))
        stem = path.stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
        candidate = path.with_name(stem + tail)
    taken.add(clash_key(candidate))
    return candidate


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
    except FileNotFoundError as error:
        if create:
            raise TransferError(f"cannot write {path}: {error.strerror}") from error
        raise TransferError(  # under way: its folder went (moved, a drive unplugged)
            f"cannot write {path}: it is no longer there (its folder moved, or its drive "
            f"disconnected?); the download is kept: put it back, then {RESUME}"
        ) from error
    except OSError as error:
        raise TransferError(f"cannot write {path}: {error.strerror}") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise TransferError(f"{path} is not a regular file; remove it, then download again.")
    return os.fdopen(fd, "r+b")


def partial_path_for(dest: Path) -> Path:
    """The partial file of a download to ``dest``: ``DEST.coachadmin-part``, its name cut
    (and told apart from other cut names by a hash of the whole) where that would be more
    than 255 bytes, as a name made from a long key is."""
    name = dest.name + PARTIAL_SUFFIX
    if len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return dest.with_name(name)
    tag = "~" + hashlib.sha256(dest.name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    budget = _MAX_NAME_BYTES - len((tag + PARTIAL_SUFFIX).encode("utf-8"))
    stem = dest.name.encode("utf-8", "surrogateescape")[:budget].decode("utf-8", "ignore")
    return dest.with_name(stem + tag + PARTIAL_SUFFIX)


def check_folder(folder: Path) -> None:
    """Refuse unless ``folder`` is an existing folder (a link to one is one)."""
    try:
        info = folder.stat()
    except FileNotFoundError:
        raise DestinationRefused(f"the folder {folder} does not exist; create it first") from None
    except NotADirectoryError:
        blocking = _first_non_folder(folder)
        if blocking is None:
            raise DestinationRefused(f"{folder} is not a folder") from None
        raise DestinationRefused(_not_a_folder(*blocking)) from None
    except OSError as error:
        raise refusal(folder, error) from None
    if not stat.S_ISDIR(info.st_mode):
        raise DestinationRefused(_not_a_folder(folder, info.st_mode))


def check_destination(dest: Path, *, overwrite: bool) -> None:
    """Refuse a destination that cannot be written: anything but a regular file or a
    symbolic link is refused whatever ``overwrite`` says; either of those is refused
    (:class:`DestinationExists`) unless ``overwrite``. A link is replaced by the file,
    never followed: what it points to is left as it is."""
    try:
        info = dest.lstat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise refusal(dest, error) from None
    if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
        if not overwrite:
            raise DestinationExists(str(dest))
        return
    raise DestinationRefused(
        f"{dest} is {_kind(info.st_mode)}, not a regular file, and is never replaced "
        "(--overwrite replaces only files): remove it or choose another destination"
    )


def check_partial(dest: Path) -> None:
    """Learn, before anything is fetched, that the partial file of a download to ``dest``
    (:func:`partial_path_for`) can be written: one left by an earlier run is opened as a
    run opens it (:func:`open_partial`); otherwise one is made and removed at once."""
    partial = partial_path_for(dest)
    try:
        partial.lstat()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise refusal(dest, error) from None
    else:
        try:
            with open_partial(partial, create=False):
                return
        except TransferError as error:
            raise DestinationRefused(str(error)) from None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(partial, flags | getattr(os, "O_BINARY", 0), 0o644)
    except FileExistsError:
        return  # made meanwhile: the run opens it through open_partial, never a link
    except OSError as error:
        raise refusal(dest, error) from None
    os.close(fd)
    partial.unlink(missing_ok=True)


def refusal(path: Path, error: OSError) -> DestinationRefused:
    """``error``, met at ``path`` (a download's destination or its folder), as one line
    that says what to do."""
    if error.errno in (errno.EACCES, errno.EPERM):
        return DestinationRefused(
            f"cannot write to {path.parent}: permission denied; choose a folder you may "
            "write to, or change its permissions"
        )
    if error.errno == errno.ENAMETOOLONG:
        return NameTooLong(
            f"the name '{_shortened(path.name)}' is too long for this disk; give a shorter "
            "file name as the destination"
        )
    if error.errno == errno.EROFS:
        return DestinationRefused(
            f"cannot write to {path.parent}: the disk is read-only; choose another folder"
        )
    reason = error.strerror or type(error).__name__
    return DestinationRefused(f"cannot write {path}: {reason}; choose another destination")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a file"
    return "a special file"


def _not_a_folder(path: Path, mode: int) -> str:
    return f"{path} is {_kind(mode)}, not a folder; choose a destination in an existing folder"


def _first_non_folder(path: Path) -> tuple[Path, int] | None:
    """The first of ``path``'s ancestors (or itself) that is there but is no folder."""
    for ancestor in [*reversed(path.parents), path]:
        try:
            mode = ancestor.stat().st_mode
        except OSError:
            return None
        if not stat.S_ISDIR(mode):
            return ancestor, mode
    return None


def _shortened(name: str, keep: int = 60) -> str:
    return name if len(name) <= keep else f"{name[: keep - 12]}…{name[-11:]}"
