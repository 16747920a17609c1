"""Fixtures of the reliability tests: the demo source snapshotted once, and a clean migration of it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.plan.workspaces import new_source, take_snapshot
from tests.reliability.workbench import Reference, clean_reference


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The demo source (every feature: custom objects in a cycle, attachments with bytes, soft
    deletes, views, roles, workflows, webhooks) snapshotted with its files, and migrated once,
    cleanly, into an empty target. Its snapshot file is never rewritten: tests plan from it."""
    workdir = tmp_path_factory.mktemp("reliability-reference")

    async def go() -> Reference:
        snapshot = await take_snapshot(new_source(), workdir / "source.duckdb")
        return await clean_reference(snapshot, workdir)

    return asyncio.run(go())
