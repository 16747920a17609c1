"""What the reliability tests share: the demo source snapshotted once (with file bytes), targets
that can be served on a socket (and restarted over their SQLite file), a clean reference
migration, and the comparisons of a finished migration with it.

Targets accept the keys of both the in-process helpers (tests/plan/workspaces.py) and the
subprocess helpers (tests/apply/kill_helpers.py), have Twenty's rate limit off, and hold the
same members as `new_target()` (Zoë missing, fallback Tim), so two of them are comparable.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from migrate.apply import ApplySummary, Journal, apply_plan
from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.seed import SeedSpec, seed_workspace
from migrate.plan.plan import Plan, build_plan, save_plan
from migrate.twenty import config_api
from migrate.twenty.client import TwentyClient
from tests.apply import kill_helpers
from tests.apply.content import dump
from tests.plan.workspaces import FALLBACK, NO_LIMIT, TARGET_KEY, TARGET_MEMBERS, connect
from tests.reliability.phases import phase_of

KEYS = (TARGET_KEY, kill_helpers.TARGET_KEY)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UNSTABLE_KEYS = frozenset({"id", "createdAt", "updatedAt", "deletedAt", "workspaceId", "secret", "createdBy", "updatedBy",
                           "lastPublishedVersionId"})
"""Keys that differ between two clean runs of one plan (server stamps, ids the target makes)."""


def new_target(*, workspace_id: str | None = None, db_path: str = ":memory:", seed: bool = True) -> Emulator:
    """An empty target (members only); `seed=False` reopens an existing SQLite file as it is."""
    app = create_app(api_keys=list(KEYS), limits=NO_LIMIT, workspace_id=workspace_id, db_path=db_path)
    if seed:
        seed_workspace(app.workspace, SeedSpec(records=0, members=TARGET_MEMBERS, rng_seed=7, with_custom_objects=False))
    return app


async def plan_for(snapshot: Path, client: TwentyClient, target_url: str) -> Plan:
    plan = build_plan(snapshot, await client.objects(), await client.members(), target_url=target_url, fallback_owner=FALLBACK)
    assert not plan.blocking, plan.blocking
    return plan


async def config_dump(client: TwentyClient, stable_ids: set[str]) -> dict[str, list[str]]:
    """The target's configuration as sorted multisets of rows: metadata ids as names, other ids
    the target made as `<id>`, record and member ids kept (they are the same in two runs). A view
    created twice shows up twice."""
    names: dict[str, str] = {}
    for obj in await client.objects():
        names[obj.id] = obj.name_singular
        names.update({f.id: f"{obj.name_singular}.{f.name}" for f in obj.fields})
    views = await config_api.list_views(client)
    names.update({v["id"]: f"view:{names.get(v.get('objectMetadataId'), '?')}/{v.get('name')}" for v in views})
    workflows = await config_api.list_records(client, "workflows")
    names.update({w["id"]: f"workflow:{w.get('name')}" for w in workflows})

    def normal(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items() if k not in UNSTABLE_KEYS}
        if isinstance(value, list):
            return [normal(v) for v in value]
        if isinstance(value, str):
            return UUID.sub(lambda m: names.get(m.group(0)) or (m.group(0) if m.group(0) in stable_ids else "<id>"), value)
        return value

    out: dict[str, list[Any]] = {"views": views, "workflows": workflows,
                                 "workflowVersions": await config_api.list_records(client, "workflowVersions"),
                                 "roles": await config_api.list_roles(client), "webhooks": await config_api.list_webhooks(client)}
    for table in config_api.VIEW_CHILDREN:
        out[table] = await config_api.list_view_children(client, table)
    return {kind: sorted(json.dumps(normal(row), sort_keys=True, default=str) for row in rows) for kind, rows in out.items()}


JOURNAL_ROWS = {
    "id_map": "SELECT object, source_id, target_id, status FROM id_map",
    "steps_done": "SELECT object, phase, source_id FROM steps_done",
    "schema_steps": "SELECT kind, object, name, created FROM schema_steps",
    "uploaded_files": "SELECT attachment_id, source_file_id FROM uploaded_files",
    "config_map": "SELECT kind, source_id, created FROM config_map",
    "manual_steps": "SELECT kind, item, action FROM manual_steps",
    "member_map": "SELECT * FROM member_map",
    "in_flight": "SELECT * FROM in_flight",
    "rejects": "SELECT object, source_id, phase, message FROM rejects",
}
"""A journal's rows without the ids the target makes (metadata, file and configuration ids)."""


