"""The "Connect…" wizard: where the bucket is, whose credentials, then a checked result.

Three pages: the bucket and backend; the credentials (an AWS profile, an access
key kept in the keychain, or the environment); and the check, which runs
:func:`coachadmin.s3.probe.probe_connection` on the bridge's worker pool and shows
each step with a tick or a cross and the reason in plain words. A region that S3
says is wrong is corrected before the profile is saved. Finishing saves the
profile (keys to the keychain) and makes it the active one.
"""

from __future__ import annotations

import functools
import logging

import boto3
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from coachadmin import profiles, secrets
from coachadmin.connection import Connection
from coachadmin.errors import UserFacingError
from coachadmin.profiles import CredentialSource, Profile
from coachadmin.s3.probe import (
    NO_REGION,
    STEP_TITLES,
    ProbeReport,
    ProbeStep,
    StepId,
    StepStatus,
)
from coachadmin.s3.probe import probe_connection as _probe_connection
from coachadmin.s3.settings import S3Settings
from coachadmin.ui import bridge as bridge_module
from coachadmin.ui.bridge import Bridge, EventRelay, Latest, Ticket

log = logging.getLogger("coachadmin.ui.connect")

REGIONS = (
    "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-south-1",
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2",
    "me-central-1", "af-south-1",
)  # fmt: skip

_COLOURS = {
    StepStatus.PASSED: "#2e7d32",
    StepStatus.WARNING: "#c77700",
    StepStatus.FAILED: "#c62828",
    StepStatus.SKIPPED: "#9e9e9e",
}


