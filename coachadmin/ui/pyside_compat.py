"""A workaround for PySide6 6.12.0 on Python 3.11: it drops references to None, True, False.

PySide6 6.12.0 returns these singletons without taking a reference, as only
Python 3.12+ allows (PEP 683 made them immortal there): every call of a method
that returns nothing (``widget.update()``, ``timer.start()``) releases one reference
to None, and every ``signal.emit()`` one to True. On 3.11 None starts near 5,000
references and True near 200, so after that many calls the interpreter aborts with
"none_dealloc: deallocating None" or "bool_dealloc: deallocating True or False"
(a video preview gets there in seconds: every position update emits and sets).
Until a fixed PySide6 is the only one installable, the singletons get reference
counts no session can exhaust. ``coachadmin.ui`` applies it on import, before any
Qt call.
"""

from __future__ import annotations

import ctypes
import sys

#: Added to each singleton's reference count: about 10^12 calls before it could matter.
_RESERVE = 1 << 40
_SINGLETONS = (None, True, False, Ellipsis, NotImplemented)
_applied = False


def protect_singletons() -> bool:
    """Make the singletons practically immortal on Python < 3.12; True if it was needed."""
    global _applied  # noqa: PLW0603 - once per process, whoever imports first
    if sys.version_info >= (3, 12):
        return False
    if not _applied:
        for singleton in _SINGLETONS:
            # CPython 3.11: ob_refcnt is the first field of every object, at id(obj).
            ctypes.c_ssize_t.from_address(id(singleton)).value += _RESERVE
        _applied = True
    return True
