"""Typed transfer failures, each with a message that says what to do next.

:func:`classify` turns a botocore exception into one of these (or into
:class:`TransientError`, which the retry loop retries). Everything the user
can act on is a :class:`~coachadmin.errors.UserFacingError`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
    ProxyConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from urllib3.exceptions import ConnectTimeoutError as Urllib3ConnectTimeout
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import LocationParseError, NewConnectionError

from coachadmin.display import format_size
from coachadmin.errors import UserFacingError

#: The advice of errors that leave a transfer to resume.
RESUME = "run `coachadmin resume`"


def resume_advice(transfer_id: str) -> str:
    """:data:`RESUME` naming the transfer to resume."""
    return f"run `coachadmin resume {transfer_id}`"


def with_advice(message: str, advice: str) -> str:
    """``message`` with its advice to resume (the engine's words) replaced by ``advice``
    ("" drops it): for an abort, a forget, or a resume that names its transfer."""
    for said in (f"; {RESUME_LATER}", f", then {RESUME}", f"; {RESUME}"):
        message = message.replace(said, f"; {advice}" if advice else "")
    return message


class TransferError(UserFacingError):
    """Base of the engine's expected failures."""

    def amended(
        self,
        note: str = "",
        *,
        resumable: bool = True,
        again: str = "upload it again",
        nothing: str = "nothing was sent",
    ) -> TransferError:
        """This error (same type) with ``note`` added; when nothing was left to resume,
        with ``again`` for advice instead of a resume's."""
        message = str(self)
        if not resumable:
            message = message.replace(f"then {RESUME}", f"then {again}").replace(
                f"the transfer is kept: {RESUME} when", f"{nothing}: {again} when"
            )
        self.args = (f"{message}{note}",)
        return self


class KeyExists(TransferError):
    def __init__(self, bucket: str, key: str, *, others: int = 0) -> None:
        more = f" (and {others} more of the keys)" if others else ""
        super().__init__(
            f"s3://{bucket}/{key} already exists{more}; pass --overwrite to replace it "
            "or choose another key"
        )
        self.bucket = bucket
        self.key = key


class DestinationExists(TransferError):
    def __init__(self, path: str) -> None:
        super().__init__(f"{path} already exists; pass --overwrite to replace it")


class SourceFileError(TransferError):
    """The local file cannot be read (missing, a directory, no permission)."""

    exit_code = 2


class SourceGone(TransferError):
    """The file could no longer be read in the middle of its upload: moved, deleted, or on
    a drive that went away. The upload stays, with its parts: the same file back where it
    was (a drive plugged in again) resumes from them."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} could no longer be read during its upload (moved, deleted, or its drive "
            f"disconnected?); the upload is kept: put the file back, then {RESUME}"
        )


class FileChangedDuringUpload(TransferError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} changed while it was being uploaded; nothing was completed with "
            "mixed content. Upload it again once it no longer changes"
        )


class ObjectChangedDuringDownload(TransferError):
    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(
            f"s3://{bucket}/{key} kept changing on the server during the download; "
            "nothing was written to the destination. Try again later"
        )


class WritesKeptConflicting(TransferError):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"other writes to '{key}' kept overlapping this upload (409 "
            "ConditionalRequestConflict); nothing was replaced. Try again when the other "
            "upload to that key has finished"
        )


class IntegrityError(TransferError):
    """What arrived is not what was sent: never reported as success."""


class CredentialsExpired(TransferError):
    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "the AWS credentials have expired or are invalid"
            + (f" ({detail})" if detail else "")
            + f"; renew them (e.g. `aws sso login`), then {RESUME}"
        )


class CredentialsMissing(TransferError):
    def __init__(self) -> None:
        super().__init__(
            "no AWS credentials were found; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "pass --profile, or configure a connection"
        )


class ClockSkew(TransferError):
    def __init__(self) -> None:
        super().__init__(
            "this computer's clock differs too much from the server's; correct the "
            f"system time, then {RESUME}"
        )


class AccessDenied(TransferError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"access denied to {what}; check that your credentials may write and read that bucket"
        )


class NoSuchBucket(TransferError):
    def __init__(self, bucket: str) -> None:
        which = f"the bucket '{bucket}'" if bucket else "the bucket"
        super().__init__(
            f"{which} does not exist on this endpoint; check its name, the region and "
            "--endpoint-url"
        )


class DiskFull(TransferError):
    """No room left where a download writes: what is already written stays for the resume."""

    def __init__(self, path: str, transfer_id: str, *, needed: int, free: int | None) -> None:
        room = f"{format_size(needed)} still needed" + (
            f", {format_size(free)} free" if free is not None else ""
        )
        super().__init__(
            f"the disk holding {path} is full ({room}); free some space there, then run "
            f"`coachadmin resume {transfer_id}`: what is already downloaded is kept"
        )


class LocalWriteFailed(TransferError):
    def __init__(self, path: str, transfer_id: str, reason: str) -> None:
        super().__init__(
            f"cannot write {path}: {reason}; fix that, then run `coachadmin resume {transfer_id}`"
        )


class NoSuchObject(TransferError):
    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"s3://{bucket}/{key} does not exist; check the key")


class NoSuchTransfer(TransferError):
    exit_code = 2

    def __init__(self, transfer_id: str) -> None:
        super().__init__(
            f"no unfinished transfer '{transfer_id}' in the journal; "
            "`coachadmin uploads` lists them"
        )


class RunningElsewhere(TransferError):
    """Another live process is working on the transfer."""

    def __init__(self, transfer_id: str, pid: int) -> None:
        super().__init__(
            f"transfer {transfer_id} is running in process {pid}; stop it first "
            "(Ctrl-C pauses it), then try again"
        )


class TransferCancelled(TransferError):
    def __init__(self, what: str = "the transfer") -> None:
        super().__init__(f"{what} was cancelled")


class SiblingFailed(Exception):
    """Not a failure of its own: a part (or range) stopped waiting for the network because
    another part of its transfer failed for good; that one's error is the transfer's."""


class TransferPaused(TransferError):
    """Not a failure: the transfer stopped on request and can be resumed."""

    exit_code = 130

    def __init__(self, transfer_id: str) -> None:
        super().__init__(
            f"paused; run the same command again, or `coachadmin resume {transfer_id}`, to continue"
        )
        self.transfer_id = transfer_id


#: What to do after the retries of a transfer's request ran out.
RESUME_LATER = f"the transfer is kept: {RESUME} when the network or server is back"
#: ... and of a request that belongs to no transfer (listing or aborting orphans).
TRY_AGAIN_LATER = "try again when the network or server is back"


#: A part's errors that only say it was told to stop (a pause, a cancel, a sibling's
#: failure): the transfer's outcome is another error, or the pause or cancel itself.
TOLD_TO_STOP = (TransferPaused, TransferCancelled, SiblingFailed)


class ServerUnavailable(TransferError):
    def __init__(self, detail: str, advice: str = RESUME_LATER) -> None:
        super().__init__(f"the server kept failing ({detail}); {advice}")


class ServerUnreachable(ServerUnavailable):
    """Not one attempt reached the server: the address, the network, a VPN or a proxy."""

    def __init__(self, detail: str, advice: str = RESUME_LATER) -> None:
        TransferError.__init__(
            self,
            f"the server could not be reached ({detail}): check the address, the network, "
            f"VPN or proxy; {advice}",
        )


class NetworkLost(ServerUnreachable):
    """The network went away under a transfer and did not come back in time."""

    def __init__(self, lasted: str, detail: str, advice: str = RESUME_LATER) -> None:
        where = detail.partition(": ")[2] or detail  # without the exception's class name
        TransferError.__init__(
            self,
            f"the network was gone for {lasted} ({where}): check the Wi-Fi, cable or VPN; {advice}",
        )


class S3RequestFailed(TransferError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"S3 refused the request: {code}: {message}")
        self.code = code


class TransientError(Exception):
    """A failure worth retrying (reset, timeout, 500, 503 SlowDown...); ``unreachable``: the
    request never reached the server (no connection could be made); ``unanswered``: nothing
    answered the connect at all within ``connect_timeout`` (a network that drops what it is
    sent, not one that says no)."""

    def __init__(self, detail: str, *, unreachable: bool = False, unanswered: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.unreachable = unreachable or unanswered
        self.unanswered = unanswered


_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "RequestTimeout",
        "InternalError",
        "ServiceUnavailable",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "BadDigest",  # the body was damaged on the way: send it again
        "XAmzContentSHA256Mismatch",
        "IncompleteBody",
    }
)
_EXPIRED_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "TokenRefreshRequired",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
    }
)
_NETWORK_ERRORS = (
    BotoConnectionError,  # a proxy that does not answer, among others
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
    ConnectTimeoutError,
    HTTPClientError,
    ResponseStreamingError,
    IncompleteReadError,
    Urllib3Error,
    ConnectionError,
    TimeoutError,
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def http_status(error: ClientError) -> int:
    meta: Any = error.response.get("ResponseMetadata", {})
    return int(meta.get("HTTPStatusCode", 0) or 0)


#: Where a proxy comes from: the system's settings (Windows, macOS), or the environment.
_PROXY_SETTINGS = "in the proxy settings (the system's, or HTTPS_PROXY and HTTP_PROXY)"
#: A proxy's answer to CONNECT that says no to the request, not that the way is down.
_REFUSED_TUNNEL = re.compile(r"Tunnel connection failed: (40[37]\b.*)")


class ProxyRefused(TransferError):
    """The proxy answered and would not carry the request: its password, or its rules."""

    def __init__(self, where: str, answer: str) -> None:
        proxy = f"the proxy {where}" if where else "the proxy"
        super().__init__(
            f"{proxy} would not connect to the server ({answer}): check the proxy's user name "
            f"and password {_PROXY_SETTINGS}, or ask who runs it; then {RESUME}"
        )


class ProxyAddressError(TransferError):
    """A proxy's URL that urllib3 cannot read (a '/' or '@' in its password, say)."""

    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            f"the proxy's address {_PROXY_SETTINGS} cannot be read: write the special "
            "characters of its user name and password percent-encoded (/ as %2F, @ as %40, "
            f": as %3A); then {RESUME}"
        )


