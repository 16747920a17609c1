"""`apply --skip-deleted`: records soft-deleted in the source are not copied, and are counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.apply import Journal, apply_plan
from tests.apply.conftest import Migration
from tests.plan.workspaces import connect, make_plan, new_target

pytestmark = pytest.mark.anyio


async def test_soft_deleted_records_are_skipped_and_counted_when_asked(clean_run: Migration, tmp_path: Path) -> None:
    """Every skipped record is soft-deleted in the source; none of them reach the target; the
    summary's skipped count equals the source's soft-deleted count for every object."""
    target = new_target()
    plan = await make_plan(clean_run.snapshot, target)
    async with connect(target) as client:
        with Journal(tmp_path / "state.duckdb") as journal:
            summary = await apply_plan(plan, client, journal, skip_deleted=True)
    deleted = {name: counts["deleted"] for name, counts in plan.counts.items()}
    assert {name: tally.skipped for name, tally in summary.objects.items()} == deleted
    assert sum(deleted.values()) > 0
    assert summary.soft_deleted == 0
    for name, counts in plan.counts.items():
        tally = summary.objects[name]
        assert tally.created + tally.matched + tally.rejected + tally.skipped == counts["records"], name
