"""Remembered window geometry and layout, in ``<config_dir>/ui_state.json``.

QSettings would put the file where Qt decides (the registry on Windows); every
file the app writes must come from :mod:`coachadmin.paths`. Qt's opaque
``saveGeometry``/``saveState`` blobs are kept as base64. A broken file is
ignored (the window opens at its default size), never fatal.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray

from coachadmin import paths
from coachadmin.json_text import parse_json

log = logging.getLogger("coachadmin.ui")

FILE_NAME = "ui_state.json"


def state_path() -> Path:
    return paths.config_dir() / FILE_NAME


def load() -> dict[str, Any]:
    path = state_path()
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable %s: %s", path, error)
        return {}
    return data if isinstance(data, dict) else {}


def save(state: dict[str, Any]) -> None:
    """Write atomically: a crash while saving never leaves a half-written file."""
    path = state_path()
    fd, tmp = tempfile.mkstemp(prefix=".ui_state-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2, sort_keys=True)
        Path(tmp).replace(path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        log.warning("could not save the window layout to %s: %s", path, error)


def encode(blob: QByteArray) -> str:
    return base64.b64encode(blob.data()).decode("ascii")


def decode(text: object) -> QByteArray | None:
    if not isinstance(text, str):
        return None
    try:
        return QByteArray(base64.b64decode(text, validate=True))
    except ValueError:
        return None
