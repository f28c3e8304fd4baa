"""Check a connection step by step, and say in plain words what is missing.

:func:`probe_connection` answers the questions a first connection raises, in
order: are there credentials; is S3 reachable; does the bucket exist and in which
region (a wrong region is detected from S3's answer and corrected); does S3
accept the credentials; are the permissions there (list, put, get, delete, list
parts, abort multipart), checked with a small test object under
``.coachadmin-probe/`` that is deleted again. A refused step names the IAM
action to ask for. :func:`explain_error` turns any S3 or network failure into
a sentence that says what to do (clock skew and expired credentials included).

No Qt here: the wizard runs this on a worker thread and the command line runs
it directly; ``on_step`` reports each step as it completes.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore import exceptions as boto_errors
from botocore.exceptions import BotoCoreError, ClientError

from coachadmin.redact import redact
from coachadmin.s3.client import S3Settings, make_client, make_session

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("coachadmin.s3.probe")

PROBE_PREFIX = ".coachadmin-probe/"
PROBE_BODY = b"coachadmin connection check: safe to delete\n"
DENIED_CODES = frozenset({"AccessDenied", "403", "AllAccessDisabled"})
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


# -- plain words for S3 and network failures ---------------------------------------------

_ENDPOINT_REGION = re.compile(r"s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com")


def region_from_error(error: ClientError) -> str | None:
    """The bucket's real region, if S3's error answer tells it (header, body or endpoint)."""
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    details: dict[str, Any] = dict(error.response.get("Error", {}))
    region = headers.get("x-amz-bucket-region") or details.get("Region")
    if not region:
        match = _ENDPOINT_REGION.search(str(details.get("Endpoint", "")))
        region = match.group(1) if match else None
    return str(region) if region else None


def _clock_skew(error: ClientError) -> str:
    """How far this computer's clock is off, from the Date S3 answered with."""
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    server = str(error.response.get("Error", {}).get("ServerTime") or headers.get("date"))
    try:
        server_time = (
            datetime.fromisoformat(server.replace("Z", "+00:00"))
            if "T" in server
            else parsedate_to_datetime(server)
        )
    except (TypeError, ValueError):
        return "Your computer's clock is off"
    minutes = round((datetime.now(UTC) - server_time).total_seconds() / 60)
    side = "ahead of" if minutes > 0 else "behind"
    return f"Your computer's clock is about {abs(minutes)} minutes {side} S3's"


def _expired(profile: str | None) -> str:
    if profile:
        return (
            "Your temporary AWS credentials have expired. Sign in again with "
            f"'aws sso login --profile {profile}' (or renew the credentials of the AWS "
            f"profile '{profile}'), then try again."
        )
    return (
        "Your temporary AWS credentials (session token) have expired. Get new ones, "
        "or use an AWS profile that renews them (SSO or a role), then try again."
    )


_CODE_MESSAGES: dict[str, str] = {
    "InvalidAccessKeyId": (
        "S3 does not know this access key ID. Check it, or ask your administrator "
        "for a new key (it may have been deactivated)."
    ),
    "SignatureDoesNotMatch": (
        "The secret access key does not match the access key ID. Enter the secret "
        "again, exactly as you received it."
    ),
    "InvalidToken": "The session token is not valid. Get new temporary credentials.",
    "AccessDenied": "S3 refused the request: the credentials lack a permission.",
    "NoSuchBucket": "The bucket does not exist. Check its name and the endpoint.",
    "AllAccessDisabled": "All access to this bucket has been disabled by its owner.",
    "AccountProblem": "The AWS account has a problem (billing?): ask its owner.",
    "SlowDown": "S3 asks to slow down: wait a minute and try again.",
    "ServiceUnavailable": "S3 is unavailable for a moment: wait and try again.",
    "InternalError": "S3 had an internal error: wait and try again.",
}
_EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired"}
)


_NETWORK_MESSAGES: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (
        (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError),
        "No complete AWS credentials were found. Choose an AWS profile, enter an "
        "access key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
    ),
    (
        boto_errors.ProfileNotFound,
        "The AWS profile '{profile}' is not in your AWS configuration. Set it up with "
        "'aws configure' or 'aws configure sso', or choose another.",
    ),
    (
        boto_errors.CredentialRetrievalError,
        "Your AWS credentials could not be obtained: {error}",
    ),
    (
        boto_errors.SSLError,
        "The secure connection to {where} failed (a certificate problem?): {error}",
    ),
    (
        (boto_errors.ConnectTimeoutError, boto_errors.ReadTimeoutError),
        "{where} did not answer in time. Check your network connection and try again.",
    ),
    (
        boto_errors.ProxyConnectionError,
        "The proxy server refused the connection to {where}. Check your proxy settings.",
    ),
    (
        boto_errors.ConnectionError,
        "Could not connect to {where}. Check the address, your network connection, VPN or proxy.",
    ),
)


def _explain_client_error(error: ClientError, profile: str | None) -> str:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code == "RequestTimeTooSkewed":
        return (
            f"{_clock_skew(error)}, and S3 refuses requests more than 15 minutes off. "
            "Turn on automatic date and time in your system settings, then try again."
        )
    if code in _EXPIRED_CODES:
        return _expired(profile)
    if code in _CODE_MESSAGES:
        return _CODE_MESSAGES[code]
    message = error.response.get("Error", {}).get("Message") or "no details"
    return f"S3 answered {code or 'an error'}: {message}"


def explain_error(
    error: BaseException, *, endpoint: str | None = None, profile: str | None = None
) -> str:
    """One or two sentences for a person: what went wrong and what to do (secrets masked)."""
    if isinstance(error, ClientError):
        return redact(_explain_client_error(error, profile))
    if isinstance(error, boto_errors.SSOError | boto_errors.TokenRetrievalError):
        return _expired(profile)
    where = endpoint or "AWS S3"
    for types_, template in _NETWORK_MESSAGES:
        if isinstance(error, types_):
            return redact(template.format(where=where, profile=profile, error=error))
    if isinstance(error, ValueError) and endpoint:
        return redact(f"'{endpoint}' is not a valid S3 endpoint address ({error}).")
    return redact(f"{type(error).__name__}: {error}")


StepCallback = Callable[[ProbeStep], None]
_Outcome = dict[str, Any] | ClientError


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_denied(error: Exception) -> bool:
    return isinstance(error, ClientError) and _code(error) in DENIED_CODES


def _key_hint(key: str) -> str:
    """The end of an access key ID (an identifier, not a secret) to tell keys apart."""
    return f" (…{key[-4:]})" if len(key) >= 16 else ""


#: botocore's names for where credentials came from, in words.
_CREDENTIAL_SOURCES = {
    "explicit": "the key you entered",
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
        if self.corrected_from is not None:
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
            self.corrected_from = self.settings.region or "(not set)"
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
