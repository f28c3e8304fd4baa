"""Text for people: what a terminal or a label may show of data that came from elsewhere."""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN``.

    Anyone who can write to the bucket chooses its keys, and a key may carry terminal
    escape sequences (``\\x1b]0;...``) that would retitle or garble the user's terminal.
    """
    return "".join(
        f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" and c != "\t" else c for c in text
    )
