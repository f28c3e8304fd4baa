"""Is the downloaded file the object? Its checksum where S3 shows one, else its ETag
where that is an MD5, else its size alone (and the user is told so).

An ETag is the MD5 of the content (``md5(concat(part MD5s))-N`` for a multipart
object) only without encryption or under SSE-S3; under SSE-KMS and SSE-C it is not
(the HeadObject answer says which), and some S3-compatible servers make their own.
The object's stored checksum (HeadObject with ``ChecksumMode=ENABLED``) is preferred
whatever the encryption: full-object, or composite (``VALUE-N``) over the original
parts, whose sizes the caller asks the server for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from coachadmin.s3.objects import ObjectInfo
from coachadmin.transfers import integrity, object_checksums
from coachadmin.transfers.errors import IntegrityError

#: What the user is told when nothing but the size could be checked.
NO_CHECKSUM = "size checked; this server gives no checksum"


def verify_download(
    temp: Path, where: str, info: ObjectInfo, part_sizes: Callable[[int], list[int]]
) -> str:
    """Check ``temp`` against the object ``info``: ``checksum``, ``etag`` or ``size``.

    ``part_sizes(n)`` gives the sizes of the object's ``n`` original parts. A mismatch
    is an :class:`IntegrityError`.
    """
    size = temp.stat().st_size
    if size != info.size:
        raise IntegrityError(f"{where}: got {size} bytes, expected {info.size}")
    etag = integrity.clean_etag(info.etag)
    algorithm = next((a for a in object_checksums.PREFERRED if a in info.checksums), None)
    if algorithm is not None:
        ways = _ways(info, algorithm, etag)
        if ways:
            value = info.checksums[algorithm].partition("-")[0]
            for count in ways:
                if count:
                    got = object_checksums.composite(temp, algorithm, part_sizes(count))
                else:
                    got = object_checksums.full_object(temp, algorithm, size)
                if got.partition("-")[0] == value:
                    return "checksum"
            raise IntegrityError(
                f"{where}: the downloaded bytes do not match the object's {algorithm} "
                "checksum; download it again"
            )
    if not info.etag_is_md5 or not integrity.is_md5_etag(etag):
        return "size"
    parts = etag.partition("-")[2]
    sizes = part_sizes(int(parts)) if parts else [size]
    md5s = [d.hex() for d in object_checksums.file_digests(temp, "MD5", sizes)]
    if (integrity.multipart_etag(md5s) if parts else md5s[0]) != etag:
        raise IntegrityError(
            f"{where}: the downloaded bytes do not match the ETag; download it again"
        )
    return "etag"


def _ways(info: ObjectInfo, algorithm: str, etag: str) -> list[int]:
    """How the object's checksum may have been made: over N parts (N), over the whole (0).

    AWS shows a composite as ``VALUE-N`` with ``ChecksumType``; a server that shows
    neither leaves both readings to try, N from a multipart ETag.
    """
    count = info.checksums[algorithm].partition("-")[2] or etag.partition("-")[2]
    ways = []
    if count.isdigit() and info.checksum_type != "FULL_OBJECT":
        ways.append(int(count))
    if info.checksum_type != "COMPOSITE" and not info.checksums[algorithm].partition("-")[2]:
        ways.append(0)
    return ways
