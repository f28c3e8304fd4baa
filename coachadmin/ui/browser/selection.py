"""What the workspace says is "the current object", for the preview pane and others.

A small frozen value, so listeners (the preview pane, the status bar) can keep it
without holding a reference into the list model.
"""

from __future__ import annotations

from dataclasses import dataclass

from coachadmin.s3.listing import ObjectInfo


@dataclass(frozen=True, slots=True)
class SelectedObject:
    """One object (or folder, when ``key`` ends in ``/``) chosen in the browser.

    ``info`` is None for a folder or when the key was not listed (e.g. a search hit
    not yet fetched).
    """

    bucket: str
    key: str
    info: ObjectInfo | None

    @property
    def is_folder(self) -> bool:
        return self.key.endswith("/")

    @property
    def name(self) -> str:
        return self.key.rstrip("/").rsplit("/", 1)[-1]
