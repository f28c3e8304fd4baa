"""The command line's arguments, declared without running anything.

Each module here adds one group of subcommands to the parser and names, for each,
the function that runs it (a :class:`Handler`: a module and a function, imported
only when that subcommand runs). Nothing here imports boto3, the transfer engine
or Qt, so ``coachadmin --help``, ``--version`` and the GUI's start never load them.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = Any


@dataclass(frozen=True)
class Handler:
    """Where a subcommand's code is: ``function(args) -> exit status`` in ``module``."""

    module: str
    function: str
