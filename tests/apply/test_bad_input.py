"""Bad input and a bad network: each shows the plan's warning or the reject row, and that every
other record still arrived.

One migration (`troubled`) carries four kinds of bad input at once, as real workspaces do: a
member missing from the target (fallback Tim), a person and a company that already exist in the
target (same primary e-mail in another case, same domain), a project whose status is no longer
an option of its field (Twenty keeps such stale values when an option is removed; the API
refuses to write them, so the test puts it in the source's store), and `company.tier`, a SELECT
in the source, created as TEXT in the target before planning.
"""

from __future__ import annotations

import asyncio
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from migrate.apply import Journal, apply_plan
from migrate.apply.rejects import write_rejects
from migrate.apply.rollback import rollback
from migrate.emulator.app import Emulator
from migrate.emulator.server import serve_in_thread
from migrate.errors import PlanError
from tests.apply.conftest import Migration, apply_with, migrate
from tests.apply.content import differences, dump
from tests.plan.workspaces import (
    FALLBACK,
    MISSING_MEMBER,
    call,
    connect,
    connect_source,
    create_field,
    emulator_stats,
    make_plan,
    new_source,
    new_target,
    read_all,
    take_snapshot,
)

pytestmark = pytest.mark.anyio

STALE = "CANCELLED"


@dataclass
class Troubled:
    migration: Migration
    stale_project: str
    person: str
    company: str
    existing_person: str
    existing_company: str
    email: str


def _rows(app: Emulator, name: str) -> list[dict[str, Any]]:
    ws = app.workspace
    return ws.store.select(ws.objects[name], "1=1", [], "id")


def _unreferenced_project(app: Emulator) -> dict[str, Any]:
    """A live project with a status that no record points at (so its refusal cascades nowhere)."""
    used = {r.get(c) for n in ("noteTarget", "taskTarget", "attachment") for r in _rows(app, n) for c in ("targetProjectId",)}
    used |= {r.get("parentProjectId") for r in _rows(app, "project")}
    return next(r for r in _rows(app, "project") if r.get("status") and not r.get("deletedAt") and r["id"] not in used)


async def _prepare(workdir: Path) -> Troubled:
    source = new_source()
    project = _unreferenced_project(source)
    project["status"] = STALE
    source.workspace.store.replace(source.workspace.objects["project"], project)
    note_targets = [r for r in _rows(source, "noteTarget") if r.get("targetPersonId") and not r.get("deletedAt")]
    person = next(r for r in _rows(source, "person") if not r.get("deletedAt") and r.get("companyId") and (r.get("emails") or {}).get("primaryEmail")
                  and any(t["targetPersonId"] == r["id"] for t in note_targets))
    company = next(r for r in _rows(source, "company") if not r.get("deletedAt") and (r.get("domainName") or {}).get("primaryLinkUrl")
                   and sum(p.get("companyId") == r["id"] for p in _rows(source, "person")) >= 2 and r["id"] != person["companyId"])
    snapshot = await take_snapshot(source, workdir / "source.duckdb")

    target = new_target()
    email = person["emails"]["primaryEmail"]
    existing_person = await call(target, "POST", "/rest/people", json={"name": {"firstName": "Already", "lastName": "There"},
                                                                       "emails": {"primaryEmail": email.upper()}})
    existing_company = await call(target, "POST", "/rest/companies", json={"name": "Already There Inc.",
                                                                           "domainName": {"primaryLinkUrl": company["domainName"]["primaryLinkUrl"]}})
    await create_field(target, "company", {"name": "tier", "label": "Tier", "type": "TEXT"})
    migration = await migrate(source, snapshot, target, workdir)
    return Troubled(migration, project["id"], person["id"], company["id"], existing_person["data"]["createPerson"]["id"],
                    existing_company["data"]["createCompany"]["id"], email)


@pytest.fixture(scope="module")
def troubled(tmp_path_factory: pytest.TempPathFactory) -> Troubled:
    """The migration with every kind of bad input, applied once."""
    return asyncio.run(_prepare(tmp_path_factory.mktemp("troubled")))


# --- a member missing from the target ----------------------------------------------------------

