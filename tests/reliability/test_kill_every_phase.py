"""`apply` killed with SIGKILL in every phase, then run again until done: the result is the
clean run's, nothing lost, nothing twice, the journal consistent, and the audit passes.

The source is the emulator's demo workspace with every feature (custom objects in a cycle,
attachments with their bytes, soft-deleted records, views, roles, workflows, webhooks). Each
migration goes to a fresh target on a real socket and is killed several times, at random points
spread over the phases in order (data model, records, attachments, second pass, configuration,
soft deletes; phase_kill.py says how a point is chosen); a last `apply` then finishes it.

`make test` kills at KILL_POINTS=6 points (one per phase, one migration); `make soak` at 50
(KILL_POINTS=50: five migrations of ten kills). The figures are printed (-s shows them).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from pathlib import Path

import pytest

from migrate.audit.run import run_audit
from migrate.emulator.server import serve_in_thread
from migrate.plan.plan import save_plan
from migrate.snapshot.from_api import snapshot_from_api
from tests.apply.kill_helpers import Migration, assert_migrated_exactly_once, run_apply_to_completion
from tests.plan.workspaces import connect
from tests.reliability.phase_kill import PhaseKiller, arm, schedule
from tests.reliability.phases import PHASES
from tests.reliability.workbench import Reference, differences_from, journal_differences, new_target, plan_for

KILL_POINTS = int(os.environ.get("KILL_POINTS", "6"))
PER_MIGRATION = 10
SEED = int(os.environ.get("KILL_SEED", "7"))


async def _prepare(reference: Reference, workdir: Path, url: str) -> Migration:
    async with connect(None, url=url) as client:
        plan = await plan_for(reference.snapshot, client, url)
    save_plan(plan, workdir / "plan.json")
    return Migration(workdir, reference.snapshot, workdir / "plan.json", workdir / "state.duckdb", workdir / "rejects.csv", url, plan)


async def _finished(reference: Reference, migration: Migration) -> tuple[list[str], Path]:
    """Differences from the clean run, and a snapshot of the target (with file bytes) for the audit."""
    out = migration.workdir / "target.duckdb"
    async with connect(None, url=migration.target_url) as client:
        problems = await differences_from(reference, client, migration.plan)
        await snapshot_from_api(client, out)
    return problems, out


def _migrate_with_kills(reference: Reference, workdir: Path, phases: list[str], rng: random.Random) -> list[str]:
    """One migration killed once per entry of `phases`, then finished and checked; the phases hit."""
    target = new_target()
    killer = PhaseKiller()
    target.fault_layer.observers.append(killer)
    hits: list[str] = []
    with serve_in_thread(target) as url:
        migration = asyncio.run(_prepare(reference, workdir, url))
        per_phase = Counter(phases)
        for phase in phases:
            hit = killer.run_until_killed(migration, arm(phase, reference.phase_requests[phase], per_phase[phase], rng))
            assert hit is not None, f"apply finished before the kill armed for {phase} (after kills in {hits})"
            hits.append(hit)
        run_apply_to_completion(migration)
        totals = assert_migrated_exactly_once(migration)
        assert totals["records"] == sum(c["records"] for c in migration.plan.counts.values())
        assert journal_differences(reference.journal, migration.state) == []
        problems, target_snapshot = asyncio.run(_finished(reference, migration))
    assert problems == [], "\n".join(problems)
    code = run_audit(reference.snapshot, target_snapshot, state=migration.state, report_dir=workdir / "reports")
    assert code == 0, f"the audit failed after kills in {hits}: see {workdir / 'reports' / 'audit.html'}"
    return hits


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_apply_killed_in_every_phase_ends_as_the_clean_run(reference: Reference, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    hits: Counter[str] = Counter()
    for n, phases in enumerate(schedule(KILL_POINTS, PER_MIGRATION)):
        workdir = tmp_path / f"migration-{n}"
        workdir.mkdir()
        hits.update(_migrate_with_kills(reference, workdir, phases, rng))
    print(f"\nkill points survived: {sum(hits.values())} ({', '.join(f'{p} {hits[p]}' for p in PHASES)}); "
          f"clean run requests per phase: {dict(reference.phase_requests)}")
    assert sum(hits.values()) == KILL_POINTS
    assert set(hits) == set(PHASES), f"phases never hit: {set(PHASES) - set(hits)}"
