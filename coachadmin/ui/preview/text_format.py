"""How the preview writes sizes, times and dates for people."""

from __future__ import annotations

from datetime import datetime


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
