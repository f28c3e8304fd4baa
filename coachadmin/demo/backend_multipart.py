"""multipart/form-data bodies, read with the stdlib ``email`` parser.

``cgi`` is gone from Python 3.13 and the demo needs no streaming: the platform's
upload endpoints hold the whole file in memory too (hence their 100 MB limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser


class MultipartError(ValueError):
    """The body is not multipart/form-data that this parser understands."""


@dataclass(frozen=True)
class FormPart:
    name: str
    filename: str | None
    content_type: str | None  # None when the part did not say
    data: bytes


def parse_form(content_type: str, body: bytes) -> dict[str, FormPart]:
    """The parts of a multipart/form-data ``body``, by field name (the first of each name)."""
    if (
        not content_type.lower().startswith("multipart/form-data")
        or "boundary=" not in content_type
    ):
        raise MultipartError("the body is not multipart/form-data")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart() or message.defects:
        raise MultipartError("the multipart body is malformed")
    parts: dict[str, FormPart] = {}
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or name in parts:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        declared = part.get_content_type() if part.get("Content-Type") else None
        parts[name] = FormPart(name, part.get_filename(), declared, data)
    return parts
