"""Fixtures of the plan tests: the demo source, snapshotted once, and a fresh target per test."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from migrate.emulator.app import Emulator
from tests.plan.workspaces import new_source, new_target, take_snapshot


@dataclass(frozen=True)
class Source:
    """A seeded source workspace and its snapshot (read-only: tests must not write to it)."""

    app: Emulator
    snapshot: Path


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """The demo workspace, seeded and snapshotted once for the plan tests."""
    app = new_source()
    return Source(app, asyncio.run(take_snapshot(app, tmp_path_factory.mktemp("plan-source") / "source.duckdb")))


@pytest.fixture
def target() -> Emulator:
    """A target with members only, Zoë missing."""
    return new_target()
