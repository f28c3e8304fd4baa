"""The package list in pyproject.toml is explicit: keep it in step with the tree."""

from __future__ import annotations

import tomllib
from pathlib import Path

from coachadmin.resource_path import resource

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_in_the_tree_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    in_tree = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "coachadmin").rglob("__init__.py")
    }
    assert listed == in_tree


def test_resources_are_reachable_through_the_package() -> None:
    assert resource("__init__.py").is_file()
