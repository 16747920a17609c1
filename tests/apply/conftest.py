"""Fixtures of the apply tests: a demo source snapshotted once, and one clean migration of it.

`clean_run` migrates the demo source into an empty target (members only, Zoë missing, fallback
Tim) and keeps the target's content as it stood right after; the end-to-end tests then continue
on that target (apply again, delta, rollback), and the storm and dropped-connection tests compare
their own targets with the content kept here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from migrate.apply import ApplySummary, Journal, apply_plan
from migrate.emulator.app import Emulator
from migrate.plan.plan import Plan, save_plan
from migrate.twenty.client import TwentyClient
from tests.apply.content import dump
from tests.plan.workspaces import FALLBACK, connect, make_plan, new_source, new_target, take_snapshot


@dataclass
class Migration:
    """A source, a target, the plan between them, the journal file and what the last apply did."""

    source: Emulator
    snapshot: Path
    target: Emulator
    plan: Plan
    plan_path: Path
    state: Path
    summary: ApplySummary
    content: dict[str, Any] = field(default_factory=dict)
    target_before: dict[str, int] = field(default_factory=dict)

    def id_map(self) -> dict[tuple[str, str], tuple[str, str]]:
        with Journal(self.state) as journal:
            return {(o, s): (t, status) for o, s, t, status in journal.id_map_rows()}

    def journal_counts(self) -> dict[str, dict[str, int]]:
        with Journal(self.state) as journal:
            return journal.counts()


async def apply_with(plan: Plan, client: TwentyClient, state: Path, **kwargs: Any) -> ApplySummary:
    async with client:
        with Journal(state) as journal:
            return await apply_plan(plan, client, journal, **kwargs)


async def migrate(source: Emulator, snapshot: Path, target: Emulator, workdir: Path, *, fallback_owner: str | None = FALLBACK,
                  client: TwentyClient | None = None) -> Migration:
    """Plan against the target, save the plan, apply it with a fresh journal."""
    before = target.workspace.count_all()
    plan = await make_plan(snapshot, target, fallback_owner=fallback_owner)
    save_plan(plan, workdir / "plan.json")
    summary = await apply_with(plan, client or connect(target), workdir / "state.duckdb")
    return Migration(source, snapshot, target, plan, workdir / "plan.json", workdir / "state.duckdb", summary, target_before=before)


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    """The demo source (its own copy: the delta test writes to it) migrated into an empty target,
    without faults; `content` is the target right after, for comparisons. Its snapshot file is
    never rewritten, so other tests may plan from it."""
    workdir = tmp_path_factory.mktemp("clean-run")

    async def go() -> Migration:
        source = new_source()
        snapshot = await take_snapshot(source, workdir / "source.duckdb")
        migration = await migrate(source, snapshot, new_target(), workdir)
        async with connect(migration.target) as client:
            migration.content = await dump(client, migration.plan.order)
        return migration

    return asyncio.run(go())
