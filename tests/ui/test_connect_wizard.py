"""The Connect wizard against moto's S3 over HTTP: right region, wrong region,
missing permissions (a restricted IAM user), a missing bucket, and no keychain."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import keyring
import pytest
from keyring.backends import fail
from moto.core.authorization import enable_iam_authentication
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard

from coachadmin import paths, profiles
from coachadmin.profiles import CredentialSource
from coachadmin.s3.client import make_client
from coachadmin.s3.probe import REQUIRED_ACTIONS, StepId, StepStatus
from coachadmin.s3.settings import S3Settings
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.connect_wizard import ConnectWizard, run_connect_wizard
from tests.support.motoiam import with_moto_names

Store = dict[tuple[str, str], str]
SECRET = "FAKEsecretDO-NOT-LOG-wizard-6a2f"
CHECK_TIMEOUT_MS = 15_000


def make_bucket(endpoint: str, region: str = "eu-north-1") -> str:
    bucket = f"wizard-{uuid.uuid4().hex[:12]}"
    client = make_client(S3Settings(endpoint_url=endpoint, region=region))
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    return bucket


def allow(endpoint: str, user: str, bucket: str, actions: list[str]) -> None:
    """Give the IAM user exactly ``actions`` on the bucket (replacing what it had)."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    statement = {
        "Effect": "Allow",
        "Action": with_moto_names(actions),
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    iam.put_user_policy(UserName=user, PolicyName="media", PolicyDocument=policy)


