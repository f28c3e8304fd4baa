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


def end_process(code: int) -> NoReturn:
    """Exit with ``code``: at once when :func:`nothing_left_to_finish`, else normally."""
    if not nothing_left_to_finish():
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None in a frozen app without a console
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
            pass
    os._exit(code)
