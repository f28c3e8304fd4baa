"""PyInstaller runtime hook: runs in the frozen app before any of coachadmin's code.

A windowed executable (Windows ``coachadmin-gui.exe``, the macOS .app started from
Finder) may have no standard streams: ``sys.stdout`` and ``sys.stderr`` are None
there, and any ``print`` or logging to the console would raise. They get the null
device instead. Nothing else changes: the app finds its resources through
``importlib.resources`` and writes only to the user's directories (platformdirs).
"""

import os
import sys
from pathlib import Path

# Opened for the app's whole life, never closed.
if sys.stdout is None:
    sys.stdout = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115
if sys.stderr is None:
    sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115