def journal_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {table: sorted(con.execute(query).fetchall(), key=repr) for table, query in JOURNAL_ROWS.items()}


def journal_differences(reference: Path, journal: Path) -> list[str]:
    """Where a journal's bookkeeping differs from the clean run's (empty: consistent)."""
    want, have = journal_rows(reference), journal_rows(journal)
    problems = []
    for table in JOURNAL_ROWS:
        more, fewer = set(have[table]) - set(want[table]), set(want[table]) - set(have[table])
        if more or fewer or len(have[table]) != len(want[table]):
            problems.append(f"journal {table}: {len(more)} rows the clean run lacks, e.g. {sorted(more, key=repr)[:2]}; "
                            f"{len(fewer)} of its rows missing, e.g. {sorted(fewer, key=repr)[:2]}")
    return problems


def stable_ids(content: dict[str, dict[str, dict[str, Any]]], members: list[Any]) -> set[str]:
    return {i for records in content.values() for i in records} | {m.id for m in members}


@dataclass
class Reference:
    """A clean run of the demo migration, in-process: what a target must hold afterwards, and
    how many requests of each phase a clean run makes."""

    snapshot: Path
    journal: Path
    summary: ApplySummary
    content: dict[str, Any]
    config: dict[str, list[str]]
    phase_requests: Counter[str] = field(default_factory=Counter)


async def clean_reference(snapshot: Path, workdir: Path) -> Reference:
    target = new_target()
    phases: Counter[str] = Counter()
    target.fault_layer.observers.append(lambda m, p, b: phases.update([phase_of(m, p, b)]))
    async with connect(target) as client:
        plan = await plan_for(snapshot, client, "http://target.test")
        save_plan(plan, workdir / "plan.json")
        phases.clear()
        with Journal(workdir / "state.duckdb") as journal:
            summary = await apply_plan(plan, client, journal)
        target.fault_layer.observers.clear()
        content = await dump(client, plan.order)
        config = await config_dump(client, stable_ids(content, await client.members()))
    del phases[None]
    return Reference(snapshot, workdir / "state.duckdb", summary, content, config, phases)


async def differences_from(reference: Reference, client: TwentyClient, plan: Plan) -> list[str]:
    """What a migrated target holds unlike the clean reference (records, then configuration)."""
    content = await dump(client, plan.order)
    problems = []
    for name in plan.order:
        want, have = reference.content.get(name, {}), content.get(name, {})
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        changed = sorted(i for i in set(want) & set(have) if want[i] != have[i])
        problems += [f"{name}: {len(missing)} records missing, e.g. {missing[:3]}"] if missing else []
        problems += [f"{name}: {len(extra)} records too many, e.g. {extra[:3]}"] if extra else []
        problems += [f"{name} {i}: {want[i]} in the clean run, {have[i]} here" for i in changed[:3]]
    config = await config_dump(client, stable_ids(content, await client.members()))
    for kind, rows in reference.config.items():
        got = config.get(kind, [])
        if got != rows:
            more, fewer = Counter(got) - Counter(rows), Counter(rows) - Counter(got)
            problems.append(f"{kind}: {sum(more.values())} rows unlike the clean run's, {sum(fewer.values())} of its rows missing; "
                            f"e.g. extra {list(more)[:2]}, missing {list(fewer)[:2]}")
    return problems
