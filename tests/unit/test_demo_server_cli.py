"""`coachadmin demo-server` options that need no server: the token lifetime from the env."""

from __future__ import annotations

import pytest

from coachadmin.cli import build_parser
from coachadmin.cli.demo_server import TOKEN_TTL_ENV, token_ttl_from_env
from coachadmin.errors import UsageError


def test_default_token_lifetime_is_one_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_TTL_ENV, raising=False)
    assert token_ttl_from_env() == 3600.0


def test_token_lifetime_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_TTL_ENV, " 2.5 ")
    assert token_ttl_from_env() == 2.5


@pytest.mark.parametrize("value", ["soon", "0", "-3", "nan", "inf"])
def test_bad_token_lifetime_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(TOKEN_TTL_ENV, value)
    with pytest.raises(UsageError, match=TOKEN_TTL_ENV):
        token_ttl_from_env()


def test_watch_parent_is_parsed_but_hidden() -> None:
    parser = build_parser()
    args = parser.parse_args(["demo-server", "--watch-parent", "1234"])
    assert args.watch_parent == 1234
    assert args.command == "demo-server"
