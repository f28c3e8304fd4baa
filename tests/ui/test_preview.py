"""The preview pane against the demo environment over HTTP: images, text, details, errors."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PySide6.QtCore import QBuffer, QIODevice, QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from support.faultproxy import Fault
from support.mediaproxy import DENIED_BODY, MediaProxy
from support.preview import (
    MEDIA_NOISE,
    demo_objects,
    pick,
    put_object,
    selected,
    unique_prefix,
)

from coachadmin.demo.environment import DemoEnvironment
from coachadmin.s3.client import make_client
from coachadmin.ui.browser.selection import SelectedObject
from coachadmin.ui.preview import PreviewPane
from coachadmin.ui.preview.loaders import TEXT_LIMIT

pytestmark = pytest.mark.qt_log_ignore(*MEDIA_NOISE)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=12) as env:
        yield env


@pytest.fixture
def pane(qtbot, bridge, bus, demo) -> PreviewPane:
    widget = PreviewPane(bridge=bridge, bus=bus)
    qtbot.addWidget(widget)
    widget.resize(420, 560)
    widget.show()
    widget.set_connection(demo.info.connection())
    return widget


def settle(qtbot, pane: PreviewPane) -> str:
    qtbot.waitUntil(lambda: pane.current_view() not in ("loading", "placeholder"), timeout=10_000)
    return pane.current_view()


def test_an_image_shows_scaled_with_its_pixel_dimensions(qtbot, pane, demo):
    cover = pick(demo_objects(demo, "images/"), ".png")
    pane.show_object(selected(demo.info.bucket, cover))
    assert settle(qtbot, pane) == "image"
    assert pane.image_view.pixmap().width() == 480
    assert pane.image_view.pixmap().height() == 270
    assert "480 \u00d7 270 px" in pane.info.text()
    assert "2.4 KB" in pane.info.text()
    assert pane.title.text() == cover.name
    # Scaled to fit the pane, keeping its aspect ratio.
    drawn = pane.image_view.image_rect()
    assert drawn.width() <= pane.image_view.width()
    assert abs(drawn.width() / drawn.height() - 480 / 270) < 0.02


def test_a_jpeg_portrait_and_its_size(qtbot, pane, demo):
    portrait = pick(demo_objects(demo, "images/"), ".jpg")
    pane.show_object(selected(demo.info.bucket, portrait))
    assert settle(qtbot, pane) == "image"
    size = pane.image_view.pixmap().size()
    assert f"{size.width()} \u00d7 {size.height()} px" in pane.info.text()
    assert (size.width(), size.height()) == (240, 240)
    assert pane.info.text().startswith("JPEG image")  # the file list's name for it


def test_json_is_pretty_printed_and_subtitles_are_text(qtbot, pane, demo):
    connection = demo.info.connection()
    prefix = unique_prefix("text")
    item = put_object(connection, f"{prefix}session.json", b'{"topic":"goals","minutes":45}')
    pane.show_object(item)
    assert settle(qtbot, pane) == "text"
    shown = pane.text_view.editor.toPlainText()
    assert shown == json.dumps({"topic": "goals", "minutes": 45}, indent=2)
    assert not pane.text_view.note.isVisibleTo(pane)

    captions = pick(demo_objects(demo, "uploads/captions/"), ".vtt")
    pane.show_object(selected(demo.info.bucket, captions))
    assert settle(qtbot, pane) == "text"
    assert pane.text_view.editor.toPlainText().startswith("WEBVTT")
    assert pane.text_view.editor.isReadOnly()


def test_a_long_text_shows_its_beginning_and_says_so(qtbot, pane, demo):
    line = "Zoë\u2019s session notes, line {:06d}\n"
    body = "".join(line.format(n) for n in range(12_000)).encode("utf-8")  # ~400 KB
    assert len(body) > TEXT_LIMIT
    item = put_object(demo.info.connection(), f"{unique_prefix('long')}notes.txt", body)
    pane.show_object(item)
    assert settle(qtbot, pane) == "text"
    text = pane.text_view.editor.toPlainText()
    assert body.decode("utf-8").startswith(text)  # a cut multi-byte character is dropped
    assert len(text.encode("utf-8")) > TEXT_LIMIT - 8
    assert "\ufffd" not in text
    assert pane.text_view.note.isVisibleTo(pane)
    assert pane.text_view.note.text() == f"Showing the first 256 KiB of {len(body) / 1000:.0f} KB."


def test_a_video_whose_name_has_dot_folders_says_why_it_cannot_play(qtbot, pane, demo, bus):
    item = put_object(demo.info.connection(), f"{unique_prefix('dots')}../intro.mp4", b"\x00" * 64)
    pane.show_object(item)
    assert settle(qtbot, pane) == "details"
    assert "'.' or '..' folder part" in pane.details_view.reason.text()
    assert pane.links.open_button.isVisibleTo(pane)  # a link still, with its warning
    said: list[str] = []
    bus.posted.connect(lambda message: said.append(message.text))
    pane.copy_link(timedelta(hours=1))
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert said[-1].startswith("Link copied. It works until ")
    assert "'.' or '..' folder part" in said[-1]


def test_an_unsupported_type_shows_its_details_and_links(qtbot, pane, demo):
    item = put_object(
        demo.info.connection(), f"{unique_prefix('other')}course.zip", b"PK\x03\x04" + b"z" * 500
    )
    pane.show_object(item)
    assert settle(qtbot, pane) == "details"
    values = {name: label.text() for name, label in pane.details_view.values.items()}
    assert values["Name"] == "course.zip"
    assert values["Size"] == "504 bytes (504 bytes)"
    assert values["Type"] == "ZIP archive"  # as the file list names it
    assert values["ETag"] == item.info.etag
    assert values["Storage class"] == "STANDARD"
    assert "No preview" in pane.details_view.reason.text()
    assert pane.links.open_button.isVisibleTo(pane)
    assert pane.links.copy_button.isVisibleTo(pane)


def test_a_damaged_image_gives_a_message_not_a_blank_pane(qtbot, pane, demo):
    item = put_object(
        demo.info.connection(), f"{unique_prefix('bad')}broken.png", b"\x89PNG\r\n\x1a\n garbage"
    )
    pane.show_object(item)
    assert settle(qtbot, pane) == "message"
    assert "could not be" in pane.message_view.text.text()
    assert pane.message_view.retry.isVisibleTo(pane)


def test_a_deleted_object_says_so(qtbot, pane, demo):
    item = put_object(demo.info.connection(), f"{unique_prefix('gone')}cover.png", b"x")

    make_client(demo.info.s3_settings()).delete_object(Bucket=demo.info.bucket, Key=item.key)
    pane.show_object(item)
    assert settle(qtbot, pane) == "message"
    assert "no longer exists" in pane.message_view.text.text()


def test_access_denied_403_gives_a_message(qtbot, bridge, bus, demo):
    """S3 answers 403 AccessDenied (the credentials may not read this key): a message."""
    with MediaProxy(demo.info.s3_endpoint) as proxy:
        connection = demo.info.connection()
        connection = replace(connection, s3=replace(connection.s3, endpoint_url=proxy.url))
        item = put_object(connection, f"{unique_prefix('denied')}cover.png", _noise_png(16))
        proxy.add_fault(
            lambda request: request.method == "GET" and item.key in request.target,
            Fault("status", code=403, body=DENIED_BODY),
            times=1,
        )
        pane = PreviewPane(bridge=bridge, bus=bus)
        qtbot.addWidget(pane)
        pane.set_connection(connection)
        pane.show_object(item)
        assert settle(qtbot, pane) == "message"
        text = pane.message_view.text.text()
        assert "403" in text
        assert "AccessDenied" in text
        assert "s3:GetObject" in text
        # Access granted again (the refusal was once): "Try again" shows the object.
        pane.message_view.retry.click()
        assert settle(qtbot, pane) == "image"
        assert "16 \u00d7 16 px" in pane.info.text()


def _noise_png(side: int) -> bytes:
    """A large PNG that takes a while to fetch and decode (random pixels, stored)."""
    image = QImage(os.urandom(side * side * 4), side, side, QImage.Format.Format_RGB32)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG", 100)
    return bytes(buffer.data().data())


def test_quick_selection_changes_show_only_the_last_object(qtbot, pane, demo, bridge):
    """Arrowing through a folder: older loads are cancelled or their results dropped."""
    connection = demo.info.connection()
    prefix = unique_prefix("quick")
    slow = put_object(connection, f"{prefix}huge.png", _noise_png(1400))
    objects = demo_objects(demo)
    order = [
        selected(demo.info.bucket, pick(objects, ".png")),
        slow,
        selected(demo.info.bucket, pick(objects, ".jpg")),
        put_object(connection, f"{prefix}last.json", b'{"last": true}'),
    ]
    for item in order:
        pane.show_object(item)
    assert settle(qtbot, pane) == "text"
    qtbot.waitUntil(lambda: bridge.pending == 0, timeout=20_000)  # the huge image arrived too
    assert pane.current_view() == "text"
    assert pane.title.text() == "last.json"
    assert json.loads(pane.text_view.editor.toPlainText()) == {"last": True}
    assert pane.image_view.pixmap().isNull()  # no stale image was put in the view


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def browser_catcher() -> Iterator[_UrlCatcher]:
    """Stands in for the web browser: QDesktopServices hands http links to it."""
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("http", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("http")


def test_open_in_browser_opens_a_presigned_link_to_the_bytes(qtbot, pane, demo, browser_catcher):
    portrait = pick(demo_objects(demo, "images/"), ".jpg")
    pane.show_object(selected(demo.info.bucket, portrait))
    settle(qtbot, pane)
    pane.links.open_button.click()
    qtbot.waitUntil(lambda: bool(browser_catcher.urls), timeout=10_000)
    url = browser_catcher.urls[0].toString(QUrl.ComponentFormattingOption.FullyEncoded)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["3600"]
    body = requests.get(url, timeout=10).content
    assert not QImage.fromData(body).isNull()
    assert len(body) == portrait.size


def test_copy_link_puts_a_link_of_the_chosen_lifetime_on_the_clipboard(qtbot, pane, demo, bus):
    captions = pick(demo_objects(demo, "uploads/captions/"), ".vtt")
    pane.show_object(selected(demo.info.bucket, captions))
    settle(qtbot, pane)
    pane.links.expiry.setCurrentIndex(pane.links.expiry.findText("1 day"))
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(bus.posted, timeout=10_000) as posted:
        pane.links.copy_button.click()
    assert "Link copied" in posted.args[0].text
    url = QGuiApplication.clipboard().text()
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["86400"]
    assert requests.get(url, timeout=10).text.startswith("WEBVTT")


def test_a_folder_and_nothing_selected_explain_themselves(qtbot, pane, demo):
    pane.show_object(SelectedObject(demo.info.bucket, "videos/", None))
    assert pane.current_view() == "placeholder"
    assert "is a folder" in pane.placeholder.text()
    pane.show_object(None)
    assert pane.placeholder.text() == PreviewPane.PLACEHOLDER
