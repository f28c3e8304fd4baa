"""Test media made once per session with ffmpeg (tests/support/media.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.media import make


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``sample(name)``: a generated video (a key of support.media.RECIPES), made once."""
    folder = tmp_path_factory.mktemp("media")
    return lambda name: make(folder, name)