def status_pixmap(status: StepStatus | None, size: int = 18) -> QPixmap:
    """A round mark: tick, cross, ! or dash; an empty ring while the step is pending."""
    ratio = (
        QGuiApplication.primaryScreen().devicePixelRatio()
        if QGuiApplication.primaryScreen()
        else 1.0
    )
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = QRectF(1, 1, size - 2, size - 2)
    if status is None:
        painter.setPen(QPen(QColor("#9e9e9e"), 1.5))
        painter.drawEllipse(box)
        painter.end()
        return pixmap
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(_COLOURS[status]))
    painter.drawEllipse(box)
    pen = QPen(QColor("#ffffff"), size / 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    s = size
    path = QPainterPath()
    if status is StepStatus.PASSED:
        path.moveTo(QPointF(s * 0.28, s * 0.52))
        path.lineTo(QPointF(s * 0.44, s * 0.68))
        path.lineTo(QPointF(s * 0.72, s * 0.36))
    elif status is StepStatus.FAILED:
        path.moveTo(QPointF(s * 0.33, s * 0.33))
        path.lineTo(QPointF(s * 0.67, s * 0.67))
        path.moveTo(QPointF(s * 0.67, s * 0.33))
        path.lineTo(QPointF(s * 0.33, s * 0.67))
    elif status is StepStatus.WARNING:
        path.moveTo(QPointF(s * 0.5, s * 0.26))
        path.lineTo(QPointF(s * 0.5, s * 0.56))
        path.moveTo(QPointF(s * 0.5, s * 0.73))
        path.lineTo(QPointF(s * 0.5, s * 0.74))
    else:
        path.moveTo(QPointF(s * 0.32, s * 0.5))
        path.lineTo(QPointF(s * 0.68, s * 0.5))
    painter.drawPath(path)
    painter.end()
    return pixmap


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {_COLOURS[StepStatus.FAILED]};")
    label.hide()
    return label


def _show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class WherePage(QWizardPage):
    """The bucket, its region, an optional S3 endpoint, and the backend."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Where is your media?")
        self.setSubTitle("The bucket your platform stores its videos and images in.")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Staging or Production")
        self.bucket = QLineEdit()
        self.bucket.setPlaceholderText("e.g. coach-media-production")
        self.region = QLineEdit()
        self.region.setPlaceholderText("e.g. eu-north-1 (checked and corrected in the last step)")
        self.region.setCompleter(QCompleter(list(REGIONS), self.region))
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText(
            "empty for AWS; http://host:port for an S3-compatible server"
        )
        self.api_url = QLineEdit()
        self.api_url.setPlaceholderText("e.g. https://api.example.com (optional)")
        self.error = _error_label()
        for name, widget in (
            ("connectName", self.name),
            ("connectBucket", self.bucket),
            ("connectRegion", self.region),
            ("connectEndpoint", self.endpoint),
            ("connectApiUrl", self.api_url),
        ):
            widget.setObjectName(name)
        form = QFormLayout(self)
        form.addRow("Connection name:", self.name)
        form.addRow("Bucket:", self.bucket)
        form.addRow("Region:", self.region)
        form.addRow("S3 endpoint:", self.endpoint)
        form.addRow("Backend URL:", self.api_url)
        form.addRow(self.error)
        self.registerField("name*", self.name)
        self.registerField("bucket*", self.bucket)

    def validatePage(self) -> bool:
        try:
            profiles.validate_profile_name(self.name.text())
            Profile(self.name.text(), self.bucket.text().strip())
        except UserFacingError as error:
            _show_error(self.error, str(error))
            return False
        endpoint = self.endpoint.text().strip()
        if endpoint and not endpoint.startswith(("http://", "https://")):
            _show_error(self.error, "The S3 endpoint must start with http:// or https://.")
            return False
        _show_error(self.error, "")
        return True


class CredentialsPage(QWizardPage):
    """An AWS profile, an access key for the keychain, or the environment."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Who are you on S3?")
        self.setSubTitle("coachadmin never writes a key to a file: keys go to the system keychain.")
        self.keychain = secrets.keychain_status()
        self.aws_profiles = sorted(boto3.session.Session().available_profiles)

        self.use_profile = QRadioButton("An AWS profile from your AWS configuration")
        self.profile = QComboBox()
        self.profile.addItems(self.aws_profiles)
        self.use_keys = QRadioButton("An access key, kept in the system keychain")
        self.access_key = QLineEdit()
        self.access_key.setPlaceholderText("Access key ID, e.g. AKIA…")
        self.secret_key = QLineEdit()
        self.secret_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_key.setPlaceholderText("Secret access key")
        self.use_environment = QRadioButton(
            "The environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
        self.group = QButtonGroup(self)
        for button in (self.use_profile, self.use_keys, self.use_environment):
            self.group.addButton(button)
        for name, widget in (
            ("connectUseProfile", self.use_profile),
            ("connectAwsProfile", self.profile),
            ("connectUseKeys", self.use_keys),
            ("connectAccessKey", self.access_key),
            ("connectSecretKey", self.secret_key),
            ("connectUseEnvironment", self.use_environment),
        ):
            widget.setObjectName(name)

        profile_hint = _hint(
            "SSO and assume-role profiles work; sign in with 'aws sso login' first."
            if self.aws_profiles
            else "No AWS profiles found: set one up with 'aws configure sso' or 'aws configure'."
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.use_profile)
        layout.addWidget(self._indented(self.profile, profile_hint))
        layout.addWidget(self.use_keys)
        keychain_hint = _hint(
            "Ask your AWS administrator for a key with access to this bucket only."
            if self.keychain.available
            else self.keychain.message
        )
        keychain_hint.setObjectName("connectKeychainHint")
        if not self.keychain.available:  # said where the option is, not hidden
            keychain_hint.setStyleSheet(f"color: {_COLOURS[StepStatus.WARNING]};")
        layout.addWidget(self._indented(self.access_key, self.secret_key, keychain_hint))
        layout.addWidget(self.use_environment)
        layout.addStretch(1)

        self.use_profile.setEnabled(bool(self.aws_profiles))
        self.profile.setEnabled(bool(self.aws_profiles))
        self.use_keys.setEnabled(self.keychain.available)
        self.access_key.setEnabled(self.keychain.available)
        self.secret_key.setEnabled(self.keychain.available)
        default = (
            self.use_profile
            if self.aws_profiles
            else (self.use_keys if self.keychain.available else self.use_environment)
        )
        default.setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self.completeChanged.emit())
        self.access_key.textChanged.connect(lambda *_: self.completeChanged.emit())
        self.secret_key.textChanged.connect(lambda *_: self.completeChanged.emit())

    @staticmethod
    def _indented(*widgets: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(24, 0, 0, 6)
        for widget in widgets:
            layout.addWidget(widget)
        return box

    def source(self) -> CredentialSource:
        if self.use_profile.isChecked():
            return CredentialSource.AWS_PROFILE
        if self.use_keys.isChecked():
            return CredentialSource.KEYCHAIN
        return CredentialSource.ENVIRONMENT

    def keys(self) -> secrets.AwsKeyPair | None:
        if self.source() is not CredentialSource.KEYCHAIN:
            return None
        return secrets.AwsKeyPair(self.access_key.text().strip(), self.secret_key.text().strip())

    def isComplete(self) -> bool:
        if self.source() is CredentialSource.KEYCHAIN:
            return bool(self.access_key.text().strip() and self.secret_key.text().strip())
        return True


class _StepRow:
    def __init__(self, grid: QGridLayout, row: int, step_id: StepId) -> None:
        self.icon = QLabel()
        self.icon.setPixmap(status_pixmap(None))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(STEP_TITLES[step_id])
        self.title.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setObjectName(f"connectStep-{step_id.value}")
        self.status: StepStatus | None = None
        grid.addWidget(self.icon, row, 0)
        grid.addWidget(self.title, row, 1)
        grid.addWidget(self.message, row, 2)

    def show(self, step: ProbeStep | None) -> None:
        self.status = step.status if step else None
        self.icon.setPixmap(status_pixmap(self.status))
        self.icon.setToolTip(self.status.value if self.status else "not checked yet")
        self.message.setText(step.message if step else "")


class CheckPage(QWizardPage):
    """Runs the checks in the background and shows each step as it completes."""

    def __init__(self, wizard: ConnectWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Checking the connection")
        self.setSubTitle("Each step is checked on S3; a small test file is uploaded and deleted.")
        self.report: ProbeReport | None = None
        self.running = False
        self._checks = Latest()
        self._ticket = self._checks.begin()
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        grid.setHorizontalSpacing(10)
        self.rows = {step_id: _StepRow(grid, i, step_id) for i, step_id in enumerate(StepId)}
        self.summary = QLabel()
        self.summary.setObjectName("connectSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.again = QPushButton("Check again")
        self.again.setObjectName("connectCheckAgain")
        self.again.clicked.connect(self.start)
        self.production = QCheckBox("This is the production bucket (shown in a warning colour)")
        self.production.setObjectName("connectProduction")
        self.relay = EventRelay(self, interval_ms=30)
        self.relay.batch.connect(self._steps_arrived)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.summary)
        layout.addWidget(self.again, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        layout.addWidget(self.production)

    def initializePage(self) -> None:
        self.production.setChecked("prod" in self._wizard.where.name.text().lower())
        self.start()

    def start(self) -> None:
        ticket = self._ticket = self._checks.begin()
        self.report = None
        self.running = True
        self.again.setEnabled(False)
        for row in self.rows.values():
            row.show(None)
        self.summary.setText("Checking…")
        self.completeChanged.emit()
        settings = self._wizard.s3_settings()
        bucket = self._wizard.where.bucket.text().strip()
        post = self.relay.post
        self._wizard.bridge.run(
            functools.partial(
                _probe_connection, settings, bucket, on_step=lambda s: post((ticket, s))
            ),
            # An older check is superseded by "Check again" or Back/Next: dropped.
            on_result=ticket.only(self._finished),
            on_error=ticket.only(self._failed),
            owner=self,
        )

    def _steps_arrived(self, events: list[tuple[Ticket, ProbeStep]]) -> None:
        for ticket, step in events:
            if ticket.current and self.report is None:
                self.rows[step.id].show(step)

    def _finished(self, report: ProbeReport) -> None:
        self.relay.flush()
        self.report = report
        self.running = False
        self.again.setEnabled(True)
        for step in report.steps:
            self.rows[step.id].show(step)
        if report.ok:
            text = "Everything works. Save the connection to use it."
        elif report.usable:
            text = (
                f"{report.advice()} You can save the connection now and check again later "
                "(coachadmin connection test)."
            )
        else:
            text = (
                "The connection does not work yet: go back to fix what is marked, or check again."
            )
        if report.region_corrected_from == NO_REGION:
            text = f"The bucket's region is {report.region}. {text}"
        elif report.region_corrected_from is not None:
            text = f"The region was corrected to {report.region}. {text}"
        name = self._wizard.where.name.text()
        if name in {p.name for p in profiles.list_profiles()}:
            text += f" Saving replaces the connection named '{name}'."
        self.summary.setText(text)
        self.completeChanged.emit()

    def _failed(self, error: UserFacingError) -> None:
        self.running = False
        self.again.setEnabled(True)
        self.summary.setText(str(error))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.report is not None and self.report.usable

    def validatePage(self) -> bool:
        try:
            self._wizard.save()
        except UserFacingError as error:
            self.summary.setText(f"Not saved: {error}")
            return False
        return True


class ConnectWizard(QWizard):
    """Builds, checks and saves a connection profile; :attr:`connection` holds the result."""

    def __init__(self, parent: QWidget | None = None, *, bridge: Bridge | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectWizard")
        self.setWindowTitle("Connect to your bucket")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Save connection")
        self.setMinimumSize(700, 600)
        self.bridge = bridge or bridge_module.bridge()
        self.connection: Connection | None = None
        self.where = WherePage()
        self.credentials = CredentialsPage()
        self.check = CheckPage(self)
        for page in (self.where, self.credentials, self.check):
            self.addPage(page)

    def s3_settings(self) -> S3Settings:
        """What the check uses: the typed keys directly (they reach the keychain on Finish)."""
        page = self.credentials
        keys = page.keys()
        return S3Settings(
            endpoint_url=self.where.endpoint.text().strip() or None,
            region=self.where.region.text().strip() or None,
            profile=page.profile.currentText()
            if page.source() is CredentialSource.AWS_PROFILE
            else None,
            access_key=keys.access_key_id if keys else None,
            secret_key=keys.secret_access_key if keys else None,
        )

    def profile(self) -> Profile:
        report = self.check.report
        region = report.region if report else self.where.region.text().strip() or None
        source = self.credentials.source()
        return Profile(
            name=self.where.name.text(),
            bucket=self.where.bucket.text().strip(),
            region=region,
            endpoint_url=self.where.endpoint.text().strip() or None,
            api_url=self.where.api_url.text().strip() or None,
            credentials=source,
            aws_profile=self.credentials.profile.currentText()
            if source is CredentialSource.AWS_PROFILE
            else None,
            production=self.check.production.isChecked(),
        )

    def save(self) -> Connection:
        profile = self.profile()
        profiles.save_profile(profile, keys=self.credentials.keys(), make_active=True)
        self.connection = profiles.resolve(profile)
        log.info("connection %r saved from the wizard", profile.name)
        return self.connection


def run_connect_wizard(parent: QWidget | None) -> Connection | None:
    """Show the wizard modally; the saved (and now active) connection, or None if cancelled."""
    wizard = ConnectWizard(parent)
    try:
        if wizard.exec() == QWizard.DialogCode.Accepted:
            return wizard.connection
        return None
    finally:
        wizard.deleteLater()
