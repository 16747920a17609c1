"""The plan: every action, warning and blocking item, computed without writing to the target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.seed import DEMO_MEMBERS, MemberSeed, SeedSpec, seed_workspace
from migrate.errors import InputError
from migrate.plan import load_plan, save_plan
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_table
from tests.plan.conftest import Source
from tests.plan.workspaces import (
    FALLBACK,
    MISSING_MEMBER,
    NO_LIMIT,
    SOURCE_KEY,
    SOURCE_URL,
    create_field,
    emulator_stats,
    make_plan,
    take_snapshot,
)

pytestmark = pytest.mark.anyio

TIERS = [{"value": v, "label": v.title(), "color": "green", "position": n} for n, v in enumerate(("STRATEGIC", "ENTERPRISE"))]


def member_id(snapshot: Path, email: str) -> str:
    with Snapshot(snapshot) as snap:
        return next(m.id for m in snap.members() if m.email == email)


def references(snapshot: Path, table: str, column: str, member: str) -> int:
    with Snapshot(snapshot) as snap:
        row = snap.con.execute(f'SELECT count(*) FROM {record_table(table)} WHERE CAST("{column}" AS VARCHAR) = ?', [member]).fetchone()
    return int(row[0]) if row else 0


async def test_the_plan_creates_the_custom_data_model_the_target_lacks(demo_source: Source, target: Emulator) -> None:
    """Against an empty target: the three custom objects, their fields (relations with their payload,
    the SELECT with its options), `company.tier`, the deferred cycle columns and the record counts."""
    plan = await make_plan(demo_source.snapshot, target)
    assert sorted(o["name_singular"] for o in plan.create_objects) == ["contract", "invoice", "project"]
    fields = {(f["object"], f["name"]): f for f in plan.create_fields}
    assert fields["project", "parentProject"]["relation"] == {"type": "MANY_TO_ONE", "target_object": "project",
                                                               "target_field_label": "Sub Projects", "target_field_name": "subProjects"}
    assert fields["contract", "lastInvoice"]["relation"]["target_object"] == "invoice"
    assert fields["project", "manager"]["relation"]["target_object"] == "workspaceMember"
    assert fields["project", "code"]["is_unique"] is True
    assert [o["value"] for o in fields["company", "tier"]["options"]] == ["STRATEGIC", "ENTERPRISE", "MID_MARKET", "SMB"]
    assert fields["project", "status"]["type"] == "SELECT"
    assert plan.deferred == [{"object": "contract", "field": "lastInvoice", "join_column": "lastInvoiceId", "target": "invoice"},
                             {"object": "project", "field": "parentProject", "join_column": "parentProjectId", "target": "project"}]
    assert plan.order.index("company") < plan.order.index("person") < plan.order.index("noteTarget")
    assert plan.order.index("contract") < plan.order.index("invoice")
    with Snapshot(demo_source.snapshot) as snap:
        expected = {o.name_singular: snap.counts()[o.name_plural] for o in snap.objects() if o.name_plural in snap.counts()}
    assert {name: (c["records"], c["deleted"]) for name, c in plan.counts.items()} == expected
    assert plan.conflicts == [] and plan.missing == [] and plan.add_options == []


async def test_the_member_map_goes_by_email_and_sends_the_missing_member_to_the_fallback(demo_source: Source, target: Emulator) -> None:
    """Four members match by e-mail (other ids in the target); Zoë, absent, goes to the fallback owner,
    which the plan warns about; nothing blocks."""
    plan = await make_plan(demo_source.snapshot, target)
    via = {m["email"]: (m["via"], m["target_email"]) for m in plan.members}
    assert via == {**{m.email: ("email", m.email) for m in DEMO_MEMBERS[:4]}, MISSING_MEMBER: ("fallback", FALLBACK)}
    assert all(m["source_id"] != m["target_id"] for m in plan.members), "target members have their own ids"
    assert plan.blocking == []
    assert f"Member {MISSING_MEMBER} is not in the target; their records go to the fallback owner {FALLBACK}." in plan.warnings


async def test_an_unmapped_member_without_fallback_blocks_with_the_records_affected(demo_source: Source, target: Emulator) -> None:
    """Without a fallback, Zoë's account ownerships, assignments and managed projects are blocking
    items with counts and samples; her createdBy stamps are warnings (the name is kept)."""
    plan = await make_plan(demo_source.snapshot, target, fallback_owner=None)
    zoe = member_id(demo_source.snapshot, MISSING_MEMBER)
    refs = {(r["object"], r["field"]): r for r in plan.unmapped_references}
    assert refs["company", "accountOwner"]["records"] == references(demo_source.snapshot, "company", "accountOwnerId", zoe) > 0
    assert refs["task", "assignee"]["records"] == references(demo_source.snapshot, "task", "assigneeId", zoe)
    assert refs["project", "manager"]["records"] == references(demo_source.snapshot, "project", "managerId", zoe)
    assert refs["person", "createdBy"]["records"] == references(demo_source.snapshot, "person", "createdBy_workspaceMemberId", zoe) > 0
    blocking = [line for line in plan.blocking if "accountOwner" in line]
    assert blocking and MISSING_MEMBER in blocking[0] and "--fallback-owner" in blocking[0]
    assert refs["company", "accountOwner"]["sample"][0] in blocking[0]
    assert all("createdBy" not in line for line in plan.blocking)
    assert any("person records have createdBy" in line and "keeps the name" in line for line in plan.warnings)
    assert next(m for m in plan.members if m["email"] == MISSING_MEMBER)["via"] == "unmapped"


async def test_options_the_target_lacks_are_added(demo_source: Source, target: Emulator) -> None:
    """`company.tier` exists in the target with two of the source's four options: the plan adds the
    other two and does not create the field again."""
    await create_field(target, "company", {"name": "tier", "label": "Tier", "type": "SELECT", "options": TIERS})
    plan = await make_plan(demo_source.snapshot, target)
    assert [(o["object"], o["field"], [x["value"] for x in o["options"]]) for o in plan.add_options] == [
        ("company", "tier", ["MID_MARKET", "SMB"])]
    assert ("company", "tier") not in {(f["object"], f["name"]) for f in plan.create_fields}
    assert plan.field_map["company"]["tier"] == "tier"


async def test_a_field_of_another_type_in_the_target_is_a_conflict_whose_values_are_not_written(demo_source: Source, target: Emulator) -> None:
    """`company.tier` is TEXT in the target: a conflict and a warning, and the field leaves the field map."""
    await create_field(target, "company", {"name": "tier", "label": "Tier", "type": "TEXT"})
    plan = await make_plan(demo_source.snapshot, target)
    assert plan.conflicts == [{"object": "company", "field": "tier",
                               "detail": "type SELECT in the source, TEXT in the target; values are not written"}]
    assert any(w.startswith("company.tier: type SELECT in the source, TEXT in the target; values are not written;") for w in plan.warnings)
    assert "tier" not in plan.field_map["company"]
    assert "domainName" in plan.field_map["company"]


async def test_two_source_members_sharing_an_email_in_another_case_map_to_one_and_warn(tmp_path: Path, target: Emulator) -> None:
    """A source with tim@apple.dev and TIM@Apple.dev: both go to the target's Tim, and the plan says so."""
    source = create_app(api_keys=[SOURCE_KEY], server_url=SOURCE_URL, limits=NO_LIMIT)
    members = (*DEMO_MEMBERS[:4], MemberSeed("Timothy", "Apple", "TIM@Apple.dev"))
    seed_workspace(source.workspace, SeedSpec(records=20, members=members, with_custom_objects=False))
    snapshot = await take_snapshot(source, tmp_path / "source.duckdb")
    plan = await make_plan(snapshot, target, fallback_owner=None)
    tims = [m for m in plan.members if (m["email"] or "").lower() == "tim@apple.dev"]
    assert len(tims) == 2 and len({m["target_id"] for m in tims}) == 1 and {m["via"] for m in tims} == {"email"}
    assert any("2 source members share the e-mail tim@apple.dev" in line for line in plan.warnings)
    assert plan.blocking == []


