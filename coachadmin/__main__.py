"""`python -m coachadmin` does what the `coachadmin` console script does."""

import sys

from coachadmin.cli import main

if __name__ == "__main__":
    sys.exit(main())
