"""Ending the ``coachadmin`` process once a command is done, without the interpreter's teardown.

After a command has done its work (files renamed, journal closed, output written), a
normal exit still tears down every module it loaded: boto3's and botocore's models,
the engine, their caches. That takes 0.1-0.15 s of CPU here (a third of a small
command's start-up, as long as hashing 1 GiB), and a script that runs coachadmin per
file pays it every time. So a command run as a program flushes its output and its log
and ends the process at once (``os._exit``).

Only where nothing is left to finish: never once Qt is loaded (the window and the
self-test tear down their own objects, and Qt saves settings on the way out), and
never while a thread that the normal exit would wait for is still running.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import NoReturn


def nothing_left_to_finish() -> bool:
    """No Qt in the process, and no thread the interpreter's exit would join."""
    if "PySide6.QtCore" in sys.modules:
        return False
    main = threading.main_thread()
    return not any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())


#: Python's own exit status when it cannot flush stdout at exit.
OUTPUT_LOST = 120


def end_process(code: int) -> NoReturn:
    """Exit with ``code``: at once when :func:`nothing_left_to_finish`, else normally.

    Output that cannot be written (a full disk, a closed pipe) is not a success: as
    Python's own exit does, the status is then :data:`OUTPUT_LOST` (unless the command
    failed already), with a line on stderr unless the reader just went away.
    """
    if not nothing_left_to_finish():
        sys.exit(code)
    logging.shutdown()
    try:
        if sys.stdout is not None:  # None in a frozen app without a console
            sys.stdout.flush()
    except (OSError, ValueError) as error:
        if not isinstance(error, BrokenPipeError):
            _say(f"coachadmin: the output could not be written: {error}\n")
        code = code or OUTPUT_LOST
    _say("")  # flushes what waits on stderr
    os._exit(code)


def _say(text: str) -> None:
    """Write ``text`` to stderr and flush it, if stderr can take it."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(text)
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
