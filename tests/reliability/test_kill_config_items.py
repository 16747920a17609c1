"""`apply` killed at the very request that creates each kind of configuration item (the server
carries the write out, the client never hears of it), then run again: the item must end as in a
clean run, once, journaled as created by this migration (so that rollback removes it), with no
manual step that a clean run would not write.

This is the configuration phase's version of the records phase's in-flight batches: a create
whose answer is lost. Gated by KILL_CONFIG_ITEMS=1 (`make soak`); each kind is one test, so a
failure names the kind.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from migrate.emulator.server import serve_in_thread
from migrate.plan.plan import save_plan
from tests.apply.kill_helpers import Migration, run_apply_to_completion, start_apply
from tests.plan.workspaces import connect
from tests.reliability.workbench import Reference, differences_from, journal_differences, new_target, plan_for

Probe = Callable[[str, str, bytes], bool]
CREATES: dict[str, Probe] = {
    "view": lambda m, p, b: m == "POST" and p == "/rest/metadata/views",
    "view filter group": lambda m, p, b: m == "POST" and p == "/rest/metadata/viewFilterGroups",
    "view filter": lambda m, p, b: m == "POST" and p == "/rest/metadata/viewFilters",
    "view sort": lambda m, p, b: m == "POST" and p == "/rest/metadata/viewSorts",
    "view group": lambda m, p, b: m == "POST" and p == "/rest/metadata/viewGroups",
    "view field": lambda m, p, b: m == "POST" and p == "/rest/metadata/viewFields",
    "role": lambda m, p, b: p == "/metadata" and b"CreateRoleInput" in b,
    "role permissions": lambda m, p, b: p == "/metadata" and b"UpsertObjectPermissionsInput" in b,
    "workflow": lambda m, p, b: m == "POST" and p == "/rest/workflows",
    "workflow trigger": lambda m, p, b: m == "PATCH" and p.startswith("/rest/workflowVersions/"),
    "webhook": lambda m, p, b: m == "POST" and p == "/rest/metadata/webhooks",
}

pytestmark = pytest.mark.skipif(os.environ.get("KILL_CONFIG_ITEMS") != "1", reason="soak only: KILL_CONFIG_ITEMS=1 (make soak)")


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(CREATES))
def test_apply_killed_at_a_config_create_ends_as_the_clean_run(reference: Reference, tmp_path: Path, kind: str) -> None:
    target = new_target()
    running: list[int] = []
    fired: list[str] = []

    def observe(method: str, path: str, body: bytes) -> None:
        if running and not fired and CREATES[kind](method, path, body):
            fired.append(f"{method} {path}")
            os.kill(running[0], signal.SIGKILL)

    target.fault_layer.observers.append(observe)
    with serve_in_thread(target) as url:

        async def prepare() -> Migration:
            async with connect(None, url=url) as client:
                plan = await plan_for(reference.snapshot, client, url)
            save_plan(plan, tmp_path / "plan.json")
            return Migration(tmp_path, reference.snapshot, tmp_path / "plan.json", tmp_path / "state.duckdb", tmp_path / "rejects.csv", url, plan)

        migration = asyncio.run(prepare())
        process = start_apply(migration)
        running.append(process.pid)
        process.communicate(timeout=300)
        assert fired and process.returncode == -signal.SIGKILL, f"apply ended ({process.returncode}) without a {kind} create"
        run_apply_to_completion(migration)

        async def compare() -> list[str]:
            async with connect(None, url=url) as client:
                return await differences_from(reference, client, migration.plan)

        problems = journal_differences(reference.journal, migration.state) + asyncio.run(compare())
    assert not problems, f"killed at {fired[0]}:\n" + "\n".join(problems)
