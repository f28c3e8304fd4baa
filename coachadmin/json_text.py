"""JSON read from files and answers the app does not control."""

from __future__ import annotations

import json
from typing import Any


def parse_json(text: str | bytes) -> Any:
    """`json.loads`, with nesting too deep for Python's parser reported as damage.

    A file of 100,000 `[` makes json raise RecursionError, which is not a
    ValueError, so every caller that treats a ValueError as "damaged, moved
    aside" would otherwise show a traceback.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
