"""End to end on two emulators: the demo source migrated into an empty target, then applied again,
dry-run, exported, updated by a delta, and rolled back. The tests run in this order on one
migration (`clean_run`): each leaves the target in a state the next one expects."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.apply import Journal, dry_run
from migrate.apply.rollback import rollback
from migrate.cli import app as cli
from migrate.snapshot.reader import Snapshot
from tests.apply.conftest import Migration, apply_with
from tests.apply.content import differences
from tests.plan.workspaces import MISSING_MEMBER, SOURCE_KEY, SOURCE_URL, call, connect, connect_source, emulator_stats, read_all, take_snapshot

pytestmark = pytest.mark.anyio

WRITES = ("POST 201", "PATCH 200", "DELETE 200", "PUT 200")


async def test_every_source_record_is_in_the_target_once_and_equal_through_the_maps(clean_run: Migration) -> None:
    """Record by record, live and soft-deleted: present once under its mapped id, every written field
    equal after mapping members and relations; only the announced differences remain."""
    async with connect_source(clean_run.source) as source, connect(clean_run.target) as target:
        problems = await differences(clean_run.plan, clean_run.id_map(), source, target)
    assert problems == []
    summary = clean_run.summary
    assert summary.total("rejected") == 0 and summary.total("matched") == 0
    assert summary.total("created") == sum(c["records"] for c in clean_run.plan.counts.values())
    assert summary.soft_deleted == sum(c["deleted"] for c in clean_run.plan.counts.values()) > 0


async def test_records_of_the_missing_member_go_to_the_fallback_owner(clean_run: Migration) -> None:
    """Zoë is not in the target: her companies' accountOwner is Tim's target id, as the plan announced."""
    plan = clean_run.plan
    zoe = next(m for m in plan.members if m["email"] == MISSING_MEMBER)
    tim = next(m for m in plan.members if m["email"] == "tim@apple.dev")
    assert zoe["via"] == "fallback" and zoe["target_id"] == tim["target_id"] != zoe["source_id"]
    async with connect_source(clean_run.source) as source, connect(clean_run.target) as target:
        live, _ = await read_all(source, "companies")
        owned = [c["id"] for c in live.values() if c["accountOwnerId"] == zoe["source_id"]]
        migrated, _ = await read_all(target, "companies")
    assert owned, "the demo seed gives Zoë some companies"
    assert {migrated[i]["accountOwnerId"] for i in owned} == {tim["target_id"]}


async def test_second_pass_fields_are_set(clean_run: Migration) -> None:
    """The cycle columns created empty (project.parentProject, contract.lastInvoice) are set afterwards."""
    total = 0
    async with connect_source(clean_run.source) as source, connect(clean_run.target) as target:
        for plural, column in (("projects", "parentProjectId"), ("contracts", "lastInvoiceId")):
            live, deleted = await read_all(source, plural)
            wanted = {i: r[column] for i, r in {**live, **deleted}.items() if r[column]}
            live, deleted = await read_all(target, plural)
            got = {**live, **deleted}
            assert wanted and {i: got[i][column] for i in wanted} == wanted
            total += len(wanted)
    assert clean_run.summary.second_pass == total


async def test_attachment_bytes_in_the_target_equal_the_source(clean_run: Migration) -> None:
    """Each attachment's file, downloaded from the target's signed `/file/files-field/...` url, has the
    source's bytes and label."""
    async with connect_source(clean_run.source) as source, connect(clean_run.target) as target:
        theirs = {**(await read_all(source, "attachments"))[0], **(await read_all(source, "attachments"))[1]}
        ours = {**(await read_all(target, "attachments"))[0], **(await read_all(target, "attachments"))[1]}
        assert theirs and set(ours) == set(theirs)
        for record_id, record in theirs.items():
            source_files, target_files = record["file"], ours[record_id]["file"]
            assert [f["label"] for f in target_files] == [f["label"] for f in source_files]
            for mine, original in zip(target_files, source_files, strict=True):
                assert "/file/files-field/" in mine["url"] and mine["url"].startswith("http://target.test/")
                assert await target.download(mine["url"]) == await source.download(original["url"])


async def test_soft_deleted_source_records_are_soft_deleted_in_the_target(clean_run: Migration) -> None:
    """Read with `deletedAt[is]:NOT_NULL`: the same ids are soft-deleted on both sides."""
    async with connect_source(clean_run.source) as source, connect(clean_run.target) as target:
        for name in clean_run.plan.order:
            plural = next(o.name_plural for o in await source.objects() if o.name_singular == name)
            assert set((await read_all(target, plural))[1]) == set((await read_all(source, plural))[1]), name


