"""Messages that say what to do: clock skew, expired credentials, missing credentials.

No local S3 server gives RequestTimeTooSkewed or ExpiredToken, so a small HTTP
server answers every request with the XML error S3 sends in those cases (the
real wire format, over real HTTP, through botocore's real parsing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from coachadmin.s3.explain import region_from_error
from coachadmin.s3.probe import StepId, StepStatus, probe_connection
from coachadmin.s3.settings import S3Settings

SKEW = timedelta(minutes=47)


class RefusingServer:
    """Answers every request with ``status`` and the XML error made by ``body()``."""

    def __init__(self, status: int, body: Callable[[], str]) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                outer.requests.append(f"{self.command} {self.path}")
                payload = b"" if self.command == "HEAD" else body().encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Date", format_datetime(datetime.now(UTC) + SKEW, usegmt=True))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> RefusingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _skewed() -> str:
    server_time = (datetime.now(UTC) + SKEW).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>RequestTimeTooSkewed</Code>"
        "<Message>The difference between the request time and the current time is too large."
        f"</Message><RequestTime>{datetime.now(UTC):%Y%m%dT%H%M%SZ}</RequestTime>"
        f"<ServerTime>{server_time}</ServerTime>"
        "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds></Error>"
    )


def _expired() -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code>"
        "<Message>The provided token has expired.</Message></Error>"
    )


@pytest.fixture
def skewed_s3() -> Iterator[RefusingServer]:
    with RefusingServer(403, _skewed) as server:
        yield server


@pytest.fixture
def expired_s3() -> Iterator[RefusingServer]:
    with RefusingServer(400, _expired) as server:
        yield server


def test_clock_skew_says_by_how_much_and_what_to_do(skewed_s3: RefusingServer) -> None:
    report = probe_connection(
        S3Settings(endpoint_url=skewed_s3.url, region="eu-north-1"), "coach-media"
    )
    sign_in = report.step(StepId.SIGN_IN)
    assert sign_in.status is StepStatus.FAILED
    assert "clock is about 47 minutes behind" in sign_in.message
    assert "automatic date and time" in sign_in.message
    assert not report.usable
    assert report.step(StepId.PUT).status is StepStatus.SKIPPED
    assert skewed_s3.requests  # the answer really came over HTTP


def test_expired_session_credentials_say_to_get_new_ones(expired_s3: RefusingServer) -> None:
    settings = S3Settings(
        endpoint_url=expired_s3.url,
        region="eu-north-1",
        access_key="ASIAEXAMPLE000000001",
        secret_key="FAKEsecretDO-NOT-LOG-expired-1",
        session_token="FAKEsessionDO-NOT-LOG-expired-2",
    )
    report = probe_connection(settings, "coach-media")
    message = report.step(StepId.SIGN_IN).message
    assert "temporary AWS credentials (session token) have expired" in message
    assert "FAKE" not in " ".join(step.message for step in report.steps)


def test_an_expired_aws_profile_names_the_sso_login(
    expired_s3: RefusingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[coach-staging]\n"
        "aws_access_key_id = ASIAEXAMPLE000000002\n"
        "aws_secret_access_key = FAKEsecretDO-NOT-LOG-profile-3\n"
        "aws_session_token = FAKEsessionDO-NOT-LOG-profile-4\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    report = probe_connection(
        S3Settings(endpoint_url=expired_s3.url, region="eu-north-1", profile="coach-staging"),
        "coach-media",
    )
    assert "your AWS credentials file" in report.step(StepId.CREDENTIALS).message
    message = report.step(StepId.SIGN_IN).message
    assert "'aws sso login --profile coach-staging'" in message


def test_an_unknown_aws_profile_is_said_plainly() -> None:
    report = probe_connection(S3Settings(region="eu-north-1", profile="nope"), "coach-media")
    credentials = report.step(StepId.CREDENTIALS)
    assert credentials.status is StepStatus.FAILED
    assert "The AWS profile 'nope' is not in your AWS configuration" in credentials.message
    assert report.step(StepId.ENDPOINT).status is StepStatus.SKIPPED


def test_no_credentials_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role lookup
    report = probe_connection(
        S3Settings(endpoint_url="http://127.0.0.1:9", region="eu-north-1"), "coach-media"
    )
    credentials = report.step(StepId.CREDENTIALS)
    assert credentials.status is StepStatus.FAILED
    assert "No AWS credentials were found" in credentials.message


@pytest.mark.parametrize(
    ("error", "region"),
    [
        ({"Code": "301"}, None),
        (
            {
                "Code": "PermanentRedirect",
                "Endpoint": "coach-media.s3.eu-north-1.amazonaws.com",
            },
            "eu-north-1",
        ),
        ({"Code": "AuthorizationHeaderMalformed", "Region": "eu-west-1"}, "eu-west-1"),
    ],
)
def test_region_from_s3_error_answers(error: dict[str, str], region: str | None) -> None:
    answer = ClientError({"Error": error, "ResponseMetadata": {"HTTPHeaders": {}}}, "HeadBucket")
    assert region_from_error(answer) == region
    with_header = ClientError(
        {"Error": error, "ResponseMetadata": {"HTTPHeaders": {"x-amz-bucket-region": "sa-east-1"}}},
        "HeadBucket",
    )
    assert region_from_error(with_header) == "sa-east-1"
