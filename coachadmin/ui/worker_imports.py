"""Core code that loads botocore, named on the GUI thread and imported on a worker.

boto3 and botocore take a quarter of a second to import; on the GUI thread that
would stall the window (at start-up, or at the first click that needs S3). A GUI
module names such a module at its top twice: ``from coachadmin.s3 import operations``
under ``TYPE_CHECKING`` (the type checker and the import contracts see the real
module), and ``operations = WorkerModule("coachadmin.s3.operations")`` otherwise.
``operations.summarise`` is then a stand-in that imports the module and calls the
function when it first runs, on the worker the bridge gave it to.

Only functions and classes to call are taken this way; an exception to catch or a
constant belongs in a module without botocore.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def operation(name: str, module: str) -> Callable[..., Any]:
    """``module.name``, imported when it is first called (on a worker thread)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__qualname__ = f"{module}.{name}"
    return call


class WorkerModule:
    """A module whose functions and classes are called on worker threads only."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return operation(name, self._module)