def restricted_user(endpoint: str, bucket: str, actions: list[str]) -> tuple[str, str, str]:
    """A new IAM user allowed only ``actions``: its name, access key ID and secret."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    name = f"wizard-user-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    allow(endpoint, name, bucket, actions)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture
def crashes() -> list[BaseException]:
    return []


@pytest.fixture
def wizard_bridge(crashes: list[BaseException]) -> Iterator[Bridge]:
    bridge = Bridge(max_workers=2, on_crash=crashes.append)
    yield bridge
    bridge.shutdown(wait=True)


@pytest.fixture
def wizard(qtbot, wizard_bridge: Bridge, crashes: list[BaseException]) -> Iterator[ConnectWizard]:
    widget = ConnectWizard(bridge=wizard_bridge)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    assert crashes == []


def fill_where(
    wizard: ConnectWizard, name: str, bucket: str, endpoint: str, region: str = ""
) -> None:
    wizard.where.name.setText(name)
    wizard.where.bucket.setText(bucket)
    wizard.where.region.setText(region)
    wizard.where.endpoint.setText(endpoint)
    wizard.where.api_url.setText("http://127.0.0.1:1/api")
    wizard.next()
    assert wizard.currentPage() is wizard.credentials


def use_keys(wizard: ConnectWizard, access_key: str, secret: str) -> None:
    wizard.credentials.use_keys.setChecked(True)
    wizard.credentials.access_key.setText(access_key)
    wizard.credentials.secret_key.setText(secret)


def run_check(qtbot, wizard: ConnectWizard) -> None:
    wizard.next()
    assert wizard.currentPage() is wizard.check
    qtbot.waitUntil(lambda: wizard.check.report is not None, timeout=CHECK_TIMEOUT_MS)


def shown(wizard: ConnectWizard) -> dict[StepId, StepStatus | None]:
    return {step_id: row.status for step_id, row in wizard.check.rows.items()}


def finish(wizard: ConnectWizard) -> None:
    finish_button = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish_button.isEnabled()
    finish_button.click()
    assert wizard.result() == QWizard.DialogCode.Accepted


def test_right_region_every_step_ticked_and_saved(
    qtbot, wizard: ConnectWizard, s3_server: str, memory_keyring: Store
) -> None:
    bucket = make_bucket(s3_server)
    profiles.save_profile(profiles.Profile("Production", "coach-media-old"))
    fill_where(wizard, "Production", bucket, s3_server, "eu-north-1")
    wizard.credentials.use_environment.setChecked(True)
    run_check(qtbot, wizard)
    assert set(shown(wizard).values()) == {StepStatus.PASSED}
    assert "Everything works" in wizard.check.summary.text()
    assert "Saving replaces the connection named 'Production'" in wizard.check.summary.text()
    assert wizard.check.production.isChecked()  # named "Production": suggested
    finish(wizard)
    saved = profiles.get_profile("Production")
    assert saved.region == "eu-north-1"
    assert saved.production
    assert saved.credentials is CredentialSource.ENVIRONMENT
    assert saved.api_url == "http://127.0.0.1:1/api"
    assert profiles.active_profile() == saved
    assert wizard.connection == profiles.load_active_connection()
    assert memory_keyring == {}


def test_wrong_region_is_corrected_and_keys_go_to_the_keychain(
    qtbot, wizard: ConnectWizard, s3_server: str, memory_keyring: Store, app_home: Path
) -> None:
    bucket = make_bucket(s3_server, "eu-north-1")
    fill_where(wizard, "Staging", bucket, s3_server, "us-east-1")
    use_keys(wizard, "AKIAWIZARD0000000001", SECRET)
    run_check(qtbot, wizard)
    region_row = wizard.check.rows[StepId.BUCKET]
    assert region_row.status is StepStatus.PASSED
    assert "is in eu-north-1, not in us-east-1" in region_row.message.text()
    assert "region was corrected to eu-north-1" in wizard.check.summary.text()
    assert not wizard.check.production.isChecked()
    finish(wizard)
    assert profiles.get_profile("Staging").region == "eu-north-1"
    assert SECRET in memory_keyring[("coachadmin", "Staging/aws")]
    assert wizard.connection is not None
    assert wizard.connection.s3.secret_key == SECRET
    assert wizard.connection.s3.region == "eu-north-1"
    written = [p for p in app_home.rglob("*") if p.is_file()]
    assert paths.settings_path() in written
    assert all(SECRET not in p.read_text(errors="replace") for p in written)


def test_missing_permissions_are_crossed_with_the_actions_to_ask_for(
    qtbot, wizard: ConnectWizard, s3_server: str, memory_keyring: Store
) -> None:
    bucket = make_bucket(s3_server)
    # moto authorises HeadBucket as its own action; on AWS s3:ListBucket covers it.
    _user, access_key, secret = restricted_user(
        s3_server, bucket, ["s3:ListBucket", "s3:HeadBucket", "s3:GetObject"]
    )
    fill_where(wizard, "Read-only", bucket, s3_server, "eu-north-1")
    use_keys(wizard, access_key, secret)
    with enable_iam_authentication():
        run_check(qtbot, wizard)
    got = shown(wizard)
    assert got[StepId.LIST] is StepStatus.PASSED
    assert got[StepId.PUT] is StepStatus.FAILED
    assert got[StepId.GET] is StepStatus.SKIPPED
    assert "Ask for s3:PutObject" in wizard.check.rows[StepId.PUT].message.text()
    summary = wizard.check.summary.text()
    assert "Ask your AWS administrator to allow s3:PutObject" in summary
    assert wizard.check.isComplete()  # usable: may be saved, to be fixed later
    finish(wizard)
    assert profiles.get_profile("Read-only").credentials is CredentialSource.KEYCHAIN


def test_a_missing_bucket_blocks_finish_until_fixed(
    qtbot, wizard: ConnectWizard, s3_server: str, memory_keyring: Store
) -> None:
    bucket = make_bucket(s3_server)
    fill_where(wizard, "Typo", bucket + "x", s3_server, "eu-north-1")
    wizard.credentials.use_environment.setChecked(True)
    run_check(qtbot, wizard)
    assert shown(wizard)[StepId.BUCKET] is StepStatus.FAILED
    assert not wizard.check.isComplete()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert "does not work yet" in wizard.check.summary.text()
    wizard.back()
    wizard.back()
    fill_where(wizard, "Typo", bucket, s3_server, "eu-north-1")
    run_check(qtbot, wizard)
    assert wizard.check.report is not None
    assert wizard.check.report.ok
    finish(wizard)
    assert profiles.get_profile("Typo").bucket == bucket


def test_check_again_runs_the_probe_anew(
    qtbot, wizard: ConnectWizard, s3_server: str, memory_keyring: Store
) -> None:
    bucket = make_bucket(s3_server)
    everything = [*REQUIRED_ACTIONS, "s3:HeadBucket"]
    user, access_key, secret = restricted_user(
        s3_server, bucket, [a for a in everything if a != "s3:DeleteObject"]
    )
    fill_where(wizard, "Again", bucket, s3_server, "eu-north-1")
    use_keys(wizard, access_key, secret)
    with enable_iam_authentication():
        run_check(qtbot, wizard)
    assert shown(wizard)[StepId.DELETE] is StepStatus.FAILED
    first = wizard.check.report
    allow(s3_server, user, bucket, everything)  # the administrator granted it meanwhile
    with enable_iam_authentication():
        wizard.check.again.click()
        assert wizard.check.report is None
        assert not wizard.check.again.isEnabled()
        qtbot.waitUntil(lambda: wizard.check.report is not None, timeout=CHECK_TIMEOUT_MS)
    assert wizard.check.report is not first
    assert shown(wizard)[StepId.DELETE] is StepStatus.PASSED
    assert wizard.check.report.ok


def test_without_a_keychain_the_key_option_explains_the_alternatives(
    qtbot, wizard_bridge: Bridge
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        widget = ConnectWizard(bridge=wizard_bridge)
        qtbot.addWidget(widget)
    finally:
        keyring.set_keyring(previous)
    page = widget.credentials
    assert not page.use_keys.isEnabled()
    assert not page.secret_key.isEnabled()
    assert page.use_environment.isChecked()  # no AWS profiles in the test config either
    hint = widget.findChild(type(widget.check.summary), "connectKeychainHint")
    assert hint is not None
    assert "No working keychain" in hint.text()
    assert "AWS profile" in hint.text()


def test_aws_profiles_are_offered_and_used(
    qtbot,
    wizard_bridge: Bridge,
    s3_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile coach-staging]\nregion = eu-north-1\n"
        "aws_access_key_id = AKIAWIZARD0000000003\naws_secret_access_key = FAKEsecret-cfg-1\n"
        "[profile coach-production]\nregion = eu-north-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    widget = ConnectWizard(bridge=wizard_bridge)
    qtbot.addWidget(widget)
    widget.show()
    page = widget.credentials
    assert page.use_profile.isChecked()
    items = [page.profile.itemText(i) for i in range(page.profile.count())]
    assert items == ["coach-production", "coach-staging"]
    page.profile.setCurrentText("coach-staging")
    bucket = make_bucket(s3_server)
    fill_where(widget, "Via profile", bucket, s3_server, "eu-north-1")
    assert widget.s3_settings().profile == "coach-staging"
    run_check(qtbot, widget)
    credentials = widget.check.rows[StepId.CREDENTIALS].message.text()
    assert "your AWS config file" in credentials
    widget.button(QWizard.WizardButton.FinishButton).click()
    saved = profiles.get_profile("Via profile")
    assert (saved.credentials, saved.aws_profile) == (CredentialSource.AWS_PROFILE, "coach-staging")


def test_bad_input_on_the_first_page_is_said_and_stops(wizard: ConnectWizard) -> None:
    wizard.where.name.setText("Staging")
    wizard.where.bucket.setText("Not_A_Bucket")
    wizard.next()
    assert wizard.currentPage() is wizard.where
    assert wizard.where.error.isVisible()
    assert "not a valid bucket name" in wizard.where.error.text()
    wizard.where.bucket.setText("coach-media")
    wizard.where.endpoint.setText("localhost:9000")
    wizard.next()
    assert "must start with http://" in wizard.where.error.text()


def test_run_connect_wizard_returns_none_when_cancelled(qtbot) -> None:
    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConnectWizard)
        dialog.reject()

    QTimer.singleShot(0, cancel)
    assert run_connect_wizard(None) is None
    assert profiles.list_profiles() == []
