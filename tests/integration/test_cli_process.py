"""The command line as a user runs it: a real process."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from coachadmin import __version__
from coachadmin.cli import build_parser, load_handler


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coachadmin", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded_after(code: str, *modules: str) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded once it has run ``code``."""
    check = f"import sys\n{code}print(sorted(m for m in {modules!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: list[str] = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    return loaded


def test_version_prints_the_package_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"coachadmin {__version__}"


def test_console_script_does_what_python_dash_m_does() -> None:
    script = Path(sys.executable).with_name("coachadmin")
    if not script.exists():
        pytest.skip("the console script is installed only with pip install")
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stdout == run_cli("--version").stdout


def _subcommands() -> list[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return sorted(actions[0].choices) if actions else []  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"coachadmin {command}" in result.stdout
    assert "usage:" in result.stdout


def test_unknown_subcommand_is_refused_with_a_message() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["upload", "--help"]])
def test_help_and_version_load_neither_boto3_nor_qt(argv: list[str]) -> None:
    """The parser the GUI's start builds too: the handlers' modules load only when they run."""
    run = (
        f"from coachadmin.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
    )
    assert loaded_after(run, "boto3", "botocore", "PySide6", "coachadmin.cli.common") == []


def test_every_subcommand_names_a_handler_that_exists() -> None:
    """(The window's two, OPEN_WINDOW and SELF_TEST, run in tests/ui/test_app.py and
    tests/integration/test_selftest.py.)"""
    parser = build_parser()
    handlers = set()
    pending = [parser]
    while pending:
        current = pending.pop()
        if current is not parser:
            handlers.add(current.get_default("handler"))
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
    assert all(callable(load_handler(handler)) for handler in handlers)
    assert len(handlers) > 20


@pytest.mark.parametrize("module", ["coachadmin.cli.transfers", "coachadmin.cli.lessons"])
def test_commands_that_talk_to_s3_do_not_load_the_demo_servers(module: str) -> None:
    """moto (the demo's S3 server) takes a third of a second to import: only
    `coachadmin demo-server` and the window's demo need it, not every upload."""
    assert loaded_after(f"import {module}\n", "moto") == []


def test_upload_and_download_do_not_load_the_backend_client() -> None:
    """Only the commands that talk to the backend (resume, lessons, auth) load its HTTP
    client (requests) and the sign-in: a script that moves files one command at a time
    would pay for them on every start."""
    unwanted = (
        "requests",
        "coachadmin.backend.client",
        "coachadmin.services.sign_in",
        "coachadmin.services.link_check",
    )
    assert loaded_after("import coachadmin.cli.transfers\n", *unwanted) == []
