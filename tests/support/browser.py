"""Helpers for the browser and transfer panel tests: scripted questions, windows, buckets."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from coachadmin.connection import Connection
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.ui.browser.question_types import (
    Conflict,
    ConflictAnswer,
    DeletePlan,
    MediaChoice,
    MediaNotes,
)
from coachadmin.ui.browser.questions import Questions


class ScriptedQuestions(Questions):
    """Answers at once from what the test put in; records every question asked."""

    def __init__(self) -> None:
        super().__init__(None)
        self.asked: list[tuple[str, Any]] = []
        self.conflict_answers: list[ConflictAnswer | None] = []
        self.delete_answer = True
        self.texts: list[str | None] = []
        self.expiry: timedelta | None = timedelta(hours=1)
        self.quit_answer = True
        self.restore_answer = True
        self.media_answer: MediaChoice | None = MediaChoice.AS_IS
        self.files: list[Path] = []
        self.folder: Path | None = None

    def conflict(self, conflict: Conflict) -> ConflictAnswer | None:
        self.asked.append(("conflict", conflict))
        return self.conflict_answers.pop(0)

    def confirm_delete(self, plan: DeletePlan) -> bool:
        self.asked.append(("delete", plan))
        return self.delete_answer

    def media_notes(self, notes: MediaNotes) -> MediaChoice | None:
        self.asked.append(("media", notes))
        return self.media_answer

    def confirm_restore(self, key: str, when: str) -> bool:
        self.asked.append(("restore", key))
        return self.restore_answer

    def text(self, title: str, label: str, value: str = "") -> str | None:
        self.asked.append(("text", (title, label, value)))
        return self.texts.pop(0)

    def link_expiry(self, key: str) -> timedelta | None:
        self.asked.append(("link", key))
        return self.expiry

    def confirm_quit(self, running: int) -> bool:
        self.asked.append(("quit", running))
        return self.quit_answer

    def upload_files(self, destination: str) -> list[Path]:
        self.asked.append(("upload", destination))
        return list(self.files)

    def download_folder(self) -> Path | None:
        self.asked.append(("download", None))
        return self.folder

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.asked]


def unique_bucket_connection(base: Connection, prefix: str = "ui") -> Connection:
    """A fresh empty bucket on the same S3 server as ``base``, and a connection to it."""
    bucket = f"{prefix}-{uuid.uuid4().hex[:12]}"
    extra: dict[str, Any] = {}
    if base.s3.region and base.s3.region != "us-east-1":
        extra["CreateBucketConfiguration"] = {"LocationConstraint": base.s3.region}
    client(base).create_bucket(Bucket=bucket, **extra)
    return dataclasses.replace(base, bucket=bucket, name=f"Test {bucket}")


def client(connection: Connection) -> Any:
    return make_client(connection.s3)


def with_endpoint(connection: Connection, endpoint: str) -> Connection:
    s3 = dataclasses.replace(connection.s3, endpoint_url=endpoint)
    return dataclasses.replace(connection, s3=s3)


def put(connection: Connection, key: str, body: bytes = b"x", **extra: Any) -> None:
    client(connection).put_object(Bucket=connection.bucket, Key=key, Body=body, **extra)


def keys(connection: Connection, prefix: str = "") -> list[str]:
    paginator = client(connection).get_paginator("list_objects_v2")
    found: list[str] = []
    for page in paginator.paginate(Bucket=connection.bucket, Prefix=prefix):
        found += [item["Key"] for item in page.get("Contents", [])]
    return sorted(found)


def drop_files(view: QWidget, paths: list[Path], point: QPoint | None = None) -> QDropEvent:
    """Drag ``paths`` in from the "file manager" and drop them on ``view`` at ``point``.

    Real events, sent as the OS sends them: a QDragEnterEvent (Qt only delivers a
    drop to a widget the drag has entered), then a QDropEvent with file URLs.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = view.viewport() if hasattr(view, "viewport") else view
    where = QPointF(point if point is not None else QPoint(20, 20))
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(where, *args)
    QApplication.sendEvent(target, enter)
    event = QDropEvent(where, *args)
    QApplication.sendEvent(target, event)
    event.mime = mime  # type: ignore[attr-defined]  # keep the data alive with the event
    return event


class StallMeter:
    """The longest gap between ticks of a 10 ms timer: how long the event loop was stuck.

    Tests do not hold it to a time budget (bench/ measures those figures); they check
    that the loop was never stuck for a large share of the whole operation, which is
    what work done on the GUI thread would cause.
    """

    def __init__(self, interval_ms: int = 10) -> None:
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0
        self.started = 0.0
        self.elapsed = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self) -> StallMeter:
        self.last = 0.0
        self.worst = 0.0
        self.started = time.perf_counter()
        self.timer.start()
        return self

    def stop(self) -> float:
        self.timer.stop()
        self.elapsed = time.perf_counter() - self.started
        return self.worst

    def never_stuck_for(self, share: float) -> bool:
        """Whether no stall lasted ``share`` (0-1) of the time between start and stop."""
        return self.worst < share * self.elapsed


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll (outside Qt) until ``predicate`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


__all__ = ["S3Settings"]
