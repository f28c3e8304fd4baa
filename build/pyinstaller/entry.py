"""The frozen app's entry point: exactly what the ``coachadmin`` console script runs."""

from coachadmin.cli import run

if __name__ == "__main__":
    run()
