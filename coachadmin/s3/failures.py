"""S3 failures of browsing and editing a bucket, in words for a person.

The browser's operations (list a folder, create, rename, delete, properties) run
on worker threads; whatever botocore raises there is turned into a
:class:`BrowseError` here, so the GUI's bridge shows it in the banner and never
a traceback. The sentences come from :func:`coachadmin.s3.explain.explain_error`
(which also knows expired credentials and clock skew); a refused folder gets
its own message that names the folder and says what to ask for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from coachadmin.errors import UserFacingError
from coachadmin.s3.explain import DENIED_CODES, explain_error, own_endpoint

P = ParamSpec("P")
T = TypeVar("T")


class BrowseError(UserFacingError):
    """Something the browser asked S3 for failed; the message says what to do."""


class FolderAccessDenied(BrowseError):
    """The credentials may not list (or change) this folder."""

    def __init__(self, bucket: str, prefix: str, action: str = "s3:ListBucket") -> None:
        where = f"the folder '{prefix}'" if prefix else f"the bucket '{bucket}'"
        super().__init__(
            f"You don't have permission to open {where} (S3 refused {action}). "
            "Ask the bucket's administrator for that permission, or open another folder."
        )
        self.bucket = bucket
        self.prefix = prefix


class ObjectAccessDenied(BrowseError):
    def __init__(self, bucket: str, key: str, action: str) -> None:
        super().__init__(
            f"You don't have permission to change s3://{bucket}/{key} (S3 refused {action}). "
            "Ask the bucket's administrator for that permission."
        )


class ObjectGone(BrowseError):
    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(
            f"s3://{bucket}/{key} no longer exists (someone else may have moved or deleted "
            "it). Refresh the folder (F5)."
        )


class OperationCancelled(BrowseError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was cancelled.")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_denied(error: BaseException) -> bool:
    return isinstance(error, ClientError) and (
        error_code(error) in DENIED_CODES
        or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403
    )


def translate(error: BaseException, *, endpoint: str | None = None) -> UserFacingError:
    """Any S3 or network failure as a :class:`BrowseError` (a UserFacingError is kept)."""
    if isinstance(error, UserFacingError):
        return error
    return BrowseError(explain_error(error, endpoint=endpoint))


def plain_errors(what: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a core operation so botocore failures leave it as :class:`BrowseError`.

    ``what`` starts the message ("Listing the folder failed: ...") so the user
    knows which of several background operations it was.
    """

    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return func(*args, **kwargs)
            except UserFacingError:
                raise
            except (BotoCoreError, ClientError, OSError) as error:
                endpoint = own_endpoint(args[0]) if args else None  # operations take the client
                explained = explain_error(error, endpoint=endpoint)
                raise BrowseError(f"{what} failed. {explained}") from error

        return wrapper

    return decorate