async def test_a_missing_member_without_fallback_blocks_the_plan_and_apply_refuses_it(clean_run: Migration, tmp_path: Path) -> None:
    """No fallback owner: the plan lists Zoë's records as blocking, and apply refuses to start (the
    target receives no write)."""
    target = new_target()
    plan = await make_plan(clean_run.snapshot, target, fallback_owner=None)
    assert plan.blocking and all(MISSING_MEMBER in line for line in plan.blocking)
    before = target.workspace.count_all()
    async with connect(target) as client:
        with Journal(tmp_path / "state.duckdb") as journal, pytest.raises(PlanError, match="blocking items"):
            await apply_plan(plan, client, journal)
    assert target.workspace.count_all() == before


async def test_with_a_fallback_the_missing_members_records_go_to_the_fallback(troubled: Troubled) -> None:
    """With --fallback-owner, Zoë's tasks are assigned to Tim in the target, as the plan warned."""
    plan = troubled.migration.plan
    zoe = next(m for m in plan.members if m["email"] == MISSING_MEMBER)
    tim = next(m for m in plan.members if m["email"] == FALLBACK)
    assert any(MISSING_MEMBER in w and "fallback owner" in w for w in plan.warnings)
    async with connect_source(troubled.migration.source) as source, connect(troubled.migration.target) as target:
        hers = [t["id"] for t in (await read_all(source, "tasks"))[0].values() if t["assigneeId"] == zoe["source_id"]]
        tasks, _ = await read_all(target, "tasks")
    assert hers and {tasks[i]["assigneeId"] for i in hers} == {tim["target_id"]}


# --- records that already exist in the target --------------------------------------------------

async def test_existing_records_with_the_same_email_or_domain_are_matched_not_twinned(troubled: Troubled) -> None:
    """The person (e-mail in another case) and the company (same domain) are matched to the target's
    records, counted as matched, and the target holds each once."""
    m = troubled.migration
    ids = m.id_map()
    assert ids["person", troubled.person] == (troubled.existing_person, "matched")
    assert ids["company", troubled.company] == (troubled.existing_company, "matched")
    assert (m.summary.objects["person"].matched, m.summary.objects["company"].matched) == (1, 1)
    assert m.journal_counts()["person"]["matched"] == 1
    async with connect(m.target) as target:
        people, _ = await read_all(target, "people")
    assert [p["id"] for p in people.values() if p["emails"]["primaryEmail"].lower() == troubled.email.lower()] == [troubled.existing_person]


async def test_relations_to_a_matched_record_point_at_the_existing_target_record(troubled: Troubled) -> None:
    """The source company's people and the source person's note targets now point at the records
    that already existed in the target."""
    m = troubled.migration
    async with connect_source(m.source) as source, connect(m.target) as target:
        employees = [p["id"] for p in (await read_all(source, "people"))[0].values() if p["companyId"] == troubled.company]
        notes = [t["id"] for t in (await read_all(source, "noteTargets"))[0].values() if t["targetPersonId"] == troubled.person]
        people, _ = await read_all(target, "people")
        note_targets, _ = await read_all(target, "noteTargets")
    assert len(employees) >= 2 and notes
    assert {people[i]["companyId"] for i in employees if i != troubled.person} == {troubled.existing_company}
    assert {note_targets[i]["targetPersonId"] for i in notes} == {troubled.existing_person}


# --- a value the target refuses ----------------------------------------------------------------

async def test_a_refused_record_is_a_reject_row_and_everything_else_arrives(troubled: Troubled, tmp_path: Path) -> None:
    """The project with a stale status is refused: one reject (object, source id, field, the server's
    message, a hint) in the journal and in rejects.csv; the comparison finds nothing else missing."""
    m = troubled.migration
    with Journal(m.state) as journal:
        rejects = journal.rejects()
        count = write_rejects(tmp_path / "rejects.csv", rejects)
    assert [(r.object, r.source_id, r.phase, r.field) for r in rejects] == [("project", troubled.stale_project, "create", "status")]
    assert f"Invalid value '{STALE}'" in rejects[0].message or STALE in rejects[0].message
    assert "refuses this value" in rejects[0].hint
    rows = list(csv.DictReader((tmp_path / "rejects.csv").read_text(encoding="utf-8").splitlines()))
    assert count == 1 and rows == [{"object": "project", "source_id": troubled.stale_project, "phase": "create", "field": "status",
                                    "message": rejects[0].message, "hint": rejects[0].hint}]
    assert m.summary.objects["project"].rejected == 1
    assert m.journal_counts()["project"] == {"created": m.plan.counts["project"]["records"] - 1, "rejected": 1}
    async with connect_source(m.source) as source, connect(m.target) as target:
        problems = await differences(m.plan, m.id_map(), source, target)
    assert problems == [f"project {troubled.stale_project}: not in the id map"]


