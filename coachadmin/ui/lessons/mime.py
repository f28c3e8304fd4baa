"""The drag-and-drop format for S3 objects: the browser produces it, the lessons panel accepts it.

``application/x-coachadmin-s3-keys`` carries UTF-8 JSON, a list of
``{"bucket": ..., "key": ...}`` objects. Qt-free, so the browser and tests can
encode without a widget; :func:`to_mime_data` wraps it in a QMimeData.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QMimeData

from coachadmin.json_text import parse_json

S3_KEYS_MIME = "application/x-coachadmin-s3-keys"


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str


def encode_keys(objects: list[ObjectRef]) -> bytes:
    return json.dumps([{"bucket": o.bucket, "key": o.key} for o in objects]).encode("utf-8")


def decode_keys(data: bytes) -> list[ObjectRef]:
    """The objects in a payload; [] for anything malformed (a drop from elsewhere)."""
    try:
        items = parse_json(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [
        ObjectRef(str(item["bucket"]), str(item["key"]))
        for item in items
        if isinstance(item, dict) and item.get("bucket") and item.get("key")
    ]


def to_mime_data(objects: list[ObjectRef]) -> QMimeData:
    """What the object list's ``mimeData()`` returns for the selected objects."""
    mime = QMimeData()
    mime.setData(S3_KEYS_MIME, encode_keys(objects))
    mime.setText("\n".join(f"s3://{o.bucket}/{o.key}" for o in objects))
    return mime


def from_mime_data(mime: QMimeData) -> list[ObjectRef]:
    if not mime.hasFormat(S3_KEYS_MIME):
        return []
    return decode_keys(bytes(mime.data(S3_KEYS_MIME).data()))