async def test_applying_again_writes_nothing(clean_run: Migration) -> None:
    """A second apply creates, updates and deletes nothing, and the journal's counts are unchanged."""
    counts = clean_run.journal_counts()
    before = await emulator_stats(clean_run.target)
    summary = await apply_with(clean_run.plan, connect(clean_run.target), clean_run.state)
    after = await emulator_stats(clean_run.target)
    assert (summary.total("created"), summary.total("matched"), summary.second_pass, summary.soft_deleted, summary.files) == (0, 0, 0, 0, 0)
    assert {k: after["requests"].get(k, 0) - before["requests"].get(k, 0) for k in WRITES} == dict.fromkeys(WRITES, 0)
    assert after["records"] == before["records"]
    assert clean_run.journal_counts() == counts


async def test_a_dry_run_after_success_has_nothing_to_create(clean_run: Migration) -> None:
    """dry_run reads only the journal: 0 to create for every object, and no request reaches the target."""
    before = await emulator_stats(clean_run.target)
    with Journal(clean_run.state) as journal:
        summary = await dry_run(clean_run.plan, journal)
    assert summary.would_create == dict.fromkeys(summary.would_create, 0) and set(summary.would_create) == set(clean_run.plan.order)
    assert (await emulator_stats(clean_run.target))["requests"] == before["requests"]


def test_the_dry_run_command_prints_what_it_would_write_and_writes_nothing(clean_run: Migration, tmp_path: Path) -> None:
    """`apply --dry-run` on a fresh journal lists every object to create and sends nothing."""
    fresh = tmp_path / "fresh.duckdb"
    before = dict(clean_run.target.request_counts)
    result = CliRunner().invoke(cli, ["apply", str(clean_run.plan_path), "--state", str(fresh), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would create 27 company records" in result.output
    assert "would create object project" in result.output
    assert dict(clean_run.target.request_counts) == before


def test_the_id_map_command_writes_every_id(clean_run: Migration, tmp_path: Path) -> None:
    """`id-map --out ids.csv`: a header and one row per journal id, created ones keeping their id."""
    out = tmp_path / "ids.csv"
    result = CliRunner().invoke(cli, ["id-map", "--out", str(out), "--state", str(clean_run.state)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["object", "source_id", "target_id", "status"]
    assert {(o, s): (t, st) for o, s, t, st in rows[1:]} == clean_run.id_map()
    assert all(s == t for _, s, t, st in rows[1:] if st == "created")


async def test_a_delta_copies_new_and_changed_source_records(clean_run: Migration, tmp_path: Path) -> None:
    """After a company is renamed and a person added in the source (REST), `apply --delta` with a fresh
    snapshot updates the one and creates the other; nothing else is written."""
    source = clean_run.source
    company_id = sorted((await call(source, "GET", "/rest/companies", url=SOURCE_URL, key=SOURCE_KEY))["data"]["companies"],
                        key=lambda c: c["id"])[0]["id"]
    await call(source, "PATCH", f"/rest/companies/{company_id}", url=SOURCE_URL, key=SOURCE_KEY, json={"name": "Renamed in source"})
    created = await call(source, "POST", "/rest/people", url=SOURCE_URL, key=SOURCE_KEY,
                         json={"name": {"firstName": "Delta", "lastName": "Newcomer"}, "emails": {"primaryEmail": "delta@newcomer.io"},
                               "companyId": company_id})
    person_id = created["data"]["createPerson"]["id"]
    fresh = await take_snapshot(source, tmp_path / "source-2.duckdb")
    summary = await apply_with(clean_run.plan, connect(clean_run.target), clean_run.state, delta=True, snapshot_path=fresh)
    assert summary.updated == {"company": 1}
    assert summary.objects["person"].created == 1 and summary.total("created") == 1
    async with connect(clean_run.target) as target:
        companies, _ = await read_all(target, "companies")
        people, _ = await read_all(target, "people")
    assert companies[company_id]["name"] == "Renamed in source"
    assert people[person_id]["companyId"] == company_id and people[person_id]["emails"]["primaryEmail"] == "delta@newcomer.io"
    with Snapshot(fresh) as snap:
        assert snap.counts()["people"][0] == clean_run.plan.counts["person"]["records"] + 1


async def test_rollback_removes_exactly_what_was_created(clean_run: Migration) -> None:
    """Rollback destroys the created records (delta ones too) and the custom objects: the target's
    counts are those before the migration; the field added to a standard object is reported as left."""
    async with connect(clean_run.target) as client:
        with Journal(clean_run.state) as journal:
            summary = await rollback(clean_run.plan, client, journal)
            assert journal.counts() == {}
        names = {o.name_singular for o in await client.objects()}
    assert sorted(summary.objects_removed) == ["contract", "invoice", "project"]
    assert not names & {"contract", "invoice", "project"}
    assert {k: v for k, v in clean_run.target.workspace.count_all().items() if v} == {k: v for k, v in clean_run.target_before.items() if v}
    assert any("company.tier" in line for line in summary.left)

