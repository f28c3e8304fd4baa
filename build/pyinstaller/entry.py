"""The frozen app's entry point: exactly what the ``coachadmin`` console script runs."""

import sys

from coachadmin.cli import main

if __name__ == "__main__":
    sys.exit(main())
