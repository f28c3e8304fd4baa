"""Presigned URLs against moto over HTTP: SigV4, the expiry, and the object's bytes."""

from __future__ import annotations

import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from botocore.credentials import RefreshableCredentials

from coachadmin.errors import UsageError
from coachadmin.s3.client import make_client, make_session
from coachadmin.s3.presign import credentials_expiry, presign_get
from coachadmin.s3.settings import S3Settings

REGION = "eu-north-1"


@pytest.fixture
def bucket(s3_server: str) -> str:
    name = f"presign-{uuid.uuid4().hex[:12]}"
    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_object(Bucket=name, Key="videos/intro.mp4", Body=b"\x00\x01movie bytes")
    return name


def test_presigned_url_is_sigv4_for_the_region_and_returns_the_bytes(
    s3_server: str, bucket: str
) -> None:
    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    before = datetime.now(UTC)
    link = presign_get(client, bucket, "videos/intro.mp4", timedelta(minutes=15))

    query = parse_qs(urlsplit(link.url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["900"]
    assert f"/{REGION}/s3/aws4_request" in query["X-Amz-Credential"][0]
    assert "X-Amz-Signature" in query
    assert (
        before + timedelta(minutes=15)
        <= link.expires_at
        <= datetime.now(UTC) + timedelta(minutes=15)
    )
    assert link.warning() is None

    response = requests.get(link.url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"\x00\x01movie bytes"


def test_download_name_sets_content_disposition(s3_server: str, bucket: str) -> None:
    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    link = presign_get(client, bucket, "videos/intro.mp4", download_name="Intro lesson.mp4")
    response = requests.get(link.url, timeout=10)
    assert response.headers["Content-Disposition"] == 'attachment; filename="Intro lesson.mp4"'


@pytest.mark.parametrize("name", ["Café \u2013 intro.mp4", "中文课程.mp4", 'say "hi"\\.mp4'])
def test_a_name_iso_8859_1_cannot_write_is_sent_as_rfc_6266_says(
    s3_server: str, bucket: str, name: str
) -> None:
    """S3 refuses a response header ISO-8859-1 cannot write (400 InvalidArgument): the
    link carries an ASCII name and the real one as filename*, and works."""
    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    key = f"videos/{name}"
    client.put_object(Bucket=bucket, Key=key, Body=b"lesson bytes")
    link = presign_get(client, bucket, key, download_name=name)
    disposition = parse_qs(urlsplit(link.url).query)["response-content-disposition"][0]
    disposition.encode("ascii")  # all of it
    response = requests.get(link.url, timeout=10)
    assert response.status_code == 200 and response.content == b"lesson bytes"
    header = response.headers["Content-Disposition"]
    assert header == disposition and header.startswith('attachment; filename="')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == name


@pytest.mark.parametrize("key", ["videos/../intro.mp4", "videos/./intro.mp4", "../up.mp4"])
def test_a_key_with_dot_folders_gets_a_link_that_works_as_sent_and_a_warning(
    s3_server: str, bucket: str, key: str
) -> None:
    """S3 signs the path as it is; browsers, Qt and requests drop '.' and '..' parts before
    they ask. The link works as sent (urllib sends it so), and the user is told."""
    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    client.put_object(Bucket=bucket, Key=key, Body=b"dotted")
    link = presign_get(client, bucket, key)
    with urllib.request.urlopen(link.url, timeout=10) as response:
        assert response.read() == b"dotted"
    warning = link.warning()
    assert warning is not None and "'.' or '..' folder part" in warning
    assert "renaming the object" in warning


def test_more_than_seven_days_is_refused(s3_server: str, bucket: str) -> None:
    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    with pytest.raises(UsageError, match="7 days"):
        presign_get(client, bucket, "videos/intro.mp4", timedelta(days=8))


def test_temporary_credentials_shorten_the_link_and_the_user_is_told(s3_server: str) -> None:
    session = make_session(S3Settings(region=REGION))
    soon = datetime.now(UTC) + timedelta(minutes=30)
    session._session._credentials = RefreshableCredentials.create_from_metadata(
        metadata={
            "access_key": "testing",
            "secret_key": "testing",
            "token": "testing-session-token",
            "expiry_time": soon.isoformat(),
        },
        refresh_using=dict,
        method="test",
    )
    expiry = credentials_expiry(session)
    assert expiry is not None
    assert expiry.exact and abs((expiry.at - soon).total_seconds()) < 1

    client = make_client(S3Settings(endpoint_url=s3_server, region=REGION))
    link = presign_get(
        client, "any-bucket", "videos/a.mp4", timedelta(days=1), credentials_expire_at=expiry
    )
    assert link.limited_by_credentials
    assert link.effective_expires_at == expiry.at
    warning = link.warning()
    assert warning is not None
    assert "temporary AWS credentials" in warning


def test_long_term_keys_have_no_expiry() -> None:
    assert credentials_expiry(make_session(S3Settings(region=REGION))) is None


@pytest.mark.parametrize(
    ("region", "bucket", "host", "path"),
    [
        ("eu-north-1", "coach-media", "coach-media.s3.eu-north-1.amazonaws.com", "/videos/a.mp4"),
        ("us-east-1", "coach-media", "coach-media.s3.us-east-1.amazonaws.com", "/videos/a.mp4"),
        (
            "ap-southeast-2",
            "coach-media",
            "coach-media.s3.ap-southeast-2.amazonaws.com",
            "/videos/a.mp4",
        ),
        # A dotted name would not match the bucket host's TLS certificate: path style.
        (
            "eu-north-1",
            "media.coach.example",
            "s3.eu-north-1.amazonaws.com",
            "/media.coach.example/videos/a.mp4",
        ),
    ],
)
def test_links_to_aws_use_the_buckets_regional_host_and_are_signed_for_its_region(
    region: str, bucket: str, host: str, path: str
) -> None:
    """Never the global bucket.s3.amazonaws.com: eu-north-1 refuses links signed for it there
    (SignatureDoesNotMatch) and a bucket younger than a day redirects (boto/boto3#2989, #1982)."""
    client = make_client(S3Settings(region=region, access_key="AKIATEST", secret_key="testing"))
    link = presign_get(client, bucket, "videos/a.mp4", timedelta(hours=1))
    parts = urlsplit(link.url)
    assert (parts.scheme, parts.hostname, parts.path) == ("https", host, path)
    credential = parse_qs(parts.query)["X-Amz-Credential"][0]
    assert credential.split("/")[2:4] == [region, "s3"]
