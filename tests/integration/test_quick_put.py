"""Small files after a bucket's first go the quick way (coachadmin/s3/quick_put.py): the
same request botocore would send, signed by the client's signer, sent on its pool.

moto over real HTTP, through the fault proxy where a test needs to see or break a request;
with moto's IAM checks on where the signature itself is the question.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from moto.core.authorization import enable_iam_authentication

from coachadmin.s3.client import make_client
from coachadmin.s3.quick_put import install_quick_puts
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.clients import TransferClients
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.errors import AccessDenied, CredentialsExpired, KeyExists
from tests.support.faultproxy import Fault, FaultProxy, Request
from tests.support.motoiam import restricted_user
from tests.support.transfers import SMALL, Engine, engine, get_bytes, make_bucket, write_random

DENIED = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"


def is_put(request: Request) -> bool:
    return request.method == "PUT" and "uploadId" not in request.target


def upload(eng: Engine, path: Path, bucket: str, key: str, **request: object) -> str:
    record = eng.prepare(path, bucket, key, **request)
    eng.uploader(record.id).run()
    return record.id


def warmed(eng: Engine, bucket: str, tmp_path: Path, **request: object) -> None:
    """One upload through botocore, which teaches the client the bucket's route."""
    write_random(tmp_path / "first", 1000)
    upload(eng, tmp_path / "first", bucket, "first", **request)
    assert install_quick_puts(eng.client).route(bucket) is not None


def warmed_engine(
    proxy: FaultProxy, s3_server: str, tmp_path: Path, config: TransferConfig = SMALL
) -> tuple[Engine, str]:
    """The engine through the proxy and a new bucket, its route learned."""
    eng = engine(proxy.url, config)
    bucket = make_bucket(s3_server)
    warmed(eng, bucket, tmp_path)
    return eng, bucket


