"""multipart/form-data parsing for the demo backend's upload endpoints."""

from __future__ import annotations

import os

import pytest
import requests
from werkzeug.test import EnvironBuilder

from coachadmin.demo.backend_http import ApiRequest
from coachadmin.demo.backend_uploads import form_part


def _request(content_type: str, body: bytes) -> ApiRequest:
    builder = EnvironBuilder(method="POST", data=body, content_type=content_type)
    return ApiRequest(builder.get_environ())


def _form(files: dict[str, tuple[str | None, bytes] | tuple[str | None, bytes, str]]) -> ApiRequest:
    """A request whose body is exactly what requests sends (the desktop client uses requests)."""
    prepared = requests.Request("POST", "http://demo.invalid/", files=files).prepare()
    assert isinstance(prepared.body, bytes)
    return _request(prepared.headers["Content-Type"], prepared.body)


def test_binary_file_comes_back_byte_for_byte() -> None:
    # Line breaks and boundary-like bytes inside the file must survive.
    payload = os.urandom(64 * 1024) + b"\r\n--\r\n\n\r" + os.urandom(1000) + b"\r\n"
    request = _form({"note": (None, b"hi"), "video": ("My Clip.mp4", payload, "video/mp4")})
    part = form_part(request, "video")
    assert part is not None
    assert (part.filename, part.content_type, part.data) == ("My Clip.mp4", "video/mp4", payload)
    note = form_part(request, "note")
    assert note is not None and (note.filename, note.data) == (None, b"hi")
    assert form_part(request, "image") is None


def test_part_without_content_type_says_so() -> None:
    part = form_part(_form({"image": ("a.png", b"png")}), "image")
    assert part is not None and (part.content_type, part.data) == (None, b"png")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "multipart/form-data", "text/plain; boundary=x"],
)
def test_not_multipart_form_data_is_refused(content_type: str) -> None:
    with pytest.raises(ValueError):
        form_part(_request(content_type, b'{"image": 1}'), "image")


def test_body_without_its_boundary_or_cut_short_is_refused() -> None:
    with pytest.raises(ValueError):
        form_part(_request("multipart/form-data; boundary=abc", b"no parts here at all"), "image")
    whole = _form({"image": ("a.png", b"png", "image/png"), "note": (None, b"later")})
    with pytest.raises(ValueError):
        form_part(_request(whole.content_type or "", whole.get_data()[:-20]), "image")
