"""Run the code paths that handle secrets with distinctive fake ones, then scan
everything the app wrote (logs, settings, backups) and printed for them."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from moto.core.authorization import enable_iam_authentication

from coachadmin import paths, profiles, secrets
from coachadmin.cli import main
from coachadmin.errors import UserFacingError
from coachadmin.log import setup_logging
from coachadmin.redact import MASK, register_secret
from coachadmin.s3.client import make_client
from coachadmin.s3.explain import explain_error
from coachadmin.s3.settings import S3Settings

FAKE_SECRET = "FAKEsecretDO-NOT-LOG-7f3a9c"
FAKE_SESSION = "FAKEsessionDO-NOT-LOG-2b7e41"
FAKE_BEARER = "FAKEbearerDO-NOT-LOG-c0ffee.eyJzdWIiOiIxIn0.sig"
FAKE_PASSWORD = "FAKEpasswordDO-NOT-LOG-5d1"
FAKE_ALL = (FAKE_SECRET, FAKE_SESSION, FAKE_BEARER, FAKE_PASSWORD)

STDIN = ("--secret-stdin", "--production")
Store = dict[tuple[str, str], str]


def _forms(secret: str) -> set[str]:
    """The secret as written, and as it would look inside a URL or a JSON string."""
    return {secret, urllib.parse.quote(secret, safe=""), json.dumps(secret)[1:-1]}


def _scan(root: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        hits = [s for s in FAKE_ALL if any(form in text for form in _forms(s))]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def _make_bucket(endpoint: str) -> str:
    bucket = f"scan-{uuid.uuid4().hex[:12]}"
    client = make_client(S3Settings(endpoint_url=endpoint, region="eu-north-1"))
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
    )
    return bucket


def test_no_secret_reaches_a_log_the_settings_or_the_terminal(
    s3_server: str,
    app_home: Path,
    memory_keyring: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_file = setup_logging(verbose=True)
    log = logging.getLogger("coachadmin.scan")
    bucket = _make_bucket(s3_server)

    # 1. A profile saved through the command line, the secret read from stdin, checked first.
    monkeypatch.setattr("sys.stdin", io.StringIO(FAKE_SECRET + "\n"))
    argv = ["-v", "connection", "add", "prod", "--bucket", bucket, "--region", "us-east-1"]
    assert (
        main([*argv, "--endpoint-url", s3_server, "--keychain", "AKIASCAN000000000001", *STDIN])
        == 0
    )
    assert FAKE_SECRET in memory_keyring[("coachadmin", "prod/aws")]

    # 2. The saved connection used: a presigned URL (with a session token) logged.
    connection = profiles.load_active_connection()
    assert connection is not None
    assert connection.s3.secret_key == FAKE_SECRET
    temporary = S3Settings(
        endpoint_url=s3_server,
        region="eu-north-1",
        access_key="ASIASCAN000000000002",
        secret_key=FAKE_SECRET,
        session_token=FAKE_SESSION,
    )
    url = make_client(temporary).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "videos/intro.mp4"}, ExpiresIn=3600
    )
    assert FAKE_SESSION in urllib.parse.unquote(url)  # the URL does carry it...
    log.info("streaming URL for the preview: %s", url)  # ...the log must not

    # 3. A failing S3 call, logged with its traceback, and its message for the user.
    client = make_client(connection.s3)
    try:
        client.get_object(Bucket=bucket, Key="videos/missing.mp4")
    except ClientError as error:
        log.exception("download failed: %s", explain_error(error, endpoint=s3_server))
    with enable_iam_authentication():  # moto now checks signatures: the key is refused
        assert main(["connection", "test", "prod"]) == 1

    # 4. The backend's bearer token and a login password, as a careless debug line would.
    secrets.set_secret("backend@https://api.example.com", FAKE_BEARER)
    log.debug("GET /api/auth/me headers={'Authorization': 'Bearer %s'}", FAKE_BEARER)
    log.debug("login body %s", json.dumps({"email": "a@example.com", "password": FAKE_PASSWORD}))
    log.debug("token refreshed: %s", secrets.get_secret("backend@https://api.example.com"))

    # 5. An unexpected error whose text carries a secret (crash handler's path: log it).
    try:
        raise RuntimeError(f"backend said 500 for token={FAKE_BEARER} secret {FAKE_SECRET}")
    except RuntimeError:
        log.exception("Unexpected error")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["connection", "use", "nope"]) == 1  # a user-facing error through the CLI
    # A login registers the password it sends, as it does the token it gets back:
    # from then on it is masked in any form, even in a message that quotes it.
    register_secret(FAKE_PASSWORD)
    shown = UserFacingError(f"the backend refused the login (sent {FAKE_PASSWORD!r})")
    log.warning("shown to the user: %s", shown)

    # 6. Settings written again (profile switch), and a damaged copy kept aside.
    profiles.set_active_profile("prod")
    for handler in logging.getLogger("coachadmin").handlers:
        handler.flush()

    printed = capsys.readouterr()
    text = log_file.read_text()
    # The scan is only worth something if those paths really wrote there.
    assert "probe" in text
    assert "download failed" in text
    assert "Traceback" in text
    assert MASK in text
    assert "X-Amz-Signature=" + MASK in text
    assert paths.settings_path().exists()
    assert "prod" in json.loads(paths.settings_path().read_text())["profiles"]
    assert "[FAIL]" in printed.out

    assert _scan(app_home) == {}
    for stream in (printed.out, printed.err):
        assert not [s for s in FAKE_ALL if any(f in stream for f in _forms(s))]