def keys_in(endpoint: str, bucket: str) -> list[str]:
    listed = make_client(S3Settings(endpoint_url=endpoint)).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_files_after_the_first_go_the_quick_way_with_their_headers_and_keys(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    eng = engine(proxy.url)
    bucket = make_bucket(s3_server)
    quick = install_quick_puts(eng.client)
    keys = ["first.txt", "café/a b+c~d%e#f?.txt", "deep/dir/./x=y&z.json", "plain/notes.txt"]
    sent: dict[str, bytes] = {}
    for number, key in enumerate(keys):
        sent[key] = write_random(tmp_path / f"f{number}", 10_000 + number)
        upload(
            eng,
            tmp_path / f"f{number}",
            bucket,
            key,
            content_type="text/plain",
            cache_control="max-age=60",
            metadata={"lesson": f"l-{number}"},
        )
    assert quick.sent == len(keys) - 1  # the first went through botocore
    assert sorted(keys_in(s3_server, bucket)) == sorted(keys)
    direct = make_client(S3Settings(endpoint_url=s3_server))
    for number, key in enumerate(keys):
        assert get_bytes(s3_server, bucket, key) == sent[key]
        head = direct.head_object(Bucket=bucket, Key=key)
        assert head["ContentType"] == "text/plain"
        assert head["CacheControl"] == "max-age=60"
        assert head["Metadata"] == {"lesson": f"l-{number}"}
    puts = [r for r in proxy.stats.requests if is_put(r)]
    assert len(puts) == len(keys)
    for request in puts:  # each one conditional and checksummed, as botocore sends them
        assert request.headers.get("if-none-match") == "*"
        assert request.headers.get("content-md5")
        assert request.headers.get("expect") is None


def test_quick_puts_carry_a_signature_the_server_accepts_and_the_session_token(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    access_key, secret = restricted_user(s3_server, bucket, ["s3:PutObject"])
    settings = S3Settings(endpoint_url=s3_server, access_key=access_key, secret_key=secret)
    eng = replace(engine(s3_server), clients=_Fixed(settings))
    with enable_iam_authentication():  # moto checks every request's SigV4 signature
        for number in range(3):
            write_random(tmp_path / f"f{number}", 5000)
            # No key check: moto's IAM refuses HeadObject whatever the policy allows.
            upload(eng, tmp_path / f"f{number}", bucket, f"k{number}", overwrite=True)
    assert install_quick_puts(eng.client).sent == 2

    tokened = S3Settings(
        endpoint_url=proxy.url, access_key="testing", secret_key="testing", session_token="tok"
    )
    eng = replace(engine(proxy.url), clients=_Fixed(tokened))
    for number in range(2):
        write_random(tmp_path / f"t{number}", 5000)
        upload(eng, tmp_path / f"t{number}", bucket, f"t{number}")
    assert install_quick_puts(eng.client).sent == 1
    puts = [r for r in proxy.stats.requests if is_put(r)]
    assert [r.headers.get("x-amz-security-token") for r in puts] == ["tok", "tok"]


def test_a_quick_put_with_a_wrong_secret_is_refused_and_named(
    s3_server: str, tmp_path: Path
) -> None:
    bucket = make_bucket(s3_server)
    access_key, secret = restricted_user(s3_server, bucket, ["s3:PutObject"])
    good = S3Settings(endpoint_url=s3_server, access_key=access_key, secret_key=secret)
    eng = replace(engine(s3_server), clients=_Fixed(good))
    with enable_iam_authentication():
        warmed(eng, bucket, tmp_path, overwrite=True)
        route = install_quick_puts(eng.client).route(bucket)
        assert route is not None
        # The signer's credentials turn out wrong (rotated under the app): named, not retried.
        route.signer._credentials.secret_key = "FAKEsecret-wrong-0000"
        write_random(tmp_path / "next", 5000)
        record = eng.prepare(tmp_path / "next", bucket, "next", overwrite=True)
        with pytest.raises(CredentialsExpired, match="SignatureDoesNotMatch"):
            eng.uploader(record.id).run()
    assert "next" not in keys_in(s3_server, bucket)


def test_a_quick_put_refused_is_reported_and_one_that_fails_is_retried(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    eng, bucket = warmed_engine(proxy, s3_server, tmp_path)
    proxy.add_fault(is_put, Fault("status", code=403, body=DENIED))
    write_random(tmp_path / "denied", 5000)
    with pytest.raises(AccessDenied):
        upload(eng, tmp_path / "denied", bucket, "denied")

    proxy.add_fault(is_put, Fault("status", code=503))
    proxy.add_fault(is_put, Fault("reset", after_bytes=1000))
    data = write_random(tmp_path / "flaky", 50_000)
    upload(eng, tmp_path / "flaky", bucket, "flaky")
    assert get_bytes(s3_server, bucket, "flaky") == data
    flaky = [r for r in proxy.stats.requests if is_put(r) and r.target.endswith("/flaky")]
    # The quick first attempt, then botocore's retries, which wait for "100 Continue".
    assert [r.headers.get("expect") for r in flaky] == [None, "100-continue", "100-continue"]


def test_a_lost_reply_to_a_quick_put_is_recognised_as_our_own_object(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    eng, bucket = warmed_engine(proxy, s3_server, tmp_path, replace(SMALL, read_timeout=1.5))
    proxy.add_fault(is_put, Fault("mute"))
    data = write_random(tmp_path / "lost", 20_000)
    upload(eng, tmp_path / "lost", bucket, "lost")
    assert get_bytes(s3_server, bucket, "lost") == data


def test_a_key_taken_meanwhile_is_refused_by_the_quick_put_and_kept(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    eng, bucket = warmed_engine(proxy, s3_server, tmp_path)
    write_random(tmp_path / "mine", 5000)
    record = eng.prepare(tmp_path / "mine", bucket, "taken")  # free when checked
    make_client(S3Settings(endpoint_url=s3_server)).put_object(
        Bucket=bucket, Key="taken", Body=b"someone else's"
    )
    with pytest.raises(KeyExists):
        eng.uploader(record.id).run()
    assert get_bytes(s3_server, bucket, "taken") == b"someone else's"


def test_a_redirect_sends_the_put_again_through_botocore_and_relearns_the_route(
    proxy: FaultProxy, s3_server: str, tmp_path: Path
) -> None:
    eng, bucket = warmed_engine(proxy, s3_server, tmp_path)
    quick = install_quick_puts(eng.client)
    moved = b"<Error><Code>TemporaryRedirect</Code><Message>Please re-send</Message></Error>"
    proxy.add_fault(is_put, Fault("status", code=307, body=moved))
    data = write_random(tmp_path / "moved", 5000)
    upload(eng, tmp_path / "moved", bucket, "moved")
    assert get_bytes(s3_server, bucket, "moved") == data
    assert quick.sent == 1 and quick.route(bucket) is not None  # learned again by botocore's
    write_random(tmp_path / "after", 5000)
    upload(eng, tmp_path / "after", bucket, "after")
    assert quick.sent == 2


class _Fixed(TransferClients):
    """Clients for one set of settings, whatever the engine asks for (its endpoint only)."""

    def __init__(self, settings: S3Settings) -> None:
        super().__init__(SMALL)
        self._settings = settings

    def __call__(self, settings: S3Settings) -> object:  # type: ignore[override]
        return super().__call__(self._settings)
