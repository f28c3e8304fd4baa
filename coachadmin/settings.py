"""Non-secret settings: declared once, versioned, written atomically.

Each setting is a field of :class:`Settings` with its type, default and a
description (in the field's metadata), so the file format, validation and any
settings UI come from one declaration. The file is JSON at
:func:`coachadmin.paths.settings_path`; secrets never go in it (they live in the
keychain, see :mod:`coachadmin.secrets`), and :func:`save_settings` refuses to
write a value the app knows to be a secret.

Compatibility rules:

* ``schema_version`` says which layout a file has; :data:`MIGRATIONS` turns
  version *n* into *n + 1*. Before a migration the old file is copied aside.
* Keys this version does not know are kept and written back unchanged, so a
  newer app's settings survive a round trip through an older one.
* A file that is not valid JSON is moved aside (never deleted) and the app starts
  from defaults; :attr:`Settings.notices` says where the old file went.
* A value of the wrong type falls back to its default, with a notice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import tempfile
import time
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coachadmin import paths
from coachadmin.errors import UserFacingError
from coachadmin.json_text import parse_json
from coachadmin.redact import contains_known_secret

log = logging.getLogger("coachadmin.settings")

SCHEMA_VERSION = 1

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _from_unversioned(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 is a file without ``schema_version`` (hand-written): keys are as in v1."""
    return data


#: ``MIGRATIONS[n]`` turns a version-``n`` dict into a version-``n + 1`` dict.
MIGRATIONS: dict[int, Migration] = {0: _from_unversioned}


def _describe(text: str, **extra: Any) -> dict[str, Any]:
    return {"description": text, **extra}


@dataclasses.dataclass
class Settings:
    """Every setting the app keeps, with its default. Profiles are typed by coachadmin.profiles."""

    schema_version: int = dataclasses.field(
        default=SCHEMA_VERSION, metadata=_describe("Layout version of this file.")
    )
    profiles: dict[str, dict[str, Any]] = dataclasses.field(
        default_factory=dict,
        metadata=_describe("Connection profiles by name (no secrets: those are in the keychain)."),
    )
    active_profile: str | None = dataclasses.field(
        default=None, metadata=_describe("The profile the app opens with.")
    )
    resume_uploads_at_start: bool = dataclasses.field(
        default=True, metadata=_describe("Offer to resume unfinished uploads when the app starts.")
    )
    upload_part_size_mib: int | None = dataclasses.field(
        default=None,
        metadata=_describe(
            "Multipart part size in MiB; empty means the transfer engine's default.",
            minimum=5,
            maximum=5 * 1024,
        ),
    )
    transfer_concurrency: int | None = dataclasses.field(
        default=None,
        metadata=_describe(
            "Parts transferred at once; empty means the transfer engine's default.",
            minimum=1,
            maximum=64,
        ),
    )
    backend_url: str | None = dataclasses.field(
        default=None,
        metadata=_describe(
            "The platform backend last signed in to (its token is in the keychain, not here)."
        ),
    )
    backend_email: str | None = dataclasses.field(
        default=None, metadata=_describe("The email last used to sign in to the backend.")
    )
    check_for_updates: bool = dataclasses.field(
        default=True,
        metadata=_describe("Look for a newer internal release at start (never during a transfer)."),
    )
    update_feed_url: str | None = dataclasses.field(
        default=None,
        metadata=_describe(
            "Where the release feed is; empty means the one this build was made with."
        ),
    )
    #: Keys from the file that this version does not know, written back as they were.
    unknown: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)
    #: What went wrong while loading, in words for a person (not saved).
    notices: list[str] = dataclasses.field(default_factory=list, repr=False)


_INTERNAL = frozenset({"unknown", "notices"})


class SettingsError(UserFacingError):
    """The settings file cannot be written."""


def setting_fields() -> list[dataclasses.Field[Any]]:
    """The declared settings, in order (for documentation and a settings dialog)."""
    return [f for f in dataclasses.fields(Settings) if f.name not in _INTERNAL]


_SCALARS: dict[Any, Callable[[Any], bool]] = {
    type(None): lambda v: v is None,
    bool: lambda v: isinstance(v, bool),
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    str: lambda v: isinstance(v, str),
    Any: lambda _v: True,
}


def _matches(value: Any, expected: Any) -> bool:
    """Whether a JSON value fits a declared type (``int | None``, ``dict[str, dict]``...)."""
    if expected in _SCALARS:
        return bool(_SCALARS[expected](value))
    origin = typing.get_origin(expected)
    args = typing.get_args(expected)
    if origin in (types.UnionType, typing.Union):
        return any(_matches(value, arg) for arg in args)
    if origin is dict:
        return isinstance(value, dict) and all(
            _matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items()
        )
    if origin is list:
        return isinstance(value, list) and all(_matches(v, args[0]) for v in value)
    return False


