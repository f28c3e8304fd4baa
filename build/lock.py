"""The dependency lock: refresh it, or check that it matches pyproject.toml.

The lock is three pip requirement files under ``requirements/``, each pinning every
package (the dependencies' dependencies too) with the hashes of every wheel and sdist
for Windows, macOS and Linux, so that ``pip install --require-hashes -r FILE`` gives
every machine the versions that were tested:

- ``app.txt``: what the app needs (README's first command);
- ``test.txt``: the app and the test tools (README's second command, ``.ci/run``);
- ``build.txt``: the app and PyInstaller (``build/build_bundle.py``, the hosted workflow).

``test.txt`` and ``build.txt`` are resolved within ``app.txt``'s pins, so the app's
packages are the same in all three.

    python build/lock.py            # refresh after editing pyproject.toml (keeps other pins)
    python build/lock.py --upgrade  # move every pin to the newest release that fits
    python build/lock.py --check    # CI: fail when pyproject.toml and the lock disagree

Refreshing needs uv (``pip install uv==UV_VERSION``), which resolves for every
platform at once; ``--check`` needs nothing beyond ``packaging`` and reads no network.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK_DIR = ROOT / "requirements"
UV_VERSION = "0.13.9"
#: The oldest Python the project supports: the lock is resolved for it and every newer one.
PYTHON = "3.11"
#: The lock files, each with the pyproject extra it adds to the app's dependencies.
LOCKS = {"app": None, "test": "test", "build": "build"}
_HEADER = "# pyproject-sha256: "
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str | None


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project: dict[str, object] = tomllib.load(handle)["project"]
    return project


def requirements_for(extra: str | None) -> list[str]:
    """The requirement strings a lock file must satisfy: the app's, plus one extra's."""
    project = _project()
    wanted = list(project["dependencies"])  # type: ignore[call-overload]
    if extra is not None:
        wanted += project["optional-dependencies"][extra]  # type: ignore[index]
    return wanted


def spec_digest(extra: str | None) -> str:
    """What the lock was made from; a lock whose header differs is out of date."""
    data = {"python": PYTHON, "requirements": sorted(requirements_for(extra))}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def read_pins(path: Path) -> list[Pin]:
    pins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            name, version, marker = match.groups()
            pins.append(Pin(canonicalize_name(name), version, marker))
    return pins


def check(name: str, extra: str | None) -> list[str]:
    """Why ``requirements/<name>.txt`` does not match pyproject.toml (empty when it does)."""
    path = LOCK_DIR / f"{name}.txt"
    if not path.is_file():
        return [f"{path.relative_to(ROOT)} is missing"]
    text = path.read_text(encoding="utf-8")
    problems = []
    if f"{_HEADER}{spec_digest(extra)}" not in text:
        problems.append(
            f"{path.relative_to(ROOT)} was made from other requirements than pyproject.toml's"
        )
    pins: dict[str, list[Pin]] = {}
    for pin in read_pins(path):
        pins.setdefault(pin.name, []).append(pin)
    if "--hash=sha256:" not in text:
        problems.append(f"{path.relative_to(ROOT)} has no hashes")
    environment = default_environment()
    for raw in requirements_for(extra):
        requirement = Requirement(raw)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        found = pins.get(canonicalize_name(requirement.name), [])
        if not any(requirement.specifier.contains(p.version, prereleases=True) for p in found):
            versions = ", ".join(p.version for p in found) or "nothing"
            problems.append(
                f"{path.relative_to(ROOT)} pins {requirement.name} to {versions}, "
                f"which does not satisfy {raw!r}"
            )
    return problems


def refresh(*, upgrade: bool) -> None:
    uv = shutil.which("uv")
    if uv is None:
        sys.exit(f"lock.py needs uv to resolve: pip install uv=={UV_VERSION}")
    LOCK_DIR.mkdir(exist_ok=True)
    for name, extra in LOCKS.items():
        out = LOCK_DIR / f"{name}.txt"
        command = [
            uv, "pip", "compile", "pyproject.toml", "--universal", "--generate-hashes",
            "--python-version", PYTHON, "--no-header", "--quiet", "-o", str(out),
        ]  # fmt: skip
        if extra is not None:
            command += ["--extra", extra, "-c", str(LOCK_DIR / "app.txt")]
        if upgrade:
            command.append("--upgrade")
        subprocess.run(command, cwd=ROOT, check=True)
        body = out.read_text(encoding="utf-8")
        header = (
            f"# The lock of {name}: made by `python build/lock.py` from pyproject.toml; "
            "do not edit.\n"
            f"# Install with: pip install --require-hashes -r requirements/{name}.txt\n"
            f"{_HEADER}{spec_digest(extra)}\n"
        )
        out.write_text(header + body, encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)} ({len(read_pins(out))} packages)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="check, change nothing")
    group.add_argument("--upgrade", action="store_true", help="move every pin to the newest")
    args = parser.parse_args()
    if not args.check:
        refresh(upgrade=args.upgrade)
    problems = [p for name, extra in LOCKS.items() for p in check(name, extra)]
    for problem in problems:
        print(f"lock: {problem}", file=sys.stderr)
    if problems:
        print("lock: run `python build/lock.py` and commit requirements/", file=sys.stderr)
        return 1
    print("lock: requirements/ matches pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
