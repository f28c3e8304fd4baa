"""How long a transfer waits for a reply that brings nothing: briefly, except where S3
may take minutes.

A link can go quiet rather than break (Wi-Fi that drops mid-transfer leaves connections
open, no reset): only a timeout tells. A transfer's requests are answered at once by a
server that is there (a part's reply, a GET's head and body, a HEAD), so the transfer
clients read with ``stall_timeout`` (20 s). A few requests can keep S3 busy for minutes
before their reply is complete (assembling a multipart object, copying one: S3 sends
spaces meanwhile, at intervals it does not promise): those are sent on a session of their
own that waits ``read_timeout`` (60 s, botocore's default), through botocore's
``before-send`` event (a handler that returns a response is the request's answer, as
botocore's own Stubber answers). The patient session is made at its first request: a
command that completes no multipart upload never builds a second client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coachadmin.s3.client import http_session

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: Requests whose reply may be long in coming (AWS's documentation says so of each).
PATIENT_OPERATIONS = ("CompleteMultipartUpload", "CopyObject", "UploadPartCopy", "DeleteObjects")


class PatientSend:
    """Sends a request on the HTTP session of a client made when first needed."""

    def __init__(self, make_patient: Callable[[], S3Client]) -> None:
        self._make = make_patient
        self._lock = threading.Lock()
        self._session: Any = None

    def __call__(self, request: Any, **_: Any) -> Any:
        with self._lock:
            if self._session is None:
                self._session = http_session(self._make())
        return self._session.send(request)


def send_patiently(client: S3Client, make_patient: Callable[[], S3Client]) -> bool:
    """Send ``client``'s :data:`PATIENT_OPERATIONS` on ``make_patient()``'s session; False
    (nothing changed) where this botocore keeps its session elsewhere."""
    if http_session(client) is None:
        return False
    send = PatientSend(make_patient)
    for operation in PATIENT_OPERATIONS:
        client.meta.events.register(
            f"before-send.s3.{operation}", send, unique_id=f"ca-patient-{operation}"
        )
    return True
