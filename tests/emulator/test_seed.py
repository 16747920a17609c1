"""Tests of the seed generator: reproducible, exact in size, consistent, and full of the values
a migration gets wrong (empties, Unicode, formula-like text, cycles, soft-deleted rows, files)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

import pytest

from migrate.emulator.seed import DEMO_MEMBERS, MemberSeed, SeedReport, SeedSpec, seed_workspace, spec_for
from migrate.emulator.store import Store, json_path, unique_path
from migrate.emulator.workspace import Workspace
from migrate.errors import EmulatorError

WORKSPACE_ID = "20202020-1c25-4d02-bf25-6aeccf7ea419"
PROJECT_TYPES = {
    "summary": "TEXT", "headcount": "NUMBER", "score": "NUMERIC", "isInternal": "BOOLEAN",
    "startDate": "DATE", "kickoffAt": "DATE_TIME", "status": "SELECT", "channels": "MULTI_SELECT",
    "priority": "RATING", "tags": "ARRAY", "payload": "RAW_JSON", "budget": "CURRENCY",
    "sponsor": "FULL_NAME", "contactEmails": "EMAILS", "contactPhones": "PHONES", "website": "LINKS",
    "site": "ADDRESS", "brief": "RICH_TEXT_V2", "externalId": "UUID",
}


def seeded(records: int | str, rng_seed: int = 0, **options: Any) -> tuple[Workspace, SeedReport]:
    ws = Workspace(Store(), WORKSPACE_ID)
    spec = spec_for(records, rng_seed=rng_seed) if isinstance(records, str) else SeedSpec(records, rng_seed=rng_seed, **options)
    return ws, seed_workspace(ws, spec)


def rows(ws: Workspace, name: str) -> list[dict[str, Any]]:
    return [json.loads(d) for (d,) in ws.store.conn.execute(f'SELECT data FROM "r_{name}" ORDER BY id')]


def digest(ws: Workspace) -> str:
    """Every row and file; `updatedAt` is the wall clock of the load, so it is left out."""
    sha = hashlib.sha256()
    for name in sorted(ws.objects):
        for row in rows(ws, name):
            row.pop("updatedAt", None)
            sha.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
    for file_row in ws.store.conn.execute("SELECT id, path, name, mime, bytes FROM _files ORDER BY id"):
        sha.update(repr(file_row).encode())
    return sha.hexdigest()


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, dict) and all(v is None for v in value.values()))


def all_text(ws: Workspace) -> str:
    return "\n".join(d for name in ws.objects for (d,) in ws.store.conn.execute(f'SELECT data FROM "r_{name}"'))


@pytest.fixture(scope="module")
def thousand() -> tuple[Workspace, SeedReport]:
    return seeded(1_000)


@pytest.fixture(scope="module")
def demo() -> tuple[Workspace, SeedReport]:
    return seeded("demo")


def test_same_seed_gives_identical_data_and_another_seed_different_data() -> None:
    first, second, other = seeded(400), seeded(400), seeded(400, rng_seed=1)
    assert digest(first[0]) == digest(second[0])
    assert first[1] == second[1]
    assert digest(first[0]) != digest(other[0])


@pytest.mark.parametrize("records", [10, 1_000, 12_345])
def test_seed_creates_exactly_the_records_asked_for_plus_members(records: int) -> None:
    ws, report = seeded(records)
    counts = ws.count_all()
    assert counts.pop("workspaceMembers") == len(DEMO_MEMBERS) == report.members
    assert sum(counts.values()) == records == report.records
    assert counts == report.counts


def test_seed_without_custom_objects_is_exact_and_creates_no_metadata() -> None:
    ws, report = seeded(777, with_custom_objects=False)
    assert report.records == 777 and "projects" not in report.counts
    assert "project" not in ws.objects and "tier" not in ws.objects["company"].by_name


def test_proportions_look_like_a_crm(thousand: tuple[Workspace, SeedReport]) -> None:
    counts = thousand[1].counts
    assert counts["people"] > 2 * counts["companies"]
    assert counts["noteTargets"] >= 1.5 * counts["notes"] and counts["taskTargets"] >= 1.5 * counts["tasks"]
    assert 0 < counts["attachments"] < counts["companies"] / 2


def test_empty_seed_creates_members_only() -> None:
    ws, report = seeded("empty")
    counts = ws.count_all()
    assert counts.pop("workspaceMembers") == 5 and set(counts.values()) == {0} and report.records == 0
    assert "project" not in ws.objects
    emails = {r["userEmail"] for r in rows(ws, "workspaceMember")}
    assert {"tim@apple.dev", "jony.ive@apple.dev", "phil.schiler@apple.dev", "jane.doe@apple.dev"} <= emails


def test_members_are_created_from_the_spec() -> None:
    members = (MemberSeed("Ada", "Lovelace", "ada@example.com"),)
    ws = Workspace(Store(), WORKSPACE_ID)
    seed_workspace(ws, SeedSpec(50, members=members))
    (member,) = rows(ws, "workspaceMember")
    assert member["name"] == {"firstName": "Ada", "lastName": "Lovelace"} and member["userEmail"] == "ada@example.com"
    assert uuid.UUID(member["userId"]) and member["locale"]
    owners = {r["accountOwnerId"] for r in rows(ws, "company")} - {None}
    assert owners == {member["id"]}


def test_every_project_field_type_is_filled_somewhere_and_empty_somewhere(demo: tuple[Workspace, SeedReport]) -> None:
    ws, _ = demo
    project = ws.objects["project"]
    assert {name: project.by_name[name].type for name in PROJECT_TYPES} == PROJECT_TYPES
    projects = rows(ws, "project")
    for name in (*PROJECT_TYPES, "code", "companyId", "parentProjectId", "managerId"):
        values = [p.get(name) for p in projects]
        assert any(not is_empty(v) for v in values), f"{name} is never filled"
        assert any(is_empty(v) for v in values), f"{name} is never empty"


def test_custom_metadata_has_unique_field_relations_self_reference_and_cycle(demo: tuple[Workspace, SeedReport]) -> None:
    objects = demo[0].objects
    project, contract, invoice = objects["project"], objects["contract"], objects["invoice"]
    assert project.is_custom and project.by_name["code"].is_unique
    assert project.by_name["company"].target_object == "company" and "projects" in objects["company"].by_name
    assert project.by_name["parentProject"].target_object == "project" and "subProjects" in project.by_name
    assert project.by_name["manager"].target_object == "workspaceMember"
    assert contract.by_name["lastInvoice"].target_object == "invoice"
    assert invoice.by_name["contract"].target_object == "contract"
    assert objects["company"].by_name["tier"].is_custom and objects["company"].by_name["tier"].type == "SELECT"
    for link in ("noteTarget", "taskTarget", "attachment"):
        assert {"targetProjectId", "targetContractId", "targetInvoiceId"} <= {f.join_column for f in objects[link].fields}


@pytest.mark.parametrize("fixture", ["thousand", "demo"])
def test_every_join_column_points_at_an_existing_record(fixture: str, request: pytest.FixtureRequest) -> None:
    ws, _ = request.getfixturevalue(fixture)
    used = set()
    for obj in ws.objects.values():
        for field in obj.fields:
            if not field.join_column or not field.target_object:
                continue
            expr = f"json_extract(data, '{json_path((field.join_column,))}')"
            dangling = ws.store.conn.execute(
                f'SELECT count(*) FROM "r_{obj.name_singular}" WHERE {expr} IS NOT NULL '
                f'AND {expr} NOT IN (SELECT id FROM "r_{field.target_object}")').fetchone()[0]
            assert dangling == 0, f"{obj.name_singular}.{field.join_column}"
            if ws.store.conn.execute(f'SELECT 1 FROM "r_{obj.name_singular}" WHERE {expr} IS NOT NULL LIMIT 1').fetchone():
                used.add(f"{obj.name_singular}.{field.join_column}")
    assert {"person.companyId", "opportunity.pointOfContactId", "company.accountOwnerId", "task.assigneeId",
            "noteTarget.noteId", "noteTarget.targetPersonId", "noteTarget.targetCompanyId",
            "noteTarget.targetOpportunityId", "noteTarget.targetProjectId", "taskTarget.targetCompanyId",
            "attachment.targetCompanyId", "project.parentProjectId", "project.managerId",
            "contract.lastInvoiceId", "invoice.contractId"} <= used


def test_notes_have_several_targets(thousand: tuple[Workspace, SeedReport]) -> None:
    conn = thousand[0].store.conn
    per_note = [n for (n,) in conn.execute("SELECT count(*) FROM r_noteTarget GROUP BY json_extract(data, '$.noteId')")]
    assert max(per_note) >= 2 and sum(per_note) / len(per_note) >= 1.5
    for row in rows(thousand[0], "noteTarget"):
        assert sum(1 for k, v in row.items() if k.startswith("target") and v) == 1


def test_cycles_include_records_that_point_at_each_other(thousand: tuple[Workspace, SeedReport]) -> None:
    ws, _ = thousand
    invoices = {r["id"]: r for r in rows(ws, "invoice")}
    closed = [c for c in rows(ws, "contract") if c["lastInvoiceId"] and invoices[c["lastInvoiceId"]]["contractId"] == c["id"]]
    assert closed, "no contract whose last invoice belongs to it"
    projects = rows(ws, "project")
    assert any(p["parentProjectId"] for p in projects) and any(not p["parentProjectId"] for p in projects)


def test_soft_deleted_records_exist_in_every_big_object(thousand: tuple[Workspace, SeedReport]) -> None:
    ws, report = thousand
    conn = ws.store.conn
    for name, obj in ws.objects.items():
        deleted = conn.execute(f'SELECT count(*) FROM "r_{name}" WHERE deleted_at IS NOT NULL').fetchone()[0]
        assert deleted == report.soft_deleted.get(obj.name_plural, 0)
        created = report.counts.get(obj.name_plural, 0)
        if created >= 50:
            assert 0 < deleted <= created * 0.02 + 1
    row = conn.execute("SELECT data FROM r_person WHERE deleted_at IS NOT NULL").fetchone()
    person = json.loads(row[0])
    assert person["deletedAt"] > person["createdAt"]
    _, total, _ = ws.find_many(ws.objects["person"])
    assert total == report.counts["people"] - report.soft_deleted["people"]


def test_unique_fields_hold_unique_values(thousand: tuple[Workspace, SeedReport]) -> None:
    ws, _ = thousand
    checked = set()
    for obj in ws.objects.values():
        for field in obj.fields:
            path = unique_path(field)
            if not path or field.name == "id":
                continue
            expr = f"json_extract(data, '{json_path(path)}')"
            values = [v for (v,) in ws.store.conn.execute(f'SELECT {expr} FROM "r_{obj.name_singular}"')]
            present = [v for v in values if v is not None]
            assert len(present) == len(set(present)), f"{obj.name_singular}.{field.name}"
            assert present and len(present) < len(values), f"{obj.name_singular}.{field.name} should be sometimes empty"
            checked.add(f"{obj.name_singular}.{field.name}")
    assert checked == {"company.domainName", "person.emails", "project.code"}


def test_attachments_reference_stored_files_of_several_kinds(thousand: tuple[Workspace, SeedReport]) -> None:
    ws, report = thousand
    attachments = rows(ws, "attachment")
    assert report.files == len(attachments) > 0
    magic = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n"}
    kinds = set()
    for row in attachments:
        stored = ws.store.get_file(path=row["fullPath"])
        assert stored is not None, row["fullPath"]
        _, _, name, mime, data = stored
        assert name == row["name"] and 100 <= len(data) <= 16_000
        extension = name.rsplit(".", 1)[-1]
        kinds.add(extension)
        assert data.startswith(magic.get(extension, b""))
        if "file" in ws.objects["attachment"].by_name:
            assert ws.store.get_file(file_id=row["file"][0]["fileId"]) == stored
        assert sum(1 for k, v in row.items() if k.startswith("target") and v) == 1
        assert row["fileCategory"] in ("TEXT_DOCUMENT", "IMAGE", "SPREADSHEET")
    assert kinds == {"pdf", "png", "csv", "txt"}


def test_data_holds_the_values_migrations_get_wrong(thousand: tuple[Workspace, SeedReport]) -> None:
    ws, _ = thousand
    text = json.loads("[" + ",".join(all_text(ws).split("\n")) + "]")
    strings = [s for s in _strings(text)]
    assert any(s.startswith(p) for s in strings for p in ("=",)) and any(s.startswith("@") for s in strings)
    assert any(s.startswith("+") for s in strings) and any(s.startswith("-") for s in strings)
    assert any('"' in s and "," in s for s in strings) and any("\n" in s for s in strings)
    assert any(re.search(r"[\u4e00-\u9fff]", s) for s in strings), "CJK"
    assert any(re.search(r"[\u0600-\u06ff]", s) for s in strings), "Arabic"
    assert any(re.search(r"[\u0590-\u05ff]", s) for s in strings), "Hebrew"
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", s) for s in strings), "emoji"
    assert any(re.search(r"[éèüøå]", s) for s in strings), "accents"
    assert sum(len(s) >= 10_000 for s in strings) >= 2, "long texts"
    people = rows(ws, "person")
    assert any(p["emails"] is None or p["emails"]["primaryEmail"] is None for p in people)
    assert any(p["emails"] and p["emails"]["additionalEmails"] for p in people)
    assert any(p["phones"] and p["phones"]["additionalPhones"] for p in people)
    assert any(p["linkedinLink"] and p["linkedinLink"]["secondaryLinks"] for p in people)
    assert any(p["jobTitle"] is None for p in people) and any(p["companyId"] is None for p in people)
    companies = rows(ws, "company")
    assert any(c["domainName"] is None or c["domainName"]["primaryLinkUrl"] is None for c in companies)
    assert any(c["accountOwnerId"] is None for c in companies)
    assert any(c["address"] and c["address"]["addressLat"] is not None for c in companies)
    assert {c["annualRecurringRevenue"]["currencyCode"] for c in companies if c["annualRecurringRevenue"]} >= {"USD", "EUR"}
    assert {c["idealCustomerProfile"] for c in companies} == {True, False}


def test_rich_text_bodies_hold_blocknote_json_and_markdown(thousand: tuple[Workspace, SeedReport]) -> None:
    notes = [n for n in rows(thousand[0], "note") if n["bodyV2"]]
    for note in notes:
        blocks = json.loads(note["bodyV2"]["blocknote"])
        assert blocks and all({"id", "type", "props", "content", "children"} <= set(b) for b in blocks)
        assert blocks[-1]["content"][0]["text"] in note["bodyV2"]["markdown"]
    tasks = rows(thousand[0], "task")
    assert {t["status"] for t in tasks} == {"TODO", "IN_PROGRESS", "DONE"}
    assert any(t["dueAt"] for t in tasks) and any(t["dueAt"] is None for t in tasks)


def test_seeded_records_read_back_through_the_api(demo: tuple[Workspace, SeedReport]) -> None:
    ws, report = demo
    for obj in ws.objects.values():
        page, total, _ = ws.find_many(obj, limit=200, depth=1)
        assert len(page) == min(200, total)
    created_by = {r["createdBy"]["source"] for r in rows(ws, "person")}
    assert {"MANUAL", "API"} <= created_by


def test_seeding_a_seeded_workspace_is_refused(demo: tuple[Workspace, SeedReport]) -> None:
    with pytest.raises(EmulatorError, match="already seeded"):
        seed_workspace(demo[0], SeedSpec(10))


def test_spec_for_names_empty_demo_and_numbers() -> None:
    assert spec_for("empty") == SeedSpec(0, with_custom_objects=False)
    assert spec_for("demo", rng_seed=7).rng_seed == 7 and spec_for("demo").records == 300
    assert spec_for("12345").records == 12_345 and spec_for("12345").with_custom_objects


@pytest.mark.parametrize("name", ["", "big", "-5", "1e5", "10.5", " 10", "١٠", "100_000", "99999999999"])
def test_spec_for_refuses_anything_else_with_a_sentence(name: str) -> None:
    with pytest.raises(EmulatorError, match=r"^(Unknown seed|Seed ).*\.$"):
        spec_for(name)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        nested = []
        if value.startswith("[{") and '"blocknote"' not in value:
            try:
                nested = _strings(json.loads(value))
            except ValueError:
                pass
        return [value, *nested]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
