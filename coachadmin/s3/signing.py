"""How bodies of uploads are signed: the fewest passes over the bytes, never less safe.

SigV4 signs a request's body by its SHA-256, or declares it ``UNSIGNED-PAYLOAD``.
botocore signs a streamed body over plain HTTP always, and over HTTPS only when no
checksum header guards it. Two hooks keep that policy and save work:

- over HTTPS our own ``x-amz-checksum-*`` header is declared to the signer the way
  botocore declares its own checksums, so the body is not hashed a second time;
- over HTTP, a body that already knows its SHA-256 (the transfer engine computes it
  in the same pass as the part's checksum) is signed with it instead of being read
  from disk once more for the hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import botocore.auth
from botocore.auth import S3SigV4Auth

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: A body with this attribute set (a hex SHA-256 of all its bytes) is signed with it.
KNOWN_SHA256 = "payload_sha256"
#: ``x-amz-checksum-*`` headers that are not a checksum of the body.
_NOT_A_CHECKSUM = ("x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode")
_SIGNER_NAME = "coachadmin-s3v4"
_UPLOADS = ("PutObject", "UploadPart")


class KnownPayloadS3SigV4Auth(S3SigV4Auth):
    """botocore's S3 SigV4 signer that takes a body's SHA-256 from the body when it has one."""

    def payload(self, request: Any) -> str:
        known = getattr(request.data, KNOWN_SHA256, None)  # .body would prepare the request anew
        if isinstance(known, str) and known:
            return known
        return str(super().payload(request))


def signs_payload(client: S3Client) -> bool:
    """Whether the client's uploads are signed by the SHA-256 of their body (plain HTTP)."""
    return not client.meta.endpoint_url.lower().startswith("https:")


def install_signing_hooks(client: S3Client) -> None:
    botocore.auth.AUTH_TYPE_MAPS.setdefault(_SIGNER_NAME, KnownPayloadS3SigV4Auth)
    events = client.meta.events
    events.register("before-sign.s3", _declare_checksum_header)
    for operation in _UPLOADS:
        # A choose-signer handler answers with a signer's name (the stubs say None).
        events.register(f"choose-signer.s3.{operation}", _choose_known_payload_signer)  # type: ignore[arg-type]


def _choose_known_payload_signer(signature_version: str, **_kwargs: Any) -> str | None:
    """Plain S3 SigV4 only: S3 Express, SigV4a and presigning keep botocore's signers."""
    return _SIGNER_NAME if signature_version == "s3v4" else None


def _declare_checksum_header(request: Any, **_kwargs: Any) -> None:
    """Tell botocore's signer about an ``x-amz-checksum-*`` header we set ourselves.

    botocore leaves a streamed body unsigned over HTTPS (no second SHA-256 pass over
    it) when a checksum header guards it, but recognises only Content-MD5 and the
    checksums it computed; ours are declared here the way it declares its own.
    """
    for name in request.headers:
        lowered = name.lower()
        if lowered.startswith("x-amz-checksum-") and lowered not in _NOT_A_CHECKSUM:
            checksum = request.context.setdefault("checksum", {})
            checksum.setdefault(
                "request_algorithm",
                {
                    "algorithm": lowered.removeprefix("x-amz-checksum-"),
                    "in": "header",
                    "name": lowered,
                },
            )
            return
