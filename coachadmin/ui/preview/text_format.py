"""How the preview writes sizes, times and dates for people."""

from __future__ import annotations

from datetime import datetime

_UNITS = ("bytes", "KB", "MB", "GB", "TB")


def human_size(size: int) -> str:
    """``2.3 MB`` (decimal units, as file managers show them); exact bytes below 1 KB."""
    if size < 1000:
        return f"{size} bytes" if size != 1 else "1 byte"
    value = float(size)
    for unit in _UNITS[1:]:
        value /= 1000
        if value < 1000 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def clock(ms: int) -> str:
    """A playback position: ``0:07``, ``12:34``, ``1:02:03``."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def local_time(moment: datetime | None) -> str:
    """In the computer's time zone; S3 gives UTC."""
    if moment is None:
        return "unknown"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
