"""The platform's object naming, as the demo backend and the demo seed use it.

The real backend stores what it receives as ``FOLDER/BASENAME-TIMESTAMP-RANDOM.EXT``
(``videos/intro-1767434839123-4821.mp4``): a slug of the original name, epoch
milliseconds, a random number, the original extension. The demo names its
objects the same way so the desktop tool sees what production would show.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from pathlib import PurePosixPath

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 60


def slugify(name: str) -> str:
    """``"My Intro (final)"`` → ``"my-intro-final"``, ``"Übung"`` → ``"ubung"``; never empty."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:_MAX_SLUG].strip("-")
    return slug or "file"


def platform_key(
    folder: str,
    original_name: str,
    *,
    timestamp_ms: int | None = None,
    rng: random.Random | None = None,
) -> str:
    """The key the platform would give ``original_name`` uploaded into ``folder``."""
    path = PurePosixPath(original_name.replace("\\", "/").rsplit("/", 1)[-1])
    ext = path.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", path.suffix) else ""
    stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    number = (rng or random.SystemRandom()).randint(1000, 9999)
    return f"{folder.strip('/')}/{slugify(path.stem if ext else path.name)}-{stamp}-{number}{ext}"
