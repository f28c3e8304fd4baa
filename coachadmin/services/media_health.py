"""Media health of linked videos, read from S3 with ranged GETs of their first and last bytes.

At most :data:`~coachadmin.media.health.READ_BUDGET` bytes per object (a few requests:
the head, then the tail when the index is there), never the whole object; several
objects side by side through :func:`coachadmin.bounded.run_each`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from coachadmin.bounded import run_each
from coachadmin.media.health import READ_BUDGET, MediaHealth, judge
from coachadmin.media.source import RangedSource

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.backend")

IN_FLIGHT = 8


class _ObjectRanges:
    """``fetch(offset, length)`` for one object; keeps the Content-Type of its first answer."""

    def __init__(self, s3: S3Client, bucket: str, key: str) -> None:
        self._s3, self._bucket, self._key = s3, bucket, key
        self.content_type: str | None = None

    def __call__(self, offset: int, length: int) -> bytes:
        answer = self._s3.get_object(
            Bucket=self._bucket, Key=self._key, Range=f"bytes={offset}-{offset + length - 1}"
        )
        if self.content_type is None:
            self.content_type = answer.get("ContentType")
        return answer["Body"].read()


def object_health(
    s3: S3Client, bucket: str, key: str, size: int, *, budget: int = READ_BUDGET
) -> MediaHealth:
    """The health of ``s3://bucket/key`` (``size`` bytes, as listed); raises S3's errors."""
    if size == 0:  # nothing to read: empty is all there is to say
        return judge(RangedSource(lambda _offset, _length: b"", 0, budget=budget), None)
    ranges = _ObjectRanges(s3, bucket, key)
    source = RangedSource(ranges, size, budget=budget)
    source.read(0, 1)  # the head first: it brings the Content-Type along
    return judge(source, ranges.content_type)


def health_of(
    s3: S3Client, bucket: str, objects: Iterable[tuple[str, int]]
) -> dict[str, MediaHealth]:
    """The health of each ``(key, size)``; a key S3 would not read is left out (and logged).

    ``objects`` is read lazily, one item per free slot: a generator fed by a listing
    lets the reads start with its first page."""
    found: dict[str, MediaHealth] = {}

    def check(item: tuple[str, int]) -> None:
        key, size = item
        try:
            found[key] = object_health(s3, bucket, key, size)
        except (ClientError, BotoCoreError) as error:
            log.warning("media health of s3://%s/%s not read: %s", bucket, key, error)

    run_each(objects, check, in_flight=IN_FLIGHT, name="media-health")
    return found
