"""The target refuses one record in the middle of a 200-record batch: the other 199 arrive, the
refused one is a reject row (journal and rejects.csv) carrying the server's own message.

The source holds 200 opportunities; the 101st has a stage that is no longer an option of the
field (Twenty keeps such values when an option is removed, and its write validation refuses them:
`data-arg-processor`, mirrored in migrate/emulator/values.py). The test puts that value in the
source's store, since the API would refuse it there too. The target's first batch create of
opportunities is checked to hold all 200 records with the refused one at index 100.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from migrate.apply import Journal
from migrate.apply.rejects import write_rejects
from migrate.emulator import create_app
from migrate.emulator.seed import SeedSpec, seed_workspace
from migrate.plan.plan import save_plan
from tests.apply.conftest import apply_with
from tests.plan.workspaces import NO_LIMIT, SOURCE_KEY, SOURCE_URL, TARGET_MEMBERS, call, connect, make_plan, new_target, read_all, take_snapshot

pytestmark = pytest.mark.anyio

STALE = "LOST_TO_COMPETITOR"


async def test_one_refused_record_in_a_200_batch_is_a_reject_and_the_other_199_arrive(tmp_path: Path) -> None:
    source = create_app(api_keys=[SOURCE_KEY], server_url=SOURCE_URL, limits=NO_LIMIT)
    seed_workspace(source.workspace, SeedSpec(records=0, members=TARGET_MEMBERS, rng_seed=7, with_custom_objects=False))
    deals = [{"name": f"Deal {i:03}", "stage": "NEW", "amount": {"amountMicros": 1000000 * i, "currencyCode": "EUR"}} for i in range(200)]
    await call(source, "POST", "/rest/batch/opportunities", key=SOURCE_KEY, url=SOURCE_URL, json=deals)
    ws = source.workspace
    stored = sorted(ws.store.select(ws.objects["opportunity"], "1=1", [], "id"), key=lambda r: r["id"])
    refused = {**stored[100], "stage": STALE}
    ws.store.replace(ws.objects["opportunity"], refused)
    snapshot = await take_snapshot(source, tmp_path / "source.duckdb")

    target = new_target()
    batches: list[list[dict[str, object]]] = []
    target.fault_layer.observers.append(lambda m, p, b: batches.append(json.loads(b)) if p == "/rest/batch/opportunities" else None)
    plan = await make_plan(snapshot, target)
    save_plan(plan, tmp_path / "plan.json")
    summary = await apply_with(plan, connect(target), tmp_path / "state.duckdb")

    first = batches[0]
    assert len(first) == 200 and first[100]["id"] == refused["id"] and first[100]["stage"] == STALE
    with Journal(tmp_path / "state.duckdb") as journal:
        rejects = journal.rejects()
        ids = {s: t for _, s, t, _ in journal.id_map_rows()}
        write_rejects(tmp_path / "rejects.csv", rejects)
    assert [(r.object, r.source_id, r.phase, r.field) for r in rejects] == [("opportunity", refused["id"], "create", "stage")]
    assert rejects[0].message == f"Invalid value '{STALE}' for field \"stage\""
    assert "refuses this value" in rejects[0].hint
    rows = list(csv.DictReader((tmp_path / "rejects.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["source_id"], r["message"]) for r in rows] == [(refused["id"], rejects[0].message)]
    assert (summary.objects["opportunity"].created, summary.objects["opportunity"].rejected) == (199, 1)

    async with connect(target) as client:
        live, deleted = await read_all(client, "opportunities")
    arrived = {r["id"]: r for r in {**live, **deleted}.values()}
    expected = {r["id"]: r for r in stored if r["id"] != refused["id"]}
    assert set(arrived) == set(expected) == {s for s in ids if s != refused["id"]}
    assert {i: (r["name"], r["stage"], r["amount"]["amountMicros"]) for i, r in arrived.items()} == {
        i: (r["name"], r["stage"], r["amount"]["amountMicros"]) for i, r in expected.items()}
