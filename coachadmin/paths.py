"""Every path the app writes comes from here.

``COACHADMIN_HOME`` moves all of the app's data (settings, journal, logs,
caches) under one directory: tests and portable installs use it. Otherwise the
platform's own directories are used (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from coachadmin import APP_NAME
from coachadmin.errors import UserFacingError

HOME_ENV = "COACHADMIN_HOME"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


class AppFolderUnavailable(UserFacingError):
    """A folder the app keeps its data in cannot be made."""


def _ensure(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AppFolderUnavailable(
            f"cannot make the folder {path} ({error.strerror}). Make that place "
            f"writable, or set {HOME_ENV} to a folder you can write to."
        ) from error
    return path


def config_dir() -> Path:
    """Non-secret settings (the settings file, connection profiles)."""
    home = _home()
    return _ensure(home / "config" if home else platformdirs.user_config_path(APP_NAME, False))


def data_dir() -> Path:
    """Durable state: the transfer journal."""
    home = _home()
    return _ensure(home / "data" if home else platformdirs.user_data_path(APP_NAME, False))


def log_dir() -> Path:
    home = _home()
    return _ensure(home / "logs" if home else platformdirs.user_log_path(APP_NAME, False))


def cache_dir() -> Path:
    """Disposable data: thumbnails and the like."""
    home = _home()
    return _ensure(home / "cache" if home else platformdirs.user_cache_path(APP_NAME, False))


def journal_path() -> Path:
    return data_dir() / "transfers.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def log_path() -> Path:
    return log_dir() / "coachadmin.log"
