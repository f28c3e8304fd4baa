"""multipart/form-data parsing for the demo backend's upload endpoints."""

from __future__ import annotations

import os

import pytest
import requests

from coachadmin.demo.backend_multipart import MultipartError, parse_form


def _encode(
    files: dict[str, tuple[str, bytes, str]], data: dict[str, str] | None = None
) -> tuple[str, bytes]:
    """A body exactly as requests sends it (the desktop client uses requests too)."""
    prepared = requests.Request("POST", "http://demo.invalid/", files=files, data=data).prepare()
    assert isinstance(prepared.body, bytes)
    return prepared.headers["Content-Type"], prepared.body


def test_binary_file_comes_back_byte_for_byte() -> None:
    # Line breaks and boundary-like bytes inside the file must survive.
    payload = os.urandom(64 * 1024) + b"\r\n--\r\n\n\r" + os.urandom(1000) + b"\r\n"
    content_type, body = _encode({"video": ("My Clip.mp4", payload, "video/mp4")}, {"note": "hi"})
    parts = parse_form(content_type, body)
    assert parts["video"].data == payload
    assert parts["video"].filename == "My Clip.mp4"
    assert parts["video"].content_type == "video/mp4"
    assert parts["note"].data == b"hi"
    assert parts["note"].filename is None


def test_part_without_content_type_says_so() -> None:
    prepared = requests.Request(
        "POST", "http://demo.invalid/", files={"image": ("a.png", b"png")}
    ).prepare()
    assert isinstance(prepared.body, bytes)
    parts = parse_form(prepared.headers["Content-Type"], prepared.body)
    assert parts["image"].content_type is None
    assert parts["image"].data == b"png"


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "multipart/form-data", "text/plain; boundary=x"],
)
def test_not_multipart_form_data_is_refused(content_type: str) -> None:
    with pytest.raises(MultipartError):
        parse_form(content_type, b'{"image": 1}')


def test_body_without_its_boundary_is_refused() -> None:
    with pytest.raises(MultipartError):
        parse_form("multipart/form-data; boundary=abc", b"no parts here at all")
