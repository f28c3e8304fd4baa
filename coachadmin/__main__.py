"""`python -m coachadmin` does what the `coachadmin` console script does."""

from coachadmin.cli import run

if __name__ == "__main__":
    run()
