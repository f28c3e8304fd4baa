"""Text for people: what a terminal or a label may show of data that came from elsewhere."""

from __future__ import annotations

import sys
import unicodedata


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN``.

    Anyone who can write to the bucket chooses its keys, and a key may carry terminal
    escape sequences (``\\x1b]0;...``) that would retitle or garble the user's terminal.
    """
    if text.isprintable():  # the common case, in C: no control character (nor tab) in it
        return text
    return "".join(
        f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" and c != "\t" else c for c in text
    )


#: Sizes as the platform's file manager counts them: Finder and GNOME Files take 1 KB as
#: 1,000 bytes; Windows Explorer takes it as 1,024 bytes and still writes KB. Every size the
#: app shows (its windows and the command line) comes from :func:`format_size`.
DECIMAL_SIZES = sys.platform != "win32"
_UNITS = ("KB", "MB", "GB", "TB", "PB")


def format_size(size: float, *, decimal: bool | None = None) -> str:
    """``2.3 MB``, ``512 KB``, ``999 bytes``: one decimal below 100, none above."""
    step = 1000 if (DECIMAL_SIZES if decimal is None else decimal) else 1024
    value = float(size)
    if abs(value) < step:
        whole = int(value)
        return "1 byte" if whole == 1 else f"{whole:,} bytes"
    for unit in _UNITS:
        value /= step
        if abs(value) < 999.95 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}" if abs(value) < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")
