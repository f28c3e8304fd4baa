"""Check a connection step by step, and say in plain words what is missing.

:func:`probe_connection` answers the questions a first connection raises, in
order: are there credentials; is S3 reachable; does the bucket exist and in which
region (a wrong region is detected from S3's answer and corrected); does S3
accept the credentials; are the permissions there (list, put, get, delete, list
parts, abort multipart), checked with a small test object under
``.coachadmin-probe/`` that is deleted again. A refused step names the IAM
action to ask for; every other failure is put in plain words by
:mod:`coachadmin.s3.explain`.

No Qt here: the wizard runs this on a worker thread and the command line runs
it directly; ``on_step`` reports each step as it completes.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from coachadmin.redact import redact
from coachadmin.s3.client import S3SettingsError, make_client, make_session
from coachadmin.s3.explain import DENIED_CODES, explain_error, region_from_error
from coachadmin.s3.settings import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.s3.probe")

PROBE_PREFIX = ".coachadmin-probe/"
PROBE_BODY = b"coachadmin connection check: safe to delete\n"
_REDIRECT_CODES = frozenset({"301", "400", "PermanentRedirect", "AuthorizationHeaderMalformed"})


class StepId(StrEnum):
    CREDENTIALS = "credentials"
    ENDPOINT = "endpoint"
    BUCKET = "bucket"
    SIGN_IN = "sign-in"
    LIST = "list"
    PUT = "put"
    GET = "get"
    DELETE = "delete"
    LIST_PARTS = "list-parts"
    ABORT_MULTIPART = "abort-multipart"


class StepStatus(StrEnum):
    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"


STEP_TITLES: dict[StepId, str] = {
    StepId.CREDENTIALS: "Find your credentials",
    StepId.ENDPOINT: "Reach S3",
    StepId.BUCKET: "Find the bucket and its region",
    StepId.SIGN_IN: "S3 accepts your credentials",
    StepId.LIST: "List files",
    StepId.PUT: "Upload a file",
    StepId.GET: "Download a file",
    StepId.DELETE: "Delete a file",
    StepId.LIST_PARTS: "List the parts of a large upload",
    StepId.ABORT_MULTIPART: "Cancel a large upload",
}

STEP_ACTIONS: dict[StepId, str] = {
    StepId.LIST: "s3:ListBucket",
    StepId.PUT: "s3:PutObject",
    StepId.GET: "s3:GetObject",
    StepId.DELETE: "s3:DeleteObject",
    StepId.LIST_PARTS: "s3:ListMultipartUploadParts",
    StepId.ABORT_MULTIPART: "s3:AbortMultipartUpload",
}

#: Everything a content manager's credentials need (see the platform's documentation).
REQUIRED_ACTIONS: tuple[str, ...] = tuple(STEP_ACTIONS.values())


@dataclass(frozen=True)
class ProbeStep:
    id: StepId
    status: StepStatus
    message: str
    iam_actions: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return STEP_TITLES[self.id]


@dataclass(frozen=True)
class ProbeReport:
    bucket: str
    #: The settings to use from now on: the region corrected if S3 said otherwise.
    settings: S3Settings
    steps: tuple[ProbeStep, ...]
    #: The region the caller gave, when S3 said the bucket is elsewhere.
    region_corrected_from: str | None = None

    def step(self, step_id: StepId) -> ProbeStep:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def region(self) -> str | None:
        return self.settings.region

    @property
    def usable(self) -> bool:
        """Credentials work and the bucket is there; permissions may still be missing."""
        basics = (StepId.CREDENTIALS, StepId.ENDPOINT, StepId.BUCKET, StepId.SIGN_IN)
        return all(self.step(i).status in (StepStatus.PASSED, StepStatus.WARNING) for i in basics)

    @property
    def ok(self) -> bool:
        return all(s.status is StepStatus.PASSED for s in self.steps)

    @property
    def missing_actions(self) -> tuple[str, ...]:
        found: list[str] = []
        for step in self.steps:
            if step.status is StepStatus.FAILED:
                found.extend(a for a in step.iam_actions if a not in found)
        return tuple(found)

    def advice(self) -> str:
        """A sentence for whoever manages the AWS account, or '' if nothing is missing."""
        actions = self.missing_actions
        if not actions:
            return ""
        return (
            f"Ask your AWS administrator to allow {', '.join(actions)} on "
            f"arn:aws:s3:::{self.bucket} and arn:aws:s3:::{self.bucket}/* "
            "for the user or role you connect with."
        )


StepCallback = Callable[[ProbeStep], None]
_Outcome = dict[str, Any] | ClientError


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_denied(error: Exception) -> bool:
    return isinstance(error, ClientError) and _code(error) in DENIED_CODES


def _key_hint(key: str) -> str:
    """The end of an access key ID (an identifier, not a secret) to tell keys apart."""
    return f" (…{key[-4:]})" if len(key) >= 16 else ""


#: What ``corrected_from`` holds when no region was given at all.
NO_REGION = "(not set)"
#: botocore's names for where credentials came from, in words.
_CREDENTIAL_SOURCES = {
    "explicit": "the access key given for this connection",
    "env": "the environment variables",
    "shared-credentials-file": "your AWS credentials file",
    "config-file": "your AWS config file",
    "sso": "AWS SSO (IAM Identity Center)",
    "assume-role": "an assumed role",
    "assume-role-with-web-identity": "a web identity role",
    "custom-process": "a credential process",
    "container-role": "the container's role",
    "iam-role": "this machine's instance role",
}


class _Probe:
    """One run of the checks; each ``check_*`` method records one or more steps."""

    def __init__(self, settings: S3Settings, bucket: str, on_step: StepCallback | None) -> None:
        self.settings = settings
        self.bucket = bucket
        self.on_step = on_step
        self.steps: list[ProbeStep] = []
        self.corrected_from: str | None = None
        self._client: S3Client | None = None
        self.list_outcome: _Outcome | None = None
        self.key = f"{PROBE_PREFIX}{uuid.uuid4().hex[:12]}"

    @property
    def client(self) -> S3Client:
        if self._client is None:
            # Few retries and short timeouts: a check should answer quickly; "Check again"
            # is one click away.
            self._client = make_client(
                self.settings,
                max_pool_connections=2,
                max_attempts=2,
                connect_timeout=5,
                read_timeout=20,
            )
        return self._client

    def where(self) -> str:
        return self.settings.endpoint_url or "AWS S3"

    def explain(self, error: Exception) -> str:
        return explain_error(
            error, endpoint=self.settings.endpoint_url, profile=self.settings.profile
        )

    def record(
        self, step_id: StepId, status: StepStatus, message: str, actions: tuple[str, ...] = ()
    ) -> None:
        if actions:
            message = f"{message} Ask for {', '.join(actions)}."
        step = ProbeStep(step_id, status, redact(message), actions)
        self.steps.append(step)
        log.info("probe %s: %s %s: %s", self.bucket, step_id.value, status.value, step.message)
        if self.on_step is not None:
            self.on_step(step)

    def refused(self, step_id: StepId, error: Exception, what: str, extra: str = "") -> None:
        """A failed permission step: refused (name the action) or broken (explain)."""
        if _is_denied(error):
            self.record(
                step_id,
                StepStatus.FAILED,
                f"S3 refused to {what}.{extra}",
                (STEP_ACTIONS[step_id],),
            )
        else:
            self.record(
                step_id, StepStatus.FAILED, f"Could not {what}: {self.explain(error)}{extra}"
            )

    def skip_rest(self, reason: str) -> None:
        done = {s.id for s in self.steps}
        for step_id in StepId:
            if step_id not in done:
                self.record(step_id, StepStatus.SKIPPED, f"Not checked: {reason}")

    # -- credentials, endpoint, bucket, sign-in ------------------------------------------

    def check_credentials(self) -> bool:
        try:
            credentials = make_session(self.settings).get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials else None
        except S3SettingsError as error:  # an unknown profile, a malformed endpoint or region
            text = str(error)
            self.record(StepId.CREDENTIALS, StepStatus.FAILED, text[:1].upper() + text[1:] + ".")
            return False
        except (BotoCoreError, ClientError) as error:
            self.record(StepId.CREDENTIALS, StepStatus.FAILED, self.explain(error))
            return False
        if frozen is None or not frozen.access_key:
            self.record(
                StepId.CREDENTIALS,
                StepStatus.FAILED,
                "No AWS credentials were found. Choose an AWS profile, enter an access key, "
                "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.",
            )
            return False
        method = str(getattr(credentials, "method", "") or "")
        source = _CREDENTIAL_SOURCES.get(method, method or "boto3's credential chain")
        self.record(
            StepId.CREDENTIALS,
            StepStatus.PASSED,
            f"Found an access key{_key_hint(frozen.access_key)} from {source}.",
        )
        return True

    def check_endpoint_and_bucket(self) -> bool:
        try:
            head: _Outcome = dict(self.client.head_bucket(Bucket=self.bucket))
        except ClientError as error:
            head = error
        except (BotoCoreError, ValueError) as error:
            self.record(StepId.ENDPOINT, StepStatus.FAILED, self.explain(error))
            return False
        self.record(StepId.ENDPOINT, StepStatus.PASSED, f"{self.where()} answered.")
        if isinstance(head, ClientError) and _code(head) in _REDIRECT_CODES:
            region = region_from_error(head)
            if region and region != self.settings.region:
                self.correct_region(region)
                head = self.head_again()
        if isinstance(head, ClientError):
            return self.check_closed_bucket(head)
        region = _response_region(head) or self.location()
        if region:
            self.correct_region(region)
        if self.corrected_from == NO_REGION:
            message = (
                f"The bucket {self.bucket} is in {self.settings.region}: the connection "
                "now uses that region."
            )
        elif self.corrected_from is not None:
            message = (
                f"The bucket {self.bucket} is in {self.settings.region}, not in "
                f"{self.corrected_from}: the connection now uses {self.settings.region}."
            )
        else:
            message = f"The bucket {self.bucket} is there (region {region or 'not reported'})."
        self.record(StepId.BUCKET, StepStatus.PASSED, message)
        return True

    def head_again(self) -> _Outcome:
        try:
            return dict(self.client.head_bucket(Bucket=self.bucket))
        except ClientError as error:
            return error

    def correct_region(self, region: str) -> None:
        if region != self.settings.region:
            self.corrected_from = self.settings.region or NO_REGION
            self.settings = replace(self.settings, region=region)
            self._client = None

    def location(self) -> str | None:
        """GetBucketLocation, for servers that send no x-amz-bucket-region header."""
        try:
            constraint = self.client.get_bucket_location(Bucket=self.bucket).get(
                "LocationConstraint"
            )
        except (ClientError, BotoCoreError):
            return None
        return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)

    def check_closed_bucket(self, head: ClientError) -> bool:
        """HEAD failed; its answer has no body, so a listing tells what is wrong."""
        if _code(head) in ("404", "NoSuchBucket"):
            self.record(StepId.BUCKET, StepStatus.FAILED, self.no_bucket())
            return False
        region = region_from_error(head)
        if region:
            self.correct_region(region)
        self.list_outcome = self.list_one()
        if isinstance(self.list_outcome, ClientError):
            code = _code(self.list_outcome)
            if code == "NoSuchBucket":
                self.record(StepId.BUCKET, StepStatus.FAILED, self.no_bucket())
                return False
            if code not in DENIED_CODES:
                self.record(
                    StepId.BUCKET,
                    StepStatus.SKIPPED,
                    "Not checked: S3 did not accept the credentials (see below).",
                )
                return True
        shown = self.settings.region or "of your AWS configuration"
        self.record(
            StepId.BUCKET,
            StepStatus.WARNING,
            f"S3 would not show the bucket's details, so its region could not be checked: "
            f"using the region {shown}.",
        )
        return True

    def no_bucket(self) -> str:
        return (
            f"There is no bucket named {self.bucket} at {self.where()}. Check the name "
            "(ask your administrator for the exact spelling) and the endpoint."
        )

    def list_one(self) -> _Outcome:
        try:
            return dict(self.client.list_objects_v2(Bucket=self.bucket, MaxKeys=1))
        except ClientError as error:
            return error

    def check_sign_in_and_list(self) -> bool:
        outcome = self.list_outcome if self.list_outcome is not None else self.list_one()
        if isinstance(outcome, ClientError) and not _is_denied(outcome):
            self.record(StepId.SIGN_IN, StepStatus.FAILED, self.explain(outcome))
            return False
        self.record(StepId.SIGN_IN, StepStatus.PASSED, "S3 accepted your credentials.")
        if isinstance(outcome, ClientError):
            self.refused(StepId.LIST, outcome, "list the bucket's files")
        else:
            self.record(StepId.LIST, StepStatus.PASSED, "Listing files works.")
        return True

    # -- permissions, with a test object ----------------------------------------------------

    def check_objects(self) -> None:
        md5 = base64.b64encode(hashlib.md5(PROBE_BODY).digest()).decode()  # noqa: S324
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=PROBE_BODY, ContentMD5=md5
            )
        except (ClientError, BotoCoreError) as error:
            self.refused(StepId.PUT, error, f"upload a small test file ({self.key})")
            for step_id in (StepId.GET, StepId.DELETE):
                self.record(step_id, StepStatus.SKIPPED, "Not checked: no test file to use.")
            return
        self.record(StepId.PUT, StepStatus.PASSED, "Uploaded a small test file.")
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except (ClientError, BotoCoreError) as error:
            self.refused(StepId.GET, error, "download the test file")
        else:
            if body == PROBE_BODY:
                self.record(StepId.GET, StepStatus.PASSED, "Downloaded it back, unchanged.")
            else:
                self.record(StepId.GET, StepStatus.FAILED, "The test file came back changed.")
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key)
        except (ClientError, BotoCoreError) as error:
            left = f" The test file {self.key} is still in the bucket; it is safe to delete."
            self.refused(StepId.DELETE, error, "delete the test file", left)
        else:
            self.record(StepId.DELETE, StepStatus.PASSED, "Deleted the test file again.")

    def check_multipart(self) -> None:
        key = f"{self.key}-multipart"
        try:
            started = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            if _is_denied(error):
                message = "S3 refused to start a large (multipart) upload."
                self.record(StepId.LIST_PARTS, StepStatus.FAILED, message, ("s3:PutObject",))
            else:
                message = f"Could not start a large upload: {self.explain(error)}"
                self.record(StepId.LIST_PARTS, StepStatus.FAILED, message)
            self.record(StepId.ABORT_MULTIPART, StepStatus.SKIPPED, "Not checked: no upload.")
            return
        upload_id = started["UploadId"]
        try:
            self.client.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except (ClientError, BotoCoreError) as error:
            self.refused(StepId.LIST_PARTS, error, "list the parts of an unfinished upload")
        else:
            self.record(StepId.LIST_PARTS, StepStatus.PASSED, "Listing upload parts works.")
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except (ClientError, BotoCoreError) as error:
            left = (
                f" An empty unfinished upload ({key}) remains; without this permission, "
                "cancelled uploads keep their parts and their cost."
            )
            self.refused(StepId.ABORT_MULTIPART, error, "cancel an unfinished upload", left)
        else:
            self.record(StepId.ABORT_MULTIPART, StepStatus.PASSED, "Cancelling an upload works.")

    def run(self) -> ProbeReport:
        if not self.check_credentials():
            self.skip_rest("no credentials.")
        elif not self.check_endpoint_and_bucket():
            self.skip_rest("the bucket could not be reached.")
        elif not self.check_sign_in_and_list():
            self.skip_rest("S3 did not accept the credentials.")
        else:
            self.check_objects()
            self.check_multipart()
        order = list(StepId)
        steps = tuple(sorted(self.steps, key=lambda s: order.index(s.id)))
        return ProbeReport(self.bucket, self.settings, steps, self.corrected_from)


def _response_region(response: dict[str, Any]) -> str | None:
    headers: dict[str, str] = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return headers.get("x-amz-bucket-region") or None


def probe_connection(
    settings: S3Settings, bucket: str, *, on_step: StepCallback | None = None
) -> ProbeReport:
    """Run every check against ``bucket``; never raises for an S3 or network failure."""
    return _Probe(settings, bucket, on_step).run()
