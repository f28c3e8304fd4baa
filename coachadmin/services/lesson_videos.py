"""What may become a lesson's video: an object in the platform's bucket, that is a video.

The backend keeps a lesson's video as a key alone and plays every key from the one
bucket the platform is configured with. A key of another bucket would be stored
without its bucket, and the lesson would be broken for every student (what
``check-links`` calls broken); a file or an object that holds no video plays nowhere
(what ``check-links`` calls "not a video"); a key outside any folder (no ``/``) is what
the platform takes for a legacy Cloudflare Stream id, and plays to no student (what
``check-links`` calls legacy). ``coachadmin link``, ``upload-link`` and the window call
these checks before they upload or link anything.

"Not a video" means here what it means to the link check
(:mod:`coachadmin.services.media_health`): the first bytes are no video container a
player reads (MP4, QuickTime, Matroska, WebM), or the object is empty. A file to upload
must also be named like a video (:data:`VIDEO_SUFFIXES`): its name becomes the key's
extension, and the upload gives the object its type from the probe of such files only.

The platform's bucket is the bucket of the saved connection for the backend: the active
connection, unless it names another backend; else the one saved connection that names
this backend. With no such connection (a script driven by the environment alone),
nothing says which bucket is the platform's, and the one given is taken as it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from coachadmin.display import printable
from coachadmin.errors import UsageError, UserFacingError
from coachadmin.media.health import Issue, MediaHealth
from coachadmin.media.probe import probe_file
from coachadmin.media.verdict import VIDEO_SUFFIXES
from coachadmin.profiles import Profile, active_profile, list_profiles
from coachadmin.services.sign_in import normalize_api_url
from coachadmin.settings import Settings, load_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "VIDEO_SUFFIXES",
    "NotAVideo",
    "NotAVideoObject",
    "NotInAFolder",
    "OtherBucket",
    "is_video_name",
    "platform_connection",
    "refuse_not_video_file",
    "refuse_not_video_name",
    "refuse_not_video_object",
    "refuse_other_bucket",
    "refuse_root_key",
]

#: "Not a video" to the link check: these issues mean nothing can play the object at all.
UNPLAYABLE = frozenset({Issue.NOT_VIDEO, Issue.EMPTY})

_COMMON_FIRST = (".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm")
_SUFFIXES = [s for s in _COMMON_FIRST if s in VIDEO_SUFFIXES]
_SUFFIXES += sorted(VIDEO_SUFFIXES - set(_COMMON_FIRST))
_SUFFIXES_TEXT = ", ".join(_SUFFIXES[:-1]) + f" or {_SUFFIXES[-1]}"


class OtherBucket(UsageError):
    """The video is in another bucket than the platform's (exit status 2)."""


class NotAVideo(UsageError):
    """The file or key given is not a video (exit status 2: the argument cannot work)."""


class NotAVideoObject(UserFacingError):
    """The object in the bucket holds no video (exit status 1, as for a missing object)."""


class NotInAFolder(UsageError):
    """The key is at the bucket's root, where the platform sees a legacy id (exit status 2)."""


def _same_url(one: str, other: str) -> bool:
    try:
        return normalize_api_url(one) == normalize_api_url(other)
    except UsageError:  # a saved URL that is no URL names no backend
        return False


def platform_connection(api_url: str | None, settings: Settings | None = None) -> Profile | None:
    """The saved connection whose bucket holds the videos of the backend at ``api_url``, or
    None when no saved connection says (see the module's docstring)."""
    settings = settings or load_settings()
    active = active_profile(settings)
    if active is not None and (
        not active.api_url or api_url is None or _same_url(active.api_url, api_url)
    ):
        return active
    if api_url is None:
        return None
    named = [p for p in list_profiles(settings) if p.api_url and _same_url(p.api_url, api_url)]
    if len({profile.bucket for profile in named}) != 1:
        return None  # none, or several that disagree: nothing says which
    return named[0]


