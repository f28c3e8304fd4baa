"""Is there a newer internal release? The feed, the comparison, and a verified download.

coachadmin is distributed internally, not through a store: a release publishes a small
JSON feed beside its installers (``build/publish_release.py`` writes it)::

    {"version": "0.3.0", "notes": "What changed, in a sentence or two.",
     "installers": [{"platform": "windows-x64", "name": "coachadmin-0.3.0-windows-x64-setup.exe",
                     "url": "https://…", "sha256": "…", "size": 93000000}, …]}

The app reads it from the URL in the settings (``update_feed_url``) or, when that is
empty, the one the build was made with (``resources/update-feed.txt``, written by the
build when ``COACHADMIN_UPDATE_FEED`` is set); without either, it never looks. An
installer is kept only when its SHA-256 is the feed's.
"""

from __future__ import annotations

import hashlib
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from coachadmin import __version__
from coachadmin.errors import UserFacingError
from coachadmin.json_text import parse_json
from coachadmin.resource_path import resource
from coachadmin.settings import Settings

#: A feed is a few hundred bytes; anything far larger is not one.
FEED_LIMIT = 64 * 1024
FEED_TIMEOUT = 10.0
_CHUNK = 1024 * 1024
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:(a|b|rc)(\d+))?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UpdateError(UserFacingError):
    """The feed or the download could not be used (said in one line; nothing kept)."""


@dataclass(frozen=True)
class Update:
    version: str
    notes: str
    name: str
    url: str
    sha256: str
    size: int | None


def version_key(text: str) -> tuple[int, int, int, int, int]:
    """Orders ``0.2.0a1 < 0.2.0b1 < 0.2.0rc1 < 0.2.0 < 0.2.1`` (the versions releases use)."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise ValueError(f"'{text}' is not a release version")
    major, minor, micro, stage, number = match.groups()
    rank = {"a": 0, "b": 1, "rc": 2, None: 3}[stage]
    return (int(major), int(minor), int(micro or 0), rank, int(number or 0))


def this_platform() -> str:
    """The feed's name for this computer's installers, as the release files are named."""
    machine = platform.machine().lower()
    if sys.platform == "win32":
        return "windows-x64"
    if sys.platform == "darwin":
        return f"macos-{'arm64' if machine in ('arm64', 'aarch64') else 'x86_64'}"
    return f"linux-{'aarch64' if machine in ('arm64', 'aarch64') else 'x86_64'}"


def feed_url(settings: Settings) -> str | None:
    """Where to look, or None when updates are off or this build names no feed."""
    if not settings.check_for_updates:
        return None
    if settings.update_feed_url:
        return settings.update_feed_url.strip() or None
    built_in = resource("update-feed.txt")
    if built_in.is_file():
        return built_in.read_text(encoding="utf-8").strip() or None
    return None


def read_feed(url: str, session: requests.Session | None = None) -> bytes:
    """The feed's bytes: at most FEED_LIMIT, within FEED_TIMEOUT."""
    http = session or requests.Session()
    try:
        with http.get(url, timeout=FEED_TIMEOUT, stream=True, allow_redirects=True) as answer:
            if answer.status_code != 200:
                raise UpdateError(f"The release feed at {url} answered HTTP {answer.status_code}.")
            body = b""
            for chunk in answer.iter_content(8192):
                body += chunk
                if len(body) > FEED_LIMIT:
                    raise UpdateError(f"The release feed at {url} is too large to be one.")
            return body
    except requests.RequestException as error:
        raise UpdateError(f"The release feed at {url} cannot be reached ({error}).") from None


def newer_release(
    feed: bytes, *, current: str = __version__, platform_name: str | None = None
) -> Update | None:
    """The feed's release for this platform if it is newer than ``current``; else None."""
    try:
        data = parse_json(feed.decode("utf-8"))
        version = str(data["version"])
        newer = version_key(version) > version_key(current)
        notes = str(data.get("notes") or "")
        installers = data["installers"]
        if not isinstance(installers, list):
            raise TypeError("installers is not a list")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UpdateError(f"The release feed is not one coachadmin can read ({error}).") from None
    if not newer:
        return None
    wanted = platform_name or this_platform()
    for item in installers:
        if not isinstance(item, dict) or item.get("platform") != wanted:
            continue
        sha256 = str(item.get("sha256", "")).lower()
        url, name = str(item.get("url", "")), str(item.get("name", ""))
        if not _SHA256.match(sha256) or not url.startswith(("https://", "http://")) or not name:
            raise UpdateError(
                f"The release feed's {wanted} installer has no usable link or SHA-256."
            )
        size = item.get("size")
        return Update(
            version,
            notes[:500],
            Path(name).name,
            url,
            sha256,
            size if isinstance(size, int) else None,
        )
    return None


def download(
    update: Update,
    folder: Path,
    *,
    progress: Callable[[int, int | None], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    session: requests.Session | None = None,
) -> Path:
    """Download the installer into ``folder``, verified against the feed's SHA-256.

    The bytes go to ``NAME.part`` and become ``NAME`` only once their SHA-256 matches;
    a mismatch, a cancel or a failure leaves nothing behind.
    """
    http = session or requests.Session()
    target = folder / update.name
    partial = folder / f"{update.name}.part"
    digest = hashlib.sha256()
    done = 0
    try:
        with http.get(update.url, timeout=30, stream=True) as answer:
            if answer.status_code != 200:
                raise UpdateError(
                    f"The installer of coachadmin {update.version} could not be downloaded "
                    f"(HTTP {answer.status_code}); try again later."
                )
            with partial.open("wb") as handle:
                for chunk in answer.iter_content(_CHUNK):
                    if cancelled():
                        raise UpdateError("The download was cancelled.")
                    handle.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, update.size)
        if digest.hexdigest() != update.sha256:
            raise UpdateError(
                f"The downloaded installer of coachadmin {update.version} does not match the "
                "release's SHA-256, so it was deleted. Try again later, and tell whoever "
                "publishes coachadmin if it happens again."
            )
        partial.replace(target)
        return target
    except requests.RequestException as error:
        raise UpdateError(
            f"The installer of coachadmin {update.version} could not be downloaded ({error}); "
            "try again later."
        ) from None
    except OSError as error:
        raise UpdateError(
            f"The installer could not be saved in {folder}: {error.strerror}."
        ) from None
    finally:
        partial.unlink(missing_ok=True)