async def test_planning_writes_nothing_to_the_target(demo_source: Source, target: Emulator) -> None:
    """Planning only reads: the target's records, data model and write requests are as before."""
    before = await emulator_stats(target)
    objects_before = sorted((o.name_singular, len(o.fields)) for o in target.workspace.objects.values())
    await make_plan(demo_source.snapshot, target, fallback_owner=None)
    after = await emulator_stats(target)
    assert after["records"] == before["records"]
    assert sorted((o.name_singular, len(o.fields)) for o in target.workspace.objects.values()) == objects_before
    writes = {k: n for k, n in after["requests"].items() if k.split()[0] in ("PATCH", "PUT", "DELETE")}
    assert writes == {}


async def test_a_plan_survives_save_and_load(demo_source: Source, target: Emulator, tmp_path: Path) -> None:
    """plan.json read back is the same plan, field for field."""
    plan = await make_plan(demo_source.snapshot, target, fallback_owner=None)
    save_plan(plan, tmp_path / "plan.json")
    assert load_plan(tmp_path / "plan.json") == plan
    assert not (tmp_path / "plan.json.partial").exists()


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist; write one with `twenty-migrate plan`"),
    ("{not json", "is not a plan file"),
    ('{"format": 99}', "is not a plan of format 1"),
    ("[1, 2]", "is not a plan of format 1"),
    ('{"format": 1, "order": []}', "is not a complete plan"),
])
def test_a_bad_plan_file_is_an_input_error_that_says_what_to_do(tmp_path: Path, content: str | None, message: str) -> None:
    """Missing, not JSON, another format, incomplete: each an InputError naming the file."""
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        load_plan(path)
    assert caught.value.path == str(path)


def test_a_plan_file_is_json_a_person_can_read(tmp_path: Path) -> None:
    """The saved plan is indented JSON with the sections a reviewer looks for."""
    from migrate.plan.plan import Plan

    keys = {"order", "deferred", "create_objects", "create_fields", "add_options", "conflicts", "members", "warnings", "blocking", "counts"}
    plan = Plan(source_snapshot="s.duckdb", source_url=None, source_sha256="0", target_url="http://t", target_version=None, order=[],
                deferred=[], create_objects=[], create_fields=[], add_options=[], conflicts=[], missing=[], field_map={}, members=[],
                unmapped_references=[], counts={})
    save_plan(plan, tmp_path / "plan.json")
    text = (tmp_path / "plan.json").read_text(encoding="utf-8")
    assert keys <= set(json.loads(text)) and text.startswith("{\n  ")