def _no_way_through(error: BaseException) -> TransferError | TransientError | None:
    """No connection made to the server (refused, unanswered, no route, a name that does
    not resolve), or none through the proxy (down, unanswered: as no network), or a
    proxy's refusal (407, 403: its settings), or a proxy's address that cannot be read."""
    kwargs = getattr(error, "kwargs", {})
    if isinstance(error, ProxyConnectionError):
        where = urlsplit(str(kwargs.get("proxy_url", ""))).netloc.rpartition("@")[2]
        where = where or "the proxy"  # never its credentials
        cause = getattr(kwargs.get("error"), "original_error", None)
        if refused := _REFUSED_TUNNEL.match(str(cause)):
            return ProxyRefused(where, refused.group(1))
        return TransientError(
            f"ProxyConnectionError: no connection through {where}",
            unreachable=True,
            # urllib3's NewConnectionError (refused, no route) is a ConnectTimeoutError too
            unanswered=isinstance(cause, Urllib3ConnectTimeout)
            and not isinstance(cause, NewConnectionError),
        )
    if isinstance(error, ClientError) and http_status(error) == 407:  # the proxy of an http://
        return ProxyRefused("", "407 Proxy Authentication Required")
    if isinstance(kwargs.get("error"), LocationParseError) and getproxies():
        # the endpoint's own URL was checked before any request: the proxy's it is
        return ProxyAddressError()
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        where = urlsplit(str(kwargs.get("endpoint_url", ""))).netloc or "the server"
        return TransientError(
            f"{type(error).__name__}: no connection to {where}",
            unreachable=True,
            unanswered=isinstance(error, ConnectTimeoutError),
        )
    return None