def _in_range(value: Any, meta: typing.Mapping[str, Any]) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return True
    low: int = meta.get("minimum", value)
    high: int = meta.get("maximum", value)
    return low <= value <= high


def _backup(path: Path, reason: str, *, move: bool = False) -> Path:
    """Keep a copy of ``path`` next to it (``settings.json.<reason>-<time>``); move it if asked."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{reason}-{stamp}-{counter}")
        counter += 1
    if move:
        path.replace(target)
    else:
        target.write_bytes(path.read_bytes())
    return target


def _migrate(data: dict[str, Any], path: Path, notices: list[str]) -> tuple[dict[str, Any], bool]:
    """Bring ``data`` to :data:`SCHEMA_VERSION`; the flag says whether anything changed."""
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        notices.append(f"The settings file had an invalid schema_version ({version!r}).")
        data["schema_version"] = SCHEMA_VERSION
        return data, False
    if version > SCHEMA_VERSION:
        log.warning(
            "settings file %s is schema %d, newer than this app's %d: unknown keys are kept",
            path,
            version,
            SCHEMA_VERSION,
        )
        return data, False
    if version == SCHEMA_VERSION:
        return data, False
    backup = _backup(path, f"v{version}")
    log.info("settings: migrating %s from schema %d (copy at %s)", path, version, backup)
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](dict(data))
        version += 1
    data["schema_version"] = SCHEMA_VERSION
    return data, True


def _from_dict(data: dict[str, Any], notices: list[str]) -> Settings:
    hints = typing.get_type_hints(Settings)
    values: dict[str, Any] = {}
    for spec in setting_fields():
        if spec.name not in data:
            continue
        value = data[spec.name]
        if _matches(value, hints[spec.name]) and _in_range(value, spec.metadata):
            values[spec.name] = value
        else:
            notices.append(
                f"The setting '{spec.name}' had an invalid value ({value!r}); "
                "its default is used instead."
            )
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = {k: v for k, v in data.items() if k not in known}
    return Settings(**values, unknown=unknown, notices=notices)


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; defaults when there is none. Never raises for a bad file."""
    notices: list[str] = []
    if path is None:
        try:
            path = paths.settings_path()
        except paths.AppFolderUnavailable as error:  # nothing was ever saved there
            log.warning("settings: %s", error)
            return Settings(notices=[str(error)])
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        notices.append(f"The settings file {path} could not be read ({error}); defaults are used.")
        log.warning("settings: %s", notices[-1])
        return Settings(notices=notices)
    try:
        data = parse_json(raw.decode("utf-8"))  # not UTF-8 is damage too (a ValueError)
        if not isinstance(data, dict):
            raise ValueError("the top level is not an object")
    except ValueError as error:
        backup = _backup(path, "corrupt", move=True)
        notices.append(
            f"The settings file was damaged ({error}); it was kept as {backup} "
            "and the app starts with default settings. Your saved passwords and keys "
            "are in the system keychain and are not affected."
        )
        log.warning("settings: %s", notices[-1])
        return Settings(notices=notices)
    data, migrated = _migrate(data, path, notices)
    settings = _from_dict(data, notices)
    for notice in notices:
        log.warning("settings: %s", notice)
    if migrated:  # write the new layout once, so the migration (and its backup) runs once
        save_settings(settings, path)
    return settings


def to_dict(settings: Settings) -> dict[str, Any]:
    """The JSON object that :func:`save_settings` writes."""
    data: dict[str, Any] = dict(settings.unknown)
    for spec in setting_fields():
        data[spec.name] = getattr(settings, spec.name)
    return data


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically (temp file + rename): a crash leaves the old file or the new one."""
    path = path or paths.settings_path()
    text = json.dumps(to_dict(settings), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if contains_known_secret(text):
        # A bug, not a user error: a secret must never reach the settings file.
        raise SettingsError(
            "Refusing to save the settings: they would contain a password or key. "
            "Please report this as a bug (the log has no detail of the secret)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SettingsError(f"The settings could not be saved to {path}: {error}") from error
    log.debug("settings saved to %s", path)


def update_settings(change: Callable[[Settings], None], path: Path | None = None) -> Settings:
    """Load, apply ``change``, save; returns the saved settings (read-modify-write in one place)."""
    settings = load_settings(path)
    change(settings)
    save_settings(settings, path)
    return settings
