"""The connection checks against moto's S3 over HTTP: right region, wrong region,
missing bucket, unreachable endpoint, and a restricted IAM user (moto enforces IAM
policies while ``enable_iam_authentication`` is on)."""

from __future__ import annotations

import socket
import uuid

from moto.core.authorization import enable_iam_authentication

from coachadmin.s3.client import make_client
from coachadmin.s3.probe import (
    PROBE_PREFIX,
    REQUIRED_ACTIONS,
    ProbeReport,
    ProbeStep,
    StepId,
    StepStatus,
    probe_connection,
)
from coachadmin.s3.settings import S3Settings
from tests.support.motoiam import restricted_user

# moto authorises HeadBucket as its own action; on AWS, s3:ListBucket covers it.
MOTO_HEAD_BUCKET = "s3:HeadBucket"


def make_bucket(endpoint: str, region: str = "eu-north-1") -> str:
    bucket = f"probe-{uuid.uuid4().hex[:12]}"
    client = make_client(S3Settings(endpoint_url=endpoint, region=region))
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    return bucket


def leftovers(endpoint: str, bucket: str) -> tuple[list[str], list[str]]:
    """Probe objects and unfinished probe uploads still in the bucket (seen as the owner)."""
    client = make_client(S3Settings(endpoint_url=endpoint, region="eu-north-1"))
    objects = client.list_objects_v2(Bucket=bucket, Prefix=PROBE_PREFIX).get("Contents", [])
    uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=PROBE_PREFIX).get("Uploads", [])
    return [o["Key"] for o in objects], [u["Key"] for u in uploads]


def statuses(report_steps: tuple[ProbeStep, ...]) -> dict[StepId, StepStatus]:
    return {step.id: step.status for step in report_steps}


def test_right_region_passes_every_step_and_leaves_nothing(s3_server: str) -> None:
    bucket = make_bucket(s3_server)
    seen: list[ProbeStep] = []
    report = probe_connection(
        S3Settings(endpoint_url=s3_server, region="eu-north-1"), bucket, on_step=seen.append
    )
    assert report.ok, [(s.id, s.message) for s in report.steps]
    assert [s.id for s in report.steps] == list(StepId)
    assert sorted(seen, key=lambda s: list(StepId).index(s.id)) == list(report.steps)
    assert report.region == "eu-north-1"
    assert report.region_corrected_from is None
    assert report.missing_actions == ()
    assert report.advice() == ""
    assert leftovers(s3_server, bucket) == ([], [])


def test_a_wrong_region_is_detected_and_corrected(s3_server: str) -> None:
    bucket = make_bucket(s3_server, "eu-north-1")
    report = probe_connection(S3Settings(endpoint_url=s3_server, region="us-east-1"), bucket)
    assert report.ok
    assert report.region == "eu-north-1"
    assert report.settings.region == "eu-north-1"
    assert report.region_corrected_from == "us-east-1"
    message = report.step(StepId.BUCKET).message
    assert "is in eu-north-1, not in us-east-1" in message


def test_no_region_at_all_is_filled_in(s3_server: str) -> None:
    bucket = make_bucket(s3_server, "ap-southeast-2")
    report = probe_connection(S3Settings(endpoint_url=s3_server), bucket)
    assert report.region == "ap-southeast-2"
    message = report.step(StepId.BUCKET).message
    assert "is in ap-southeast-2: the connection now uses that region" in message
    assert "not set" not in message


def test_a_missing_bucket_stops_the_checks(s3_server: str) -> None:
    report = probe_connection(
        S3Settings(endpoint_url=s3_server, region="eu-north-1"), f"nope-{uuid.uuid4().hex[:10]}"
    )
    assert not report.usable
    assert report.step(StepId.ENDPOINT).status is StepStatus.PASSED
    bucket = report.step(StepId.BUCKET)
    assert bucket.status is StepStatus.FAILED
    assert "There is no bucket named nope-" in bucket.message
    assert {report.step(i).status for i in list(StepId)[3:]} == {StepStatus.SKIPPED}


def test_an_unreachable_endpoint_is_said_plainly() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    report = probe_connection(
        S3Settings(endpoint_url=f"http://127.0.0.1:{port}", region="eu-north-1"), "coach-media"
    )
    endpoint = report.step(StepId.ENDPOINT)
    assert endpoint.status is StepStatus.FAILED
    assert f"Could not connect to http://127.0.0.1:{port}" in endpoint.message
    assert not report.usable


