"""The package as a user installs it (a wheel, not editable), started from a clone's root.

A source tree in the working directory must not stand in for the installed package: the
README's first command is run from there, and the app starts its demo as a child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_BUILD_LITTER = shutil.ignore_patterns("__pycache__", "*.pyc")
_BUILD_LITTER = shutil.ignore_patterns("__pycache__", "*.pyc")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """coachadmin built into a wheel and installed (without its dependencies) into a folder."""
    work = tmp_path_factory.mktemp("installed")
    source = work / "source"  # a copy: setuptools writes its build/ into the tree it builds
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "coachadmin", source / "coachadmin", ignore=_BUILD_LITTER)
    wheel_dir = work / "wheel"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(wheel_dir),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(wheel_dir.glob("coachadmin-*.whl"))
    target = work / "site"
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target)]
    done = subprocess.run([*install, str(wheel)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return target


def _env(target: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(target), "QT_QPA_PLATFORM": "offscreen"}


def test_the_wheel_carries_the_resources(installed: Path) -> None:
    resources = installed / "coachadmin" / "resources"
    assert (resources / "api" / "openapi.yaml").is_file()
    assert (resources / "sample-media" / "sample-video.mp4").is_file()
    assert not list(resources.rglob("make_*.py")), "build scripts stay out of the package"


@pytest.mark.slow
def test_the_installed_app_passes_its_self_test_from_the_clone_root(installed: Path) -> None:
    which = subprocess.run(
        [sys.executable, "-P", "-c", "import coachadmin; print(coachadmin.__file__)"],
        cwd=ROOT,
        env=_env(installed),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(which.stdout.strip()).is_relative_to(installed)
    script = installed / "bin" / ("coachadmin.exe" if os.name == "nt" else "coachadmin")
    result = subprocess.run(
        [str(script), "--self-test"],
        cwd=ROOT,
        env=_env(installed),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout
