"""`apply` killed with SIGKILL at random points, then run again: nothing lost, nothing twice.

A real subprocess (`python -m migrate.cli apply`) writes to one target emulator on 127.0.0.1
that lives for the whole test. Kill points are chosen on progress, not on time: the target's
`/_emulator/stats` counts the requests it answered, the plan says roughly how many a clean run
makes (schema steps, batches, second-pass updates, soft-delete batches), and one random point
(seeded) in each twentieth of that range spreads the kills over every phase. Each kill also waits a random
few milliseconds, so it lands inside a request as often as between two.

The issue asks for 10 000 records; `make test` runs 2 000 to stay near two minutes on two cores.
The full run: `KILL_TEST_RECORDS=10000 .venv/bin/python -m pytest tests/apply/test_resume_kill.py`.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from migrate.emulator.app import Emulator
from tests.apply.kill_helpers import (
    Migration,
    assert_migrated_exactly_once,
    kill,
    prepare_migration,
    run_apply_to_completion,
    running_target,
    start_apply,
)

RECORDS = int(os.environ.get("KILL_TEST_RECORDS", "2000"))
KILLS = int(os.environ.get("KILL_TEST_KILLS", "20"))
RNG_SEED = int(os.environ.get("KILL_TEST_SEED", "20260"))
SCHEMA_REQUESTS = 30
"""Somewhat fewer than the metadata POSTs of a clean run's schema phase (3 custom objects, their
fields, and data-model reads)."""


def requests_answered(target: Emulator, method: str | None = None) -> int:
    """Requests the target has answered (what `/_emulator/stats` reports), read in-process so
    that a kill follows its trigger within a millisecond rather than a round trip."""
    counts = dict(target.request_counts)
    return sum(n for key, n in counts.items() if method is None or key.split()[0] == method)


def progress(target: Emulator) -> int:
    """Work done, in requests that do it: metadata writes (capped: every restart re-reads the
    data model, also by POST), batch creates (201), second-pass updates, soft-delete batches.
    Reads a restart adds (version, data model, which in-flight ids landed) do not count."""
    counts = dict(target.request_counts)
    return (min(counts.get("POST 200", 0), SCHEMA_REQUESTS) + counts.get("POST 201", 0)
            + counts.get("PATCH 200", 0) + counts.get("DELETE 200", 0))


def expected_progress(migration: Migration) -> int:
    """The `progress` of a clean run, from the plan and the source snapshot."""
    plan = migration.plan
    creates = sum(math.ceil(c["records"] / 200) for c in plan.counts.values())
    deletes = sum(math.ceil(c["deleted"] / 200) for c in plan.counts.values())
    second_pass = 0
    with duckdb.connect(str(migration.source_snapshot), read_only=True) as con:
        for d in plan.deferred:
            (n,) = con.execute(f'SELECT count(*) FROM records."{d["object"]}" WHERE "{d["join_column"]}" IS NOT NULL').fetchone()  # type: ignore[misc]
            second_pass += int(n)
    return SCHEMA_REQUESTS + creates + second_pass + deletes


def phase_of(target: Emulator) -> str:
    """Which phase the target has seen so far: updates mean the second pass, deletes the last."""
    if requests_answered(target, "DELETE"):
        return "soft-delete"
    return "second-pass" if requests_answered(target, "PATCH") else "schema/records"


def kill_when(migration: Migration, rng: random.Random, reached: Callable[[], bool]) -> bool:
    """Start `apply`, wait until `reached()` holds, wait 0-20 ms more and SIGKILL it.
    Returns False if the run ended by itself first (successfully) instead."""
    process = start_apply(migration)
    try:
        deadline = time.monotonic() + 120
        while not reached() and process.poll() is None:
            assert time.monotonic() < deadline, "apply made no progress for two minutes"
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.02))
        ended, stderr = kill(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert ended in (None, 0), f"apply ended by itself with exit code {ended}: {stderr}"
    return ended is None


@pytest.fixture
def migration_and_target(tmp_path: Path) -> Iterator[tuple[Migration, Emulator]]:
    with running_target() as (target, url):
        yield prepare_migration(tmp_path, RECORDS, url, rng_seed=RNG_SEED % 1000), target


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_apply_killed_at_20_random_points_loses_and_twins_nothing(migration_and_target: tuple[Migration, Emulator]) -> None:
    migration, target = migration_and_target
    rng = random.Random(RNG_SEED)
    span = expected_progress(migration)
    width = (span - 1) / KILLS  # one random point in each of KILLS equal stretches of the run
    points = [1 + int(i * width + rng.random() * width) for i in range(KILLS)]
    kills: list[tuple[int, str]] = []
    for point in points:
        floor = max(point, progress(target) + 1)  # each killed run does some work of its own
        if not kill_when(migration, rng, lambda floor=floor: progress(target) >= floor):  # type: ignore[misc]
            break
        kills.append((progress(target), phase_of(target)))
    run_apply_to_completion(migration)
    print(f"{RECORDS} records, progress of a clean run ~{span}; killed at (progress, phase): {kills}")

    assert len(kills) == KILLS, f"only {len(kills)} of {KILLS} runs were killed before finishing (at {kills})"
    totals = assert_migrated_exactly_once(migration)
    assert totals["records"] == sum(c["records"] for c in migration.plan.counts.values()) > 0.9 * RECORDS
    assert totals["deleted"] > 0 and totals["second_pass"] > 0


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_apply_killed_in_second_pass_and_soft_deletes_finishes_both(migration_and_target: tuple[Migration, Emulator]) -> None:
    migration, target = migration_and_target
    rng = random.Random(RNG_SEED + 1)
    # second pass (PATCHes): three kills, each a random few updates further on
    for _ in range(3):
        floor = requests_answered(target, "PATCH") + rng.randrange(1, 12)
        assert kill_when(migration, rng, lambda floor=floor: requests_answered(target, "PATCH") >= floor), \
            "apply finished before the second-pass kill"  # type: ignore[misc]
    assert requests_answered(target, "DELETE") == 0, "a second-pass kill came after the soft deletes began"
    # soft deletes (DELETEs): two kills, after the next batch each time
    for _ in range(2):
        floor = requests_answered(target, "DELETE") + 1
        assert kill_when(migration, rng, lambda floor=floor: requests_answered(target, "DELETE") >= floor), \
            "apply finished before the soft-delete kill"  # type: ignore[misc]
    run_apply_to_completion(migration)

    totals = assert_migrated_exactly_once(migration)
    assert totals["records"] == sum(c["records"] for c in migration.plan.counts.values()) > 0.9 * RECORDS
