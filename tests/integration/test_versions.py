"""A versioned bucket over HTTP: an object's versions listed, an earlier one restored."""

from __future__ import annotations

import os
import uuid

import pytest

from coachadmin.s3.client import make_client
from coachadmin.s3.copying import MiB, copy_object
from coachadmin.s3.properties import object_properties
from coachadmin.s3.settings import S3Settings
from coachadmin.s3.versions import list_versions, restore_version, versioning_status


@pytest.fixture
def versioned(s3_server: str) -> tuple[object, str]:
    client = make_client(S3Settings(endpoint_url=s3_server))
    bucket = f"ver-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return client, bucket


def test_versions_are_listed_newest_first_and_only_for_that_key(versioned) -> None:
    client, bucket = versioned
    for body in (b"first cut", b"second cut, longer", b"final"):
        client.put_object(Bucket=bucket, Key="videos/intro.mp4", Body=body)
    client.put_object(Bucket=bucket, Key="videos/intro.mp4.vtt", Body=b"captions")
    versions = list_versions(client, bucket, "videos/intro.mp4")
    assert [v.size for v in versions] == [5, 18, 9]
    assert [v.is_latest for v in versions] == [True, False, False]
    assert versioning_status(client, bucket) == "Enabled"


def test_restoring_an_earlier_version_makes_it_the_newest_and_keeps_the_others(
    versioned,
) -> None:
    client, bucket = versioned
    client.put_object(
        Bucket=bucket, Key="videos/intro.mp4", Body=b"the good take", ContentType="video/mp4"
    )
    client.put_object(Bucket=bucket, Key="videos/intro.mp4", Body=b"replaced by mistake")
    good = list_versions(client, bucket, "videos/intro.mp4")[1]
    restore_version(client, bucket, "videos/intro.mp4", good)
    body = client.get_object(Bucket=bucket, Key="videos/intro.mp4")["Body"].read()
    assert body == b"the good take"
    assert object_properties(client, bucket, "videos/intro.mp4").content_type == "video/mp4"
    after = list_versions(client, bucket, "videos/intro.mp4")
    assert len(after) == 3 and after[0].is_latest and after[0].size == len(b"the good take")


def test_a_deleted_object_shows_its_delete_marker_above_its_versions(versioned) -> None:
    client, bucket = versioned
    client.put_object(Bucket=bucket, Key="images/cover.png", Body=b"png")
    client.delete_object(Bucket=bucket, Key="images/cover.png")
    versions = list_versions(client, bucket, "images/cover.png")
    assert [v.is_delete_marker for v in versions] == [True, False]
    restore_version(client, bucket, "images/cover.png", versions[1])
    assert client.get_object(Bucket=bucket, Key="images/cover.png")["Body"].read() == b"png"


def test_a_bucket_without_versioning_says_so(s3_server: str) -> None:
    client = make_client(S3Settings(endpoint_url=s3_server))
    bucket = f"plain-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    assert versioning_status(client, bucket) == ""


def test_a_large_earlier_version_is_restored_by_multipart_copy(versioned) -> None:
    """Above CopyObject's 5 GiB (lowered here), the version's parts are copied by range."""
    client, bucket = versioned
    good = os.urandom(11 * MiB)
    client.put_object(Bucket=bucket, Key="videos/long.mp4", Body=good)
    client.put_object(Bucket=bucket, Key="videos/long.mp4", Body=b"short")
    earlier = list_versions(client, bucket, "videos/long.mp4")[1]
    copy_object(
        client, bucket, "videos/long.mp4", "videos/long.mp4",
        size=earlier.size, threshold=1, part_size=5 * MiB, source_version=earlier.version_id,
    )  # fmt: skip
    assert client.get_object(Bucket=bucket, Key="videos/long.mp4")["Body"].read() == good
