"""The README's set-up commands are the ones CI runs, and install from the lock."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _apt_packages() -> list[str]:
    text = (ROOT / "requirements" / "apt.txt").read_text(encoding="utf-8")
    return [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]


def test_the_readme_lists_the_system_packages_ci_installs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"sudo apt-get install ([^\n]+)", readme)
    assert listed is not None
    assert listed.group(1).split() == _apt_packages()
    assert "requirements/apt.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_both_readme_commands_install_from_the_lock_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(python3 -m venv [^\n]+)\n```", readme)
    assert len(commands) >= 2
    app, tests = commands[0], commands[1]
    assert "--require-hashes -r requirements/app.txt" in app and "--demo" in app
    assert "-e ." not in app, "the app is installed as a user installs it"
    assert "--require-hashes -r requirements/test.txt" in tests and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for step in tests.split(" && ")[1:]:
        assert step.replace(".venv/bin/pip install ", ".venv/bin/pip install -q ") in ci, step
