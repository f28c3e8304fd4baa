"""Is a process still alive? So a demo server can outlive nobody.

The GUI starts ``coachadmin demo-server --watch-parent <its pid>``; if the GUI
is killed (no chance to stop its child), the server notices here and exits.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def parent_is_alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie, dead but not reaped, counts as gone)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours to signal
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """Linux only (elsewhere: False): a killed parent is a zombie until its own parent reaps it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    # The state follows the command name, which is in parentheses and may hold spaces.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
    _STILL_ACTIVE = 259
    _ERROR_ACCESS_DENIED = 5

    def _windows_alive(pid: int) -> bool:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            # Access denied means it exists (another user's, or elevated).
            return ctypes.get_last_error() == _ERROR_ACCESS_DENIED
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == _STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)

else:

    def _windows_alive(pid: int) -> bool:
        raise NotImplementedError("Windows only")
