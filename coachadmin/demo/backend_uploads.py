"""``POST /api/upload/image`` and ``POST /api/upload/video``, as the platform has them.

The file arrives whole in one multipart form (the platform uses multer with a
memory store), goes to ``images/`` or ``videos/`` under the platform's naming,
and the answer carries a presigned URL to it. Over 100 MB is refused: large
videos go straight to S3 with multipart upload from the desktop tool.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder

from coachadmin.demo.backend_context import BackendContext
from coachadmin.demo.backend_http import ApiError, ApiRequest, Reply
from coachadmin.s3.naming import platform_key

log = logging.getLogger("coachadmin.demo")

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
#: The whole request may hold a little more than the file: the form's own framing.
MAX_UPLOAD_BODY = MAX_UPLOAD_BYTES + 64 * 1024

#: field name → (folder, role needed or None, MIME family accepted).
_KINDS: dict[str, tuple[str, str | None, str]] = {
    "image": ("images", None, "image/"),
    "video": ("videos", "admin", "video/"),
}


@dataclass(frozen=True)
class FormPart:
    filename: str | None  # None: a part without one (a text field)
    content_type: str | None  # None when the part did not say
    data: bytes


def form_part(request: ApiRequest, name: str) -> FormPart | None:
    """The first part named ``name`` of a multipart/form-data body (ValueError if the body is
    not one, or is malformed anywhere)."""
    boundary = request.mimetype_params.get("boundary")
    if request.mimetype != "multipart/form-data" or not boundary:
        raise ValueError("the body is not multipart/form-data")
    decoder = MultipartDecoder(boundary.encode("latin-1"))
    decoder.receive_data(request.get_data())
    decoder.receive_data(None)
    found: FormPart | None = None
    part: Field | File | None = None
    chunks: list[bytes] = []
    while not isinstance(event := decoder.next_event(), Epilogue):  # ValueError if cut short
        if isinstance(event, Field | File):
            part, chunks = event, []
        elif isinstance(event, Data) and part is not None and part.name == name:
            chunks.append(event.data)
            if found is None and not event.more_data:
                declared = part.headers.get("Content-Type")
                found = FormPart(
                    part.filename if isinstance(part, File) else None,
                    parse_options_header(declared)[0].lower() if declared else None,
                    b"".join(chunks),
                )
    return found


def upload_handler(ctx: BackendContext, field: str) -> Callable[[ApiRequest], Reply]:
    """The handler of ``POST /api/upload/<field>``."""
    folder, role, family = _KINDS[field]

    def upload(request: ApiRequest) -> Reply:
        ctx.user(request, role)
        try:
            part = form_part(request, field)
        except ValueError:
            raise ApiError(
                400, f"Send the file as multipart/form-data in a field named {field}"
            ) from None
        if part is None or (part.filename is None and not part.data):
            raise ApiError(400, f"{field} is required: send the file in a form field named {field}")
        if len(part.data) > MAX_UPLOAD_BYTES:
            raise ApiError(
                413, "The file is larger than 100 MB: upload it straight to S3 with coachadmin"
            )
        original = part.filename or field
        mimetype = part.content_type or mimetypes.guess_type(original)[0] or ""
        if not mimetype.startswith(family):
            raise ApiError(400, f"{field} must be a {family}* file, not {mimetype or 'unknown'}")
        key = platform_key(folder, original)
        ctx.s3.put_object(Bucket=ctx.bucket, Key=key, Body=part.data, ContentType=mimetype)
        log.info("demo backend: stored %s (%d bytes)", key, len(part.data))
        url = ctx.presign(key)
        data = {
            f"{field}Url": url,
            "s3Key": key,
            "bucket": ctx.bucket,
            "originalName": original,
            "size": len(part.data),
            "mimetype": mimetype,
        }
        if field == "video":
            data["videoId"] = key
        return Reply(data, f"{field.capitalize()} uploaded")

    return upload
