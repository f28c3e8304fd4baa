"""What a finished transfer reports."""

from __future__ import annotations

from dataclasses import dataclass

from coachadmin.transfers.events import TransferKind


@dataclass(frozen=True)
class TransferResult:
    """A transfer that ended well. ``verified`` says how: ``etag`` (MD5 compared),
    ``checksum`` (composite CRC32), ``size+part-checksums`` (opaque: size checked, parts
    verified by the server on receipt), ``journal``
    (it had finished before)."""

    transfer_id: str
    kind: TransferKind
    bucket: str
    key: str
    path: str
    size: int
    etag: str
    parts: int = 1
    #: Body bytes put on the wire, retries and re-sends included.
    bytes_sent: int = 0
    restarted: bool = False
    verified: str = "etag"

    def as_json(self) -> dict[str, object]:
        return {
            "event": "result",
            "id": self.transfer_id,
            "kind": str(self.kind),
            "bucket": self.bucket,
            "key": self.key,
            "path": self.path,
            "size": self.size,
            "etag": self.etag,
            "parts": self.parts,
            "bytesSent": self.bytes_sent,
            "restarted": self.restarted,
            "verified": self.verified,
        }