def refuse_other_bucket(bucket: str, key: str | None, platform: Profile | None) -> None:
    """OtherBucket unless ``bucket`` is the ``platform`` connection's (or none is known)."""
    if platform is None or bucket == platform.bucket:
        return
    rule = (
        f"lessons' videos must be in s3://{platform.bucket}/ (the bucket of the connection "
        f"'{platform.name}'), because the backend keeps only the key and plays it from there."
    )
    if key is None:
        raise OtherBucket(
            f"{bucket} is not the platform's bucket: {rule} Pass --bucket {platform.bucket}."
        )
    raise OtherBucket(
        f"s3://{bucket}/{printable(key)} is in another bucket than the platform's: {rule} "
        f"Copy the video there first (coachadmin upload FILE s3://{platform.bucket}/videos/), "
        "or upload and link it in one step with coachadmin upload-link."
    )


def refuse_root_key(key: str) -> None:
    """NotInAFolder for a key with no ``/``: the platform takes such a video id for a
    legacy Cloudflare Stream id and streams it to no student (``check-links`` calls such
    a lesson legacy)."""
    if "/" in key:
        return
    raise NotInAFolder(
        f"{printable(key)} is at the top of the bucket, outside any folder: the platform takes "
        "a video id with no '/' for an old Cloudflare Stream id and plays it to no student. "
        f"Put the video in a folder first (as videos/{printable(key)}), then link that."
    )


def is_video_name(name: str) -> bool:
    """Whether a file name or key has a lesson video's extension."""
    return PurePosixPath(name.replace("\\", "/")).suffix.lower() in VIDEO_SUFFIXES


def refuse_not_video_name(key: str) -> None:
    """NotAVideo for a key not named like a video (for ``link --no-check``, which reads
    nothing that could tell otherwise)."""
    if is_video_name(key):
        return
    raise NotAVideo(
        f"{printable(key)} is not named like a video ({_SUFFIXES_TEXT}), and --no-check "
        "reads nothing to tell otherwise. Link a video's key, or leave out --no-check to "
        "have the object's content checked."
    )


def refuse_not_video_file(path: Path) -> None:
    """NotAVideo for a file that is not a lesson video: not named like one, or holding
    no video container (the same probe as the link check's); a message, too, for one that
    cannot be read."""
    try:
        _refuse_not_video_file(path)
    except OSError as error:
        raise UserFacingError(f"{path} cannot be read: {error.strerror or error}") from None


def _refuse_not_video_file(path: Path) -> None:
    name = printable(path.name)
    if not is_video_name(path.name):
        raise NotAVideo(
            f"{name} is not a video: lessons play {_SUFFIXES_TEXT} files. Nothing was "
            "uploaded. Choose the lesson's video file, or export the video as MP4 "
            "(H.264 and AAC) first."
        )
    if not probe_file(path).is_media:
        raise NotAVideo(
            f"{name} holds no video a player can read (its first bytes are no MP4, "
            "QuickTime or Matroska container). Nothing was uploaded. Check that it is the "
            "right file, or export the video again as MP4 (H.264 and AAC)."
        )


def refuse_not_video_object(s3: S3Client, bucket: str, key: str, size: int) -> MediaHealth:
    """The media health of ``s3://bucket/key`` (``size`` bytes), read as the link check reads
    it (its first and last bytes, at most 256 KiB); NotAVideoObject when it holds no video
    or is empty. Raises S3's errors."""
    from coachadmin.services.media_health import object_health  # noqa: PLC0415 - botocore

    health = object_health(s3, bucket, key, size)
    if UNPLAYABLE.isdisjoint(health.issues):
        return health
    where = f"s3://{bucket}/{printable(key)}"
    if Issue.EMPTY in health.issues:
        why = "is empty (0 bytes)"
    else:
        why = "is not a video (its first bytes are no video container a player can read)"
    raise NotAVideoObject(f"{where} {why}, so students could not play it. Link a video instead.")
