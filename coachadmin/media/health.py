"""Media health of an object already in the bucket, from its first and last bytes only.

:func:`judge` probes a :class:`~coachadmin.media.source.RangedSource` (ranged GETs within
a budget, :data:`READ_BUDGET`) and says what would stop students from playing it: empty,
not streamable (index at the end), an unusual codec, a Content-Type that is not what the
file is, not a video at all.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from coachadmin.media.probe import IndexPosition, MediaInfo, probe
from coachadmin.media.source import RangedSource
from coachadmin.media.verdict import PLAYABLE_AUDIO, PLAYABLE_VIDEO, codec_name, content_type

#: At most this many bytes are read of one object (its head, then its tail when the index is there).
READ_BUDGET = 256 * 1024


class Issue(enum.Enum):
    EMPTY = "size-zero"
    NOT_VIDEO = "not-video"
    NOT_STREAMABLE = "not-streamable"
    NO_INDEX = "no-index"
    UNUSUAL_CODEC = "unusual-codec"
    WRONG_CONTENT_TYPE = "wrong-content-type"


@dataclass(frozen=True)
class MediaHealth:
    issues: tuple[Issue, ...]
    info: MediaInfo | None  # None for an empty object
    stored_type: str | None  # the object's Content-Type
    expected_type: str | None  # what the file is
    bytes_read: int

    @property
    def healthy(self) -> bool:
        return not self.issues

    @property
    def streamable(self) -> bool | None:
        if self.info is None or self.info.index is None:
            return None
        return self.info.index is IndexPosition.FRONT

    def describe(self) -> str:
        """One line for a person: what is wrong, or that nothing is."""
        if self.healthy:
            return "Plays everywhere"
        return "; ".join(self._sentence(issue) for issue in self.issues)

    def _sentence(self, issue: Issue) -> str:
        info = self.info
        if issue is Issue.UNUSUAL_CODEC and info is not None:
            names = [
                codec_name(track.codec)
                for track, playable in ((info.video, PLAYABLE_VIDEO), (info.audio, PLAYABLE_AUDIO))
                if track is not None and track.codec not in playable
            ]
            return f"{' and '.join(names)}: does not play on every phone"
        if issue is Issue.WRONG_CONTENT_TYPE:
            return f"stored as {self.stored_type or 'no type'}, but it is {self.expected_type}"
        return _SENTENCES[issue]

    def as_json(self) -> dict[str, object]:
        info = self.info
        return {
            "healthy": self.healthy,
            "issues": [issue.value for issue in self.issues],
            "streamable": self.streamable,
            "container": info.container.value if info else None,
            "videoCodec": info.video.codec if info and info.video else None,
            "audioCodec": info.audio.codec if info and info.audio else None,
            "contentType": self.stored_type,
            "expectedContentType": self.expected_type,
            "bytesRead": self.bytes_read,
        }


_SENTENCES = {
    Issue.EMPTY: "the object is empty (0 bytes)",
    Issue.NOT_VIDEO: "not a video",
    Issue.NOT_STREAMABLE: "not streamable: moov at the end, students wait for the whole file",
    Issue.NO_INDEX: "no index (moov): incomplete or damaged, nothing can play it",
}


#: Content-Types that say the same as the one a file should have.
_SYNONYMS = {"video/mp4": {"video/mp4", "video/x-m4v"}, "video/quicktime": {"video/quicktime"}}


def _same_type(stored: str | None, expected: str) -> bool:
    base = (stored or "").split(";", 1)[0].strip().lower()
    return base in _SYNONYMS.get(expected, {expected})


def judge(source: RangedSource, stored_type: str | None) -> MediaHealth:
    """The health of the object ``source`` reads, whose Content-Type is ``stored_type``."""
    if source.size == 0:
        return MediaHealth((Issue.EMPTY,), None, stored_type, None, 0)
    info = probe(source)
    expected = content_type(info) if info.is_media else None
    issues: list[Issue] = []
    if not info.is_media:
        issues.append(Issue.NOT_VIDEO)
    elif info.index is IndexPosition.END:
        issues.append(Issue.NOT_STREAMABLE)
    elif info.index is IndexPosition.MISSING:
        issues.append(Issue.NO_INDEX)
    video, audio = info.video, info.audio
    if (video is not None and video.codec not in PLAYABLE_VIDEO) or (
        audio is not None and audio.codec not in PLAYABLE_AUDIO
    ):
        issues.append(Issue.UNUSUAL_CODEC)
    if expected is not None and not _same_type(stored_type, expected):
        issues.append(Issue.WRONG_CONTENT_TYPE)
    return MediaHealth(tuple(issues), info, stored_type, expected, source.bytes_read)
