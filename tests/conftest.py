"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_twenty_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's real TWENTY_* keys never reach a test (httpx's clean_environ habit)."""
    for name in list(os.environ):
        if name.startswith("TWENTY_"):
            monkeypatch.delenv(name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
