"""Everything Qt. The only package that imports PySide6."""

from coachadmin.ui.pyside_compat import protect_singletons

protect_singletons()  # before any Qt call: see pyside_compat
