"""Logging: one rotating file in the platform's log directory, secrets masked.

One named logger per subsystem (``coachadmin.s3``, ``coachadmin.transfers``,
``coachadmin.backend``, ``coachadmin.ui``...). The redacting filter sits on the
handlers, so no record reaches a file or the console unmasked.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from coachadmin import paths
from coachadmin.errors import UserFacingError
from coachadmin.redact import redact

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_MAX_BYTES = 2 * 1024 * 1024
_BACKUPS = 5


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks secrets in the whole text, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(*, verbose: bool = False, console: bool = False) -> Path | None:
    """Send the app's records to the rotating log file; return its path.

    A log that cannot be written (a read-only home, a full disk) must not stop the app:
    errors then go to stderr (everything with ``verbose``, which also says why there is
    no log file) and None is returned.
    """
    root = logging.getLogger("coachadmin")
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    log_file: Path | None
    try:
        log_file = paths.log_path()
        file_handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
    except (OSError, UserFacingError) as error:
        log_file, console = None, True
        if verbose:
            sys.stderr.write(f"coachadmin: no log file: {error}\n")
    else:
        file_handler.setFormatter(RedactingFormatter(_FORMAT))
        file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
        root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        stream.setLevel(
            logging.DEBUG if verbose else logging.ERROR if log_file is None else logging.WARNING
        )
        root.addHandler(stream)
    # botocore logs request details at DEBUG; keep it at WARNING, masked all the same.
    for noisy in ("botocore", "boto3", "s3transfer", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return log_file
