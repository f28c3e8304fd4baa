"""A refused HeadObject is explained: its answer has no body, so one GET of byte 0 is.

moto over HTTP with its IAM checks on (``enable_iam_authentication``): an unknown
access key and a wrong secret are refused with 403 and no body on HEAD, named on GET.
A skewed clock is played by the fault proxy with AWS's answers (moto ignores time).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from moto.core.authorization import enable_iam_authentication

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.download import DownloadRequest, prepare_download
from coachadmin.transfers.errors import ClockSkew, CredentialsExpired
from coachadmin.transfers.journal import Journal
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.motoiam import restricted_user
from tests.support.transfers import make_bucket

SKEWED = (
    b"<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request "
    b"time and the current time is too large.</Message></Error>"
)


def download_as(endpoint: str, bucket: str, keys: tuple[str, str], dest: Path) -> None:
    settings = S3Settings(endpoint_url=endpoint, access_key=keys[0], secret_key=keys[1])
    client = make_client(settings)
    request = DownloadRequest(bucket, "obj", dest)
    with enable_iam_authentication():
        prepare_download(Journal(), client, settings, request, TransferConfig(max_attempts=1))


@pytest.fixture
def bucket(s3_server: str) -> str:
    name = make_bucket(s3_server)
    make_client(S3Settings(endpoint_url=s3_server)).put_object(Bucket=name, Key="obj", Body=b"x")
    return name


def test_an_unknown_access_key_is_named_not_called_access_denied(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    with pytest.raises(CredentialsExpired, match="InvalidAccessKeyId"):
        download_as(
            s3_server, bucket, ("AKIAUNKNOWN000000000", "FAKEsecret-unknown-0000"), tmp_path / "o"
        )


def test_a_wrong_secret_is_named_not_called_access_denied(
    s3_server: str, bucket: str, tmp_path: Path
) -> None:
    access_key, _secret = restricted_user(s3_server, bucket, ["s3:GetObject"])
    with pytest.raises(CredentialsExpired, match="SignatureDoesNotMatch"):
        download_as(s3_server, bucket, (access_key, "FAKEsecret-wrong-0000"), tmp_path / "o")


def test_a_skewed_clock_is_named(
    proxy: FaultProxy, s3_server: str, bucket: str, tmp_path: Path
) -> None:
    proxy.add_fault(lambda r: r.method == "HEAD", Fault("status", code=403, body=b""))
    proxy.add_fault(lambda r: r.method == "GET", Fault("status", code=403, body=SKEWED))
    settings = S3Settings(endpoint_url=proxy.url)
    request = DownloadRequest(bucket, "obj", tmp_path / "o")
    with pytest.raises(ClockSkew):
        prepare_download(
            Journal(), make_client(settings), settings, request, TransferConfig(max_attempts=1)
        )
