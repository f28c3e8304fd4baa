"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.faultproxy import FaultProxy
from tests.support.transfers import Engine, engine


@pytest.fixture
def proxy(s3_server: str) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the S3 server (no faults until a test adds some)."""
    with FaultProxy(s3_server) as running:
        yield running


@pytest.fixture
def eng(proxy: FaultProxy) -> Engine:
    """The transfer engine with its defaults, through :func:`proxy` (modules that need other
    settings or no proxy define their own ``eng``)."""
    return engine(proxy.url)
