"""The preview's S3 failures in words: botocore's errors as :class:`PreviewError`.

No Qt here, and botocore at the top: :class:`~coachadmin.ui.preview.access.S3Access`
names this module through :class:`~coachadmin.ui.worker_imports.WorkerModule`, so it
loads on the first worker that translates an error.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from coachadmin.ui.preview.access import (
    GONE_MESSAGE,
    LinkRefused,
    ObjectGone,
    PreviewError,
    S3Unreachable,
    refused_message,
)


def translate(error: BaseException) -> BaseException:  # noqa: PLR0911 - a flat mapping
    """A botocore/network error as a :class:`PreviewError`; unknown errors pass through."""
    if isinstance(error, PreviewError):
        return error
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return PreviewError(
            "No AWS credentials were found for this connection. Edit the connection "
            "(or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), then select the object again."
        )
    if isinstance(error, ClientError):
        info: Any = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        meta: Any = error.response.get("ResponseMetadata", {})
        status = int(meta.get("HTTPStatusCode", 0) or 0)
        message = str(info.get("Message", "")).strip()
        if code in ("NoSuchKey", "404", "NotFound") or status == 404:
            return ObjectGone(GONE_MESSAGE)
        if code == "InvalidRange" or status == 416:
            return PreviewError("This object is empty: there is nothing to preview.")
        if status == 403 or code in ("AccessDenied", "ExpiredToken", "RequestTimeTooSkewed"):
            detail = f"{status or 403} {code}" + (f": {message}" if message else "")
            return LinkRefused(refused_message(detail))
        return PreviewError(f"S3 could not read this object ({code or status}: {message}).")
    if isinstance(error, BotoCoreError | OSError):
        return S3Unreachable(
            f"Cannot reach S3 ({type(error).__name__}). Check the network and the "
            "connection's endpoint, then select the object again."
        )
    return error