# --- a field whose type differs ----------------------------------------------------------------

async def test_a_field_of_another_type_is_announced_and_left_empty_while_the_rest_arrives(troubled: Troubled) -> None:
    """company.tier is TEXT in the target: the plan's conflict says its values are not written; the
    target's tier stays empty while every company (but the matched one) was created."""
    m = troubled.migration
    assert [(c["object"], c["field"]) for c in m.plan.conflicts] == [("company", "tier")]
    async with connect(m.target) as target:
        live, deleted = await read_all(target, "companies")
    companies = {**live, **deleted}
    assert {c.get("tier") or None for c in companies.values()} == {None}
    assert m.summary.objects["company"].created == m.plan.counts["company"]["records"] - 1
    assert len(companies) == m.plan.counts["company"]["records"]


async def test_rollback_leaves_matched_records_untouched(troubled: Troubled) -> None:
    """Rollback destroys what the migration created, never the person and company that were there
    before (matched): the target holds exactly them again."""
    m = troubled.migration
    async with connect(m.target) as client:
        with Journal(m.state) as journal:
            await rollback(m.plan, client, journal)
        people, _ = await read_all(client, "people")
        companies, _ = await read_all(client, "companies")
    assert list(people) == [troubled.existing_person] and people[troubled.existing_person]["name"]["lastName"] == "There"
    assert list(companies) == [troubled.existing_company] and companies[troubled.existing_company]["name"] == "Already There Inc."


# --- a bad network -----------------------------------------------------------------------------

async def test_a_storm_of_429s_and_5xx_changes_nothing_in_the_result(clean_run: Migration, tmp_path: Path) -> None:
    """With 30 % of requests answered 429 and 5 % 5xx (waits instant), the target ends equal to the
    clean run's, with the same counts and no rejects."""
    target = new_target()
    plan = await make_plan(clean_run.snapshot, target)
    await call(target, "PUT", "/_emulator/faults", json={"rate_429": 0.3, "rate_5xx": 0.05, "seed": 11})
    summary = await apply_with(plan, connect(target), tmp_path / "state.duckdb")
    stats = await emulator_stats(target)
    await call(target, "PUT", "/_emulator/faults", json={})
    assert stats["faults"]["429"] > 10 and stats["faults"]["5xx"] > 0
    async with connect(target) as client:
        assert await dump(client, plan.order) == clean_run.content
    assert {n: (t.created, t.matched, t.rejected) for n, t in summary.objects.items()} == {
        n: (t.created, t.matched, t.rejected) for n, t in clean_run.summary.objects.items()}
    with Journal(tmp_path / "state.duckdb") as journal:
        assert journal.rejects() == []


async def test_dropped_connections_during_batch_creates_leave_every_record_once(clean_run: Migration, tmp_path: Path) -> None:
    """Over a real socket, 20 % of requests run and then lose their answer: the batch is settled by
    asking the target, so every record lands once, is counted created once, and nothing is rejected."""
    target = new_target()
    plan = await make_plan(clean_run.snapshot, target)
    await call(target, "PUT", "/_emulator/faults", json={"drop_rate": 0.2, "seed": 5})
    with serve_in_thread(target) as url:
        summary = await apply_with(plan, connect(None, url=url), tmp_path / "state.duckdb")
    stats = await emulator_stats(target)
    await call(target, "PUT", "/_emulator/faults", json={})
    assert stats["faults"]["drop"] > 5
    with Journal(tmp_path / "state.duckdb") as journal:
        assert journal.rejects() == []
    assert summary.total("created") == clean_run.summary.total("created") and summary.total("matched") == 0
    async with connect(target) as client:
        assert await dump(client, plan.order) == clean_run.content
