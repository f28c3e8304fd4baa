"""Finding the files under ``resources/``, installed, editable or frozen alike."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def resource(*parts: str) -> Traversable:
    """The resource at ``resources/<parts...>``."""
    node = resources.files("coachadmin.resources")
    for part in parts:
        node = node.joinpath(part)
    return node
