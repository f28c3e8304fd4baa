"""``coachadmin --self-test``: proves that this installation works, end to end, in seconds.

The build runs it on every frozen bundle (``build/build_bundle.py``, CI), and a
person can run it where the app misbehaves. It goes the way a user goes, through
the app's own code: the main window starts the demo environment (a child
``coachadmin demo-server``, as "Try the demo" does), the bucket is listed, a file
is uploaded by the transfer engine, an image is fetched through a presigned URL
and decoded by Qt's image plugins, and the demo backend signs an admin in. Each
step prints one line as it passes; the first failure names its step and exits 1.
It writes only to a temporary directory and the user's log; the window is hidden,
never closed, so the user's saved window layout stays as it was.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import requests
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QTimer
from PySide6.QtGui import QGuiApplication, QImageReader
from PySide6.QtMultimedia import QMediaFormat

from coachadmin import __version__
from coachadmin.backend.client import BackendClient
from coachadmin.demo.process import DemoProcess
from coachadmin.redact import redact
from coachadmin.s3.client import make_client
from coachadmin.s3.listing import iter_objects, list_page
from coachadmin.s3.presign import presign_get
from coachadmin.secrets import keychain_status
from coachadmin.transfers.clients import TransferClients
from coachadmin.transfers.config import TransferConfig
from coachadmin.transfers.journal import Journal
from coachadmin.transfers.queue import TransferQueue
from coachadmin.transfers.upload import UploadRequest
from coachadmin.ui import messages
from coachadmin.ui.app import create_application
from coachadmin.ui.bridge import Bridge
from coachadmin.ui.demo_launcher import DemoLauncher, DemoProcessLike
from coachadmin.ui.icons import app_icon
from coachadmin.ui.main_window import MainWindow

if TYPE_CHECKING:
    from coachadmin.connection import Connection

IMAGE_FORMATS = ("gif", "ico", "jpeg", "png", "svg", "webp")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
DEMO_TIMEOUT = 60.0
STEP_TIMEOUT = 30.0
UPLOAD_SIZE = 256 * 1024
#: The keyring backend each OS is expected to have in the bundle.
NATIVE_KEYCHAINS = {"linux": "SecretService", "win32": "Windows", "darwin": "macOS"}


class StepFailed(Exception):
    """A step found something wrong; the message says what."""


def _wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Run the event loop until ``condition()`` holds; StepFailed after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    while not condition():
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        QTimer.singleShot(20, loop.quit)
        loop.exec()


class SelfTest:
    """The steps, in order; each returns a short detail for its line of output."""

    def __init__(self, stack: ExitStack, workdir: Path) -> None:
        self.stack = stack
        self.workdir = workdir
        self.problems: list[str] = []
        self.bus = messages.MessageBus()
        self.bus.posted.connect(self._on_message)
        self.bridge = Bridge(bus=self.bus, on_crash=lambda e: self.problems.append(repr(e)))
        stack.callback(self.bridge.shutdown)
        self.demo_process: DemoProcess | None = None
        self.window: MainWindow | None = None
        self.image_key = ""

    def _on_message(self, message: messages.Message) -> None:
        if message.level is messages.Level.ERROR:
            self.problems.append(message.text)

    def check_problems(self) -> None:
        if self.problems:
            raise StepFailed("the app reported: " + " | ".join(self.problems))

    def qt_plugins(self) -> str:
        platform = QGuiApplication.platformName()
        formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
        missing = [f for f in IMAGE_FORMATS if f not in formats]
        if missing:
            raise StepFailed(f"Qt cannot read these image formats: {', '.join(missing)}")
        if app_icon().pixmap(64, 64).isNull():
            raise StepFailed("the app icon did not render")
        media = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
        if not media:
            raise StepFailed("no multimedia backend: QtMultimedia's FFmpeg plugin did not load")
        return f"platform {platform}; images {', '.join(IMAGE_FORMATS)}; {len(media)} media formats"

    def keychain(self) -> str:
        found = {ep.name: ep for ep in importlib.metadata.entry_points(group="keyring.backends")}
        native = NATIVE_KEYCHAINS.get(sys.platform)
        if native is not None and native not in found:
            raise StepFailed(f"keyring's {native} backend is missing from this build")
        status = keychain_status()
        if status.available or native is None:
            return status.backend
        reason = "not chosen"
        try:  # keyring's own reason, e.g. no D-Bus session or no Secret Service on it
            _ = found[native].load().Keyring.priority
        except Exception as error:  # noqa: BLE001 - the reason is what we want to show
            reason = str(error)
        return f"none usable here ({native}: {reason})"

    def main_window(self) -> str:
        def factory() -> DemoProcessLike:
            process = self.demo_process = DemoProcess(ephemeral=True)
            # DemoProcess.stop() also returns the exit code, which the launcher ignores.
            return cast("DemoProcessLike", process)

        launcher = DemoLauncher(self.bridge, factory=factory)
        window = self.window = MainWindow(bridge=self.bridge, bus=self.bus, demo=launcher)
        self.stack.callback(window.hide)  # never close(): that saves the window layout
        self.stack.callback(window.shutdown)
        window.show()
        _wait_until(lambda: window.windowHandle().isExposed(), STEP_TIMEOUT, "the window")
        return f"{window.width()}x{window.height()} on {QGuiApplication.platformName()}"

    def demo_environment(self) -> str:
        window = self._window()
        window.start_demo()
        _wait_until(
            lambda: window.connection is not None or bool(self.problems),
            DEMO_TIMEOUT,
            "the demo environment",
        )
        self.check_problems()
        if window.pages.currentWidget() is not window.workspace:
            raise StepFailed("the window did not switch to the workspace")
        info = self._demo().info
        return f"S3 {info.s3_endpoint}, API {info.api_url}, child pid {self._demo().pid}"

    def list_bucket(self) -> str:
        connection = self._connection()
        client = self._client()
        folders = list_page(client, connection.bucket, "").folders
        for wanted in ("images/", "videos/"):
            if wanted not in folders:
                raise StepFailed(f"the bucket has no {wanted} folder (found {list(folders)})")
        images = [
            o.key
            for o in iter_objects(client, connection.bucket, "images/")
            if o.key.lower().endswith(IMAGE_SUFFIXES)
        ]
        if not images:
            raise StepFailed("no image in images/")
        self.image_key = images[0]
        return f"{len(folders)} folders at the top; {len(images)} images; {self._view_rows()}"

    def _view_rows(self) -> str:
        """The window's object list, once the browser feeds it a model."""
        model = getattr(self._window().object_list, "model", lambda: None)()
        if model is None:
            return "the window's object list has no model yet"
        _wait_until(lambda: model.rowCount() > 0, STEP_TIMEOUT, "rows in the object list")
        self.check_problems()
        return f"the window's object list shows {model.rowCount()} rows"

    def upload(self) -> str:
        connection = self._connection()
        data = os.urandom(UPLOAD_SIZE)
        path = self.workdir / "self-test.bin"
        path.write_bytes(data)
        key = f"uploads/self-test-{uuid.uuid4().hex[:12]}.bin"
        config = TransferConfig()
        journal = self.stack.enter_context(Journal(self.workdir / "journal.sqlite3"))
        queue = TransferQueue(journal, TransferClients(config), config)
        self.stack.callback(queue.shutdown)
        transfer_id = queue.add_upload(UploadRequest(path, connection.bucket, key), connection.s3)
        queue.future(transfer_id).result(timeout=STEP_TIMEOUT)
        stored = self._client().get_object(Bucket=connection.bucket, Key=key)["Body"].read()
        if hashlib.md5(stored).digest() != hashlib.md5(data).digest():  # noqa: S324 - a checksum
            raise StepFailed(f"{key} holds other bytes than the file uploaded")
        return f"{len(data) // 1024} KiB to {key}, read back identical"

    def preview_image(self) -> str:
        link = presign_get(self._client(), self._connection().bucket, self.image_key)
        response = requests.get(link.url, timeout=STEP_TIMEOUT)
        if response.status_code != 200:
            raise StepFailed(f"the presigned URL answered HTTP {response.status_code}")
        buffer = QBuffer()
        buffer.setData(QByteArray(response.content))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
        kind = bytes(reader.format().data()).decode()
        image = reader.read()
        if image.isNull():
            raise StepFailed(f"Qt could not decode {self.image_key}: {reader.errorString()}")
        return f"{self.image_key}: {image.width()}x{image.height()} {kind}"

    def sign_in(self) -> str:
        info = self._demo().info
        client = BackendClient(info.api_url)
        self.stack.callback(client.close)
        session = client.login(info.admin_email, info.admin_password)
        if not session.user.is_admin:
            raise StepFailed(f"{info.admin_email} signed in as {session.user.role}, not admin")
        courses = client.courses()
        if not courses:
            raise StepFailed("the demo backend lists no course")
        return f"{session.user.email} ({session.user.role}); {len(courses)} courses"

    # -- helpers ----------------------------------------------------------------------------
    def _window(self) -> MainWindow:
        if self.window is None:
            raise StepFailed("the main window is not open")
        return self.window

    def _demo(self) -> DemoProcess:
        if self.demo_process is None:
            raise StepFailed("the demo environment was not started")
        return self.demo_process

    def _connection(self) -> Connection:
        connection = self._window().connection
        if connection is None:
            raise StepFailed("the window has no connection")
        return connection

    def _client(self) -> Any:
        return make_client(self._connection().s3)