def classify(  # noqa: PLR0911 - a flat mapping reads best as one function
    error: BaseException, *, bucket: str = "", key: str = ""
) -> BaseException:
    """Map a botocore/network error to a typed error; returns the error itself if unknown."""
    if isinstance(error, TransferError | TransientError):
        return error
    if (no_way := _no_way_through(error)) is not None:
        return no_way
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return CredentialsMissing()
    if isinstance(error, TokenRetrievalError):
        return CredentialsExpired("the SSO token could not be refreshed")
    if isinstance(error, _NETWORK_ERRORS):
        return TransientError(f"{type(error).__name__}: {error}")
    if isinstance(error, ClientError):
        code = error_code(error)
        status = http_status(error)
        if code in _TRANSIENT_CODES or status in (500, 502, 503, 504):
            return TransientError(f"{code or status}")
        if code in _EXPIRED_CODES:
            return CredentialsExpired(code)
        if code == "RequestTimeTooSkewed":
            return ClockSkew()
        if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
            return AccessDenied(f"s3://{bucket}/{key}" if bucket else "the bucket")
        if code == "NoSuchBucket":  # S3's answer names the bucket (<BucketName>)
            return NoSuchBucket(
                bucket or str(error.response.get("Error", {}).get("BucketName", ""))
            )
        if code == "PreconditionFailed" or status == 412:
            return KeyExists(bucket, key)
        message = str(error.response.get("Error", {}).get("Message", "")) or str(error)
        return S3RequestFailed(code or str(status), message)
    return error