def probe_as(
    endpoint: str, bucket: str, keys: tuple[str, str], region: str = "eu-north-1"
) -> ProbeReport:
    settings = S3Settings(
        endpoint_url=endpoint, region=region, access_key=keys[0], secret_key=keys[1]
    )
    with enable_iam_authentication():
        return probe_connection(settings, bucket)


def test_a_read_only_user_is_told_what_to_ask_for(s3_server: str) -> None:
    bucket = make_bucket(s3_server)
    keys = restricted_user(s3_server, bucket, ["s3:ListBucket", MOTO_HEAD_BUCKET, "s3:GetObject"])
    report = probe_as(s3_server, bucket, keys)
    assert report.usable
    assert not report.ok
    got = statuses(report.steps)
    assert got[StepId.CREDENTIALS] is StepStatus.PASSED
    assert got[StepId.BUCKET] is StepStatus.PASSED
    assert got[StepId.SIGN_IN] is StepStatus.PASSED
    assert got[StepId.LIST] is StepStatus.PASSED
    assert got[StepId.PUT] is StepStatus.FAILED
    assert got[StepId.GET] is StepStatus.SKIPPED
    assert got[StepId.DELETE] is StepStatus.SKIPPED
    # Starting a multipart upload is s3:PutObject as well; nothing else was testable.
    assert got[StepId.LIST_PARTS] is StepStatus.FAILED
    assert got[StepId.ABORT_MULTIPART] is StepStatus.SKIPPED
    assert report.missing_actions == ("s3:PutObject",)
    assert "Ask for s3:PutObject." in report.step(StepId.PUT).message
    assert report.advice().startswith("Ask your AWS administrator to allow s3:PutObject on ")
    assert f"arn:aws:s3:::{bucket}/*" in report.advice()
    assert leftovers(s3_server, bucket) == ([], [])


def test_a_user_who_cannot_clean_up_is_told_what_was_left(s3_server: str) -> None:
    bucket = make_bucket(s3_server)
    allowed = ["s3:ListBucket", MOTO_HEAD_BUCKET, "s3:GetObject", "s3:PutObject"]
    report = probe_as(s3_server, bucket, restricted_user(s3_server, bucket, allowed))
    assert report.missing_actions == (
        "s3:DeleteObject",
        "s3:ListMultipartUploadParts",
        "s3:AbortMultipartUpload",
    )
    objects, uploads = leftovers(s3_server, bucket)
    assert len(objects) == 1
    assert len(uploads) == 1
    # What the messages say was left behind is really there.
    assert f"{objects[0]} is still in the bucket" in report.step(StepId.DELETE).message
    assert uploads[0] in report.step(StepId.ABORT_MULTIPART).message


def test_a_user_who_may_not_list_gets_an_unchecked_region(s3_server: str) -> None:
    bucket = make_bucket(s3_server)
    everything_but_list = [a for a in REQUIRED_ACTIONS if a != "s3:ListBucket"]
    report = probe_as(s3_server, bucket, restricted_user(s3_server, bucket, everything_but_list))
    assert report.usable
    assert report.step(StepId.BUCKET).status is StepStatus.WARNING
    assert "region could not be checked" in report.step(StepId.BUCKET).message
    assert report.missing_actions == ("s3:ListBucket",)
    assert {report.step(i).status for i in list(StepId)[5:]} == {StepStatus.PASSED}


def test_a_full_content_manager_policy_passes(s3_server: str) -> None:
    bucket = make_bucket(s3_server)
    keys = restricted_user(s3_server, bucket, [*REQUIRED_ACTIONS, MOTO_HEAD_BUCKET])
    report = probe_as(s3_server, bucket, keys, region="us-east-1")
    assert report.ok, [(s.id, s.message) for s in report.steps]
    assert report.region_corrected_from == "us-east-1"


def test_a_wrong_secret_and_an_unknown_key_are_told_apart(s3_server: str) -> None:
    bucket = make_bucket(s3_server)
    access_key, _secret = restricted_user(s3_server, bucket, list(REQUIRED_ACTIONS))
    wrong_secret = probe_as(s3_server, bucket, (access_key, "FAKEsecret-wrong-0000"))
    assert not wrong_secret.usable
    sign_in = wrong_secret.step(StepId.SIGN_IN)
    assert sign_in.status is StepStatus.FAILED
    assert "secret access key does not match" in sign_in.message
    unknown = probe_as(s3_server, bucket, ("AKIAUNKNOWN000000000", "FAKEsecret-wrong-0000"))
    assert "does not know this access key ID" in unknown.step(StepId.SIGN_IN).message
    assert unknown.step(StepId.LIST).status is StepStatus.SKIPPED
