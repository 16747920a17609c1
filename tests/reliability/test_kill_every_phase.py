"""`apply` killed with SIGKILL in every phase, then run again until done: the result is the
clean run's, nothing lost, nothing twice, the journal consistent, and the audit passes.

The source is the emulator's demo workspace with every feature (custom objects in a cycle,
attachments with their bytes, soft-deleted records, views, roles, workflows, webhooks). Each
migration goes to a fresh target on a real socket and is killed several times at random points
(phase_kill.py says how a point is chosen); a last `apply` then finishes it, and it is compared
with a clean run of the same plan: records, configuration, journal rows, audit.

`make test`: KILL_POINTS=6, one migration killed once in each phase (data model, records,
attachments, second pass, soft deletes, configuration), in order. `make soak`: KILL_POINTS=50, one
migration per phase killed 9 times in it, plus the mixed one: every migration is checked, and the
figures per phase are printed before the verdict (-s shows them).
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
SEED = int(os.environ.get("KILL_SEED", "7"))


async def _prepare(reference: Reference, workdir: Path, url: str) -> Migration:
    async with connect(None, url=url) as client:
        plan = await plan_for(reference.snapshot, client, url)
    save_plan(plan, workdir / "plan.json")
    return Migration(workdir, reference.snapshot, workdir / "plan.json", workdir / "state.duckdb", workdir / "rejects.csv", url, plan)


async def _compare(reference: Reference, migration: Migration) -> tuple[list[str], Path]:
    """Differences from the clean run, and a snapshot of the target (with file bytes) for the audit."""
    out = migration.workdir / "target.duckdb"
    async with connect(None, url=migration.target_url) as client:
        problems = await differences_from(reference, client, migration.plan)
        await snapshot_from_api(client, out)
    return problems, out


def _check(reference: Reference, migration: Migration) -> list[str]:
    """Everything that differs from a clean run once the killed migration is finished."""
    try:
        totals = assert_migrated_exactly_once(migration)
        assert totals["records"] == sum(c["records"] for c in migration.plan.counts.values())
    except AssertionError as exc:
        return [f"records: {exc}"]
    problems = journal_differences(reference.journal, migration.state)
    differences, target_snapshot = asyncio.run(_compare(reference, migration))
    problems += differences
    reports = migration.workdir / "reports"
    if run_audit(reference.snapshot, target_snapshot, state=migration.state, report_dir=reports) != 0:
        problems.append(f"the audit failed: see {reports / 'audit.html'}")
    return problems


def _migrate_with_kills(reference: Reference, workdir: Path, phases: list[str], rng: random.Random) -> tuple[list[str], list[str]]:
    """One migration killed once per entry of `phases`, then finished: the phases the kills hit,
    and what differs from the clean run."""
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
            if os.environ.get("KILL_TRACE"):
                print(f"killed in {hit} at {killer.hit_request} ({phase} armed: {killer.counts[phase]} requests of it in this run)")
        run_apply_to_completion(migration)
        return hits, _check(reference, migration)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_apply_killed_in_every_phase_ends_as_the_clean_run(reference: Reference, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    survived: Counter[str] = Counter()
    failed: list[str] = []
    for n, phases in enumerate(schedule(KILL_POINTS)):
        workdir = tmp_path / f"migration-{n}"
        workdir.mkdir()
        hits, problems = _migrate_with_kills(reference, workdir, phases, rng)
        if problems:
            failed.append(f"migration {n}, kills in {hits}:\n  " + "\n  ".join(problems))
        else:
            survived.update(hits)
    print(f"\nkill points survived: {sum(survived.values())} ({', '.join(f'{p} {survived[p]}' for p in PHASES)}); "
          f"migrations that ended unlike the clean run: {len(failed)}; clean run requests per phase: {dict(reference.phase_requests)}")
    for failure in failed:
        print(failure)
    assert not failed, "\n".join(failed)
    assert sum(survived.values()) >= KILL_POINTS
    assert set(survived) == set(PHASES), f"phases never hit: {set(PHASES) - set(survived)}"