def run_self_test() -> int:
    """Run every step, printing one line each; 0 when all pass, 1 naming the first failure."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    create_application()
    out = sys.stdout
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    out.write(
        f"coachadmin {__version__} self-test ({frozen}, Python {sys.version.split()[0]}, "
        f"PySide6 {pyside_version}, {sys.platform})\n"
    )
    started = time.monotonic()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coachadmin-")))
        test = SelfTest(stack, workdir)
        steps: list[tuple[str, Callable[[], str]]] = [
            ("Qt plugins", test.qt_plugins),
            ("keychain", test.keychain),
            ("main window", test.main_window),
            ("demo environment", test.demo_environment),
            ("list the bucket", test.list_bucket),
            ("upload a file", test.upload),
            ("preview an image", test.preview_image),
            ("sign in to the backend", test.sign_in),
        ]
        for number, (name, step) in enumerate(steps, 1):
            step_started = time.monotonic()
            try:
                detail = step()
                test.check_problems()
            except Exception as error:  # noqa: BLE001 - every failure is reported by its step
                message = str(error) if isinstance(error, StepFailed) else _describe(error)
                out.flush()
                sys.stderr.write(f"self-test FAILED at step {number} '{name}': {redact(message)}\n")
                return 1
            took = time.monotonic() - step_started
            out.write(f"  ok  {number}. {name} ({took:.1f} s): {redact(detail)}\n")
            out.flush()
    out.write(f"self-test passed: {len(steps)} steps in {time.monotonic() - started:.1f} s\n")
    return 0


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
