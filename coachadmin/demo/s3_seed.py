"""The demo bucket: reset it, then fill it with what a real one holds.

The sample media (a short video, two images, subtitles) go in under the
platform's naming, several videos linked by lessons, one left orphaned for the
link checker, two that the media check names (the index at the end, HEVC); a
few hundred small plain objects spread over dated subfolders
give the browser something to page through. Everything is drawn from a fixed
seed, so every start produces the same keys: a second environment in the same
process (moto's state is process-global) recreates exactly what the first one
listed.
"""

from __future__ import annotations

import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, cast

from botocore.exceptions import ClientError

from coachadmin.resource_path import resource
from coachadmin.s3.naming import platform_key, slugify

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

log = logging.getLogger("coachadmin.demo")

FOLDERS = ("images/", "videos/", "uploads/")
SEED = 20251103
#: 2025-11-03 09:00 UTC in epoch milliseconds: the demo's "upload day".
BASE_TIMESTAMP_MS = 1_762_160_400_000
SEED_WORKERS = 8

#: Lesson videos: (original file name). All hold the sample video's bytes.
LINKED_VIDEOS = (
    "welcome.mp4",
    "active-listening.mp4",
    "powerful-questions.mp4",
    "grow-model.mp4",
    "feedback-that-lands.mp4",
)
#: Lesson videos the media check names: (original file name, the sample it holds).
MEDIA_CHECK_VIDEOS = (
    ("discovery-calls.mp4", "sample-video-moov-at-end.mp4"),  # not streamable
    ("designing-packages.mp4", "sample-video-hevc.mp4"),  # HEVC
)
ORPHAN_VIDEO = "bonus-interview.mp4"
MISSING_VIDEO = "pricing-your-offer.mp4"


@dataclass(frozen=True)
class SeededMedia:
    """What the demo backend's lessons may point at."""

    linked_videos: tuple[str, ...]  # keys that exist, for lessons to link
    orphan_video: str  # exists, linked by no lesson
    missing_video: str  # a well-formed key that does not exist
    images: tuple[str, ...]
    object_count: int


def sample_bytes(name: str) -> bytes:
    """A sample media file shipped in ``resources/sample-media``."""
    return resource("sample-media", name).read_bytes()


def reset_bucket(client: S3Client, bucket: str, region: str) -> None:
    """Delete ``bucket`` with everything in it if it exists, then create it afresh."""
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        pass
    else:
        _empty_bucket(client, bucket)
        client.delete_bucket(Bucket=bucket)
    constraint = cast("BucketLocationConstraintType", region)
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": constraint}
    )


def _empty_bucket(client: S3Client, bucket: str) -> None:
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    for upload in uploads:
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed: list[ObjectIdentifierTypeDef] = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if doomed:
            client.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})


def _media_objects(rng: random.Random, stamps: list[int]) -> tuple[dict[str, bytes], SeededMedia]:
    video = sample_bytes("sample-video.mp4")
    objects: dict[str, bytes] = {}

    def put(folder: str, name: str, body: bytes) -> str:
        key = platform_key(folder, name, timestamp_ms=stamps.pop(0), rng=rng)
        objects[key] = body
        return key

    linked = tuple(put("videos", name, video) for name in LINKED_VIDEOS)
    orphan = put("videos", ORPHAN_VIDEO, video)
    missing = platform_key("videos", MISSING_VIDEO, timestamp_ms=stamps.pop(0), rng=rng)
    images = (
        put("images", "course-cover.png", sample_bytes("sample-cover.png")),
        put("images", "coach-portrait.jpg", sample_bytes("sample-portrait.jpg")),
        put("images", "session-banner.png", sample_bytes("sample-cover.png")),
    )
    put("uploads/captions", "welcome.vtt", sample_bytes("sample-captions.vtt"))
    # After the others, so that adding them left every earlier key as it was.
    checked = tuple(
        put("videos", name, sample_bytes(sample)) for name, sample in MEDIA_CHECK_VIDEOS
    )
    media = SeededMedia((*linked, *checked), orphan, missing, images, 0)
    return objects, media


_TOPICS = (
    "goal setting", "active listening", "session plan", "client intake", "reflection",
    "feedback", "habit tracker", "values exercise", "check in", "progress review",
    "accountability", "vision board", "wheel of life", "follow up", "onboarding",
)  # fmt: skip


def _plain_object(rng: random.Random, index: int) -> tuple[str, str, bytes]:
    """(folder, original name, body): notes, session JSON or subtitles, by turns."""
    topic = rng.choice(_TOPICS)
    month = 6 + index % 7  # June to December
    folder = f"uploads/2025/{month:02d}"
    kind = index % 6
    if kind == 4:
        body = json.dumps(
            {"topic": topic, "session": index, "durationMinutes": rng.choice((30, 45, 60))},
            indent=2,
        ).encode()
        return folder, f"session-{slugify(topic)}.json", body
    if kind == 5:
        text = f"WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nLet's talk about {topic}.\n"
        return "uploads/captions", f"{slugify(topic)}.vtt", text.encode()
    lines = [f"Notes on {topic} (#{index})", "", *(f"- point {n + 1}" for n in range(kind + 2))]
    return folder, f"notes-{slugify(topic)}.txt", ("\n".join(lines) + "\n").encode()


def planned_objects(plain_objects: int) -> tuple[dict[str, bytes], SeededMedia]:
    """Every key the seed puts in the bucket with its bytes, and what lessons may link."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not security
    stamps = sorted(BASE_TIMESTAMP_MS + rng.randrange(0, 30 * 86_400_000) for _ in range(20))
    objects, media = _media_objects(rng, stamps)
    for index in range(plain_objects):
        stamp = BASE_TIMESTAMP_MS - rng.randrange(0, 150 * 86_400_000)
        folder, name, body = _plain_object(rng, index)
        objects[platform_key(folder, name, timestamp_ms=stamp, rng=rng)] = body
    return objects, replace(media, object_count=len(objects))


def seed_bucket(client: S3Client, bucket: str, region: str, *, plain_objects: int) -> SeededMedia:
    """Reset ``bucket`` and fill it; the same keys every time."""
    started = time.perf_counter()
    reset_bucket(client, bucket, region)
    objects, media = planned_objects(plain_objects)

    def upload(item: tuple[str, bytes]) -> None:
        key, body = item
        content_type = _content_type(key)
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    with ThreadPoolExecutor(SEED_WORKERS, thread_name_prefix="demo-seed") as pool:
        list(pool.map(upload, objects.items()))
    log.info(
        "seeded s3://%s with %d objects in %.2f s",
        bucket,
        len(objects),
        time.perf_counter() - started,
    )
    return media


_TYPES = {
    ".mp4": "video/mp4",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}


def _content_type(key: str) -> str:
    return _TYPES.get(PurePosixPath(key).suffix, "application/octet-stream")
