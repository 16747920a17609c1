"""The configuration migrated end to end on two emulators: views (every filter operand, filter
groups, sorts, a kanban, a calendar), three workflows (record-created + create-record step, cron,
manual; one with an archived v1, an active v2 and a draft v3, one deactivated, one draft), two
custom roles with object and field permissions, two webhooks, and what cannot move (API keys,
connected accounts).

`config_run` adds three faults to the demo source, through its API: a view filtering on a field
the target will lack, a workflow step pointing at a record deleted for good, and a role assigned
to the member the target lacks (Zoë); it also edits the source's company INDEX view, and gives a
target member another role than the source's, so that apply changes items the target had (which
rollback must put back). It migrates with a user token of the target and `--workflows as-source`;
`clean_run` (conftest) is the same demo migrated with an API key only and the default
`--workflows draft`. The tests of `config_run` run in order: rollback is last.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from migrate.apply import Journal
from migrate.apply.manual_steps import manual_steps
from migrate.apply.rollback import rollback
from migrate.audit.run import run_audit
from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.auth import ApiKey
from migrate.emulator.seed import SeedSpec, seed_workspace
from migrate.plan.config_plan import chosen_version, rows, source_order
from migrate.plan.plan import Plan, load_plan, save_plan
from migrate.settings import Endpoint, Secret
from migrate.snapshot.from_api import snapshot_from_api
from migrate.snapshot.reader import Snapshot
from migrate.twenty.client import TwentyClient
from tests.apply.conftest import Migration, apply_with
from tests.plan.workspaces import (
    FALLBACK,
    FAST,
    MISSING_MEMBER,
    NO_LIMIT,
    SOURCE_KEY,
    SOURCE_URL,
    TARGET_KEY,
    TARGET_MEMBERS,
    TARGET_URL,
    call,
    connect,
    make_plan,
    no_sleep,
    take_snapshot,
)

SOURCE_USER = "migrate-test-source-user-token"
TARGET_USER = "migrate-test-target-user-token"
DELETED_COMPANY = "Gone For Good Ltd"
SALES_IN_SOURCE = "jony.ive@apple.dev"
"""Sales Rep in the source, Admin in the target before apply."""


@dataclass
class ConfigRun:
    source: Emulator
    target: Emulator
    plan: Plan
    state: Path
    workdir: Path
    deleted_company: str


def user_client(app: Emulator) -> TwentyClient:
    import httpx

    return TwentyClient(Endpoint(TARGET_URL, Secret(TARGET_USER)), FAST, transport=httpx.ASGITransport(app=app), sleep=no_sleep)


async def source_call(app: Emulator, method: str, path: str, *, user: bool = False, **kwargs: Any) -> Any:
    return await call(app, method, path, key=SOURCE_USER if user else SOURCE_KEY, url=SOURCE_URL, **kwargs)


async def gql(app: Emulator, endpoint: str, query: str, variables: dict[str, Any], *, user: bool = False) -> dict[str, Any]:
    body = await source_call(app, "POST", endpoint, user=user, json={"query": query, "variables": variables})
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


async def add_faults(source: Emulator) -> str:
    """The three faults, made through the source's API as a person would make them."""
    objects = source.workspace.objects
    company = objects["company"].id
    await gql(source, "/metadata", "mutation F($input: CreateOneFieldInput!) { createOneField(input: $input) { id } }",
              {"input": {"field": {"objectMetadataId": company, "name": "legacyTier", "label": "Legacy tier", "type": "TEXT"}}})
    view = await source_call(source, "POST", "/rest/metadata/views", json={"name": "Legacy tier A", "objectMetadataId": company})
    tier = source.workspace.objects["company"].by_name["legacyTier"].id
    await source_call(source, "POST", "/rest/metadata/viewFilters", json={"viewId": view["id"], "fieldMetadataId": tier, "operand": "IS", "value": "A"})
    await source_call(source, "POST", "/rest/metadata/viewSorts", json={"viewId": view["id"], "fieldMetadataId": objects["company"].by_name["name"].id,
                                                                          "direction": "ASC"})
    created = await source_call(source, "POST", "/rest/companies", json={"name": DELETED_COMPANY})
    gone = next(iter(created["data"].values()))["id"]
    workflow = await source_call(source, "POST", "/rest/workflows", json={"name": "Ping a lost account"})
    workflow_id = next(iter(workflow["data"].values()))["id"]
    versions = await source_call(source, "GET", "/rest/workflowVersions", params={"filter": f"workflowId[eq]:{workflow_id}"})
    draft = versions["data"]["workflowVersions"][0]["id"]
    await source_call(source, "PATCH", f"/rest/workflowVersions/{draft}", json={"trigger": {
        "name": "Launch manually", "type": "MANUAL", "settings": {"objectType": "company", "outputSchema": {}}}})
    step = {"id": "0b7c3a52-5d0e-4f4e-9a44-1f2d3c4b5a69", "name": "Flag the account", "type": "UPDATE_RECORD", "valid": True, "nextStepIds": [],
            "settings": {"input": {"objectName": "company", "objectRecordId": gone, "objectRecord": {"tagline": "lost"}, "fieldsToUpdate": ["tagline"]},
                         "outputSchema": {}, "errorHandlingOptions": {"retryOnFailure": {"value": False}, "continueOnFailure": {"value": False}}}}
    await gql(source, "/graphql", "mutation S($input: CreateWorkflowVersionStepInput!) { createWorkflowVersionStep(input: $input) { id } }",
              {"input": {"workflowVersionId": draft, "stepType": "UPDATE_RECORD", "id": step["id"]}}, user=True)
    await gql(source, "/graphql", "mutation U($input: UpdateWorkflowVersionStepInput!) { updateWorkflowVersionStep(input: $input) { id } }",
              {"input": {"workflowVersionId": draft, "step": step}}, user=True)
    await source_call(source, "DELETE", f"/rest/companies/{gone}")
    members = await source_call(source, "GET", "/rest/workspaceMembers")
    zoe = next(m for m in members["data"]["workspaceMembers"] if m["userEmail"] == MISSING_MEMBER)
    roles = await gql(source, "/metadata", "query { getRoles { id label } }", {})
    support = next(r["id"] for r in roles["getRoles"] if r["label"] == "Support")
    await gql(source, "/metadata", "mutation A($m: UUID!, $r: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $m, roleId: $r) { id } }",
              {"m": zoe["id"], "r": support}, user=True)
    return str(gone)


async def edit_company_index_view(source: Emulator) -> None:
    """The source's company INDEX view is compact and its first column wider and hidden: apply must
    change the target's own INDEX view (and rollback change it back)."""
    views = await source_call(source, "GET", "/rest/metadata/views")
    index = next(v for v in views if v["key"] == "INDEX" and v["objectMetadataId"] == source.workspace.objects["company"].id)
    await source_call(source, "PATCH", f"/rest/metadata/views/{index['id']}", json={"isCompact": True, "icon": "IconBuildingSkyscraper"})
    fields = await source_call(source, "GET", "/rest/metadata/viewFields", params={"viewId": index["id"]})
    column = sorted(fields, key=lambda f: f["position"])[-1]
    await source_call(source, "PATCH", f"/rest/metadata/viewFields/{column['id']}", json={"size": 321, "isVisible": False})


async def target_member_role(target: Emulator, email: str, label: str) -> None:
    """Before apply, `email` holds `label` in the target (the source gives them another role)."""
    async def tgql(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = await call(target, "POST", "/metadata", key=TARGET_USER, json={"query": query, "variables": variables})
        assert not body.get("errors"), body
        return body["data"]  # type: ignore[no-any-return]

    members = await call(target, "GET", "/rest/workspaceMembers")
    member = next(m for m in members["data"]["workspaceMembers"] if m["userEmail"] == email)
    role = next(r["id"] for r in (await tgql("query { getRoles { id label } }", {}))["getRoles"] if r["label"] == label)
    await tgql("mutation A($m: UUID!, $r: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $m, roleId: $r) { id } }", {"m": member["id"], "r": role})


def leave_field_out(plan: Plan, obj: str, name: str) -> None:
    """The person reviewing the plan decided the target gets no `obj.name` (it is dropped from
    the fields to create and from the field map): the target lacks it for good."""
    plan.create_fields = [f for f in plan.create_fields if (f["object"], f["name"]) != (obj, name)]
    plan.field_map[obj].pop(name, None)


@pytest.fixture(scope="module")
def config_run(tmp_path_factory: pytest.TempPathFactory) -> ConfigRun:
    workdir = tmp_path_factory.mktemp("config-run")

    async def go() -> ConfigRun:
        source = create_app(api_keys=[SOURCE_KEY, ApiKey(SOURCE_USER, user_session=True)], seed="demo", server_url=SOURCE_URL, limits=NO_LIMIT)
        gone = await add_faults(source)
        await edit_company_index_view(source)
        target = create_app(api_keys=[TARGET_KEY, ApiKey(TARGET_USER, user_session=True)], server_url=TARGET_URL, limits=NO_LIMIT)
        seed_workspace(target.workspace, SeedSpec(records=0, members=TARGET_MEMBERS, rng_seed=7, with_custom_objects=False))
        await target_member_role(target, SALES_IN_SOURCE, "Admin")
        async with connect(target) as client:
            await snapshot_from_api(client, workdir / "target-before.duckdb", with_files=False)
        snapshot = await take_snapshot(source, workdir / "source.duckdb")
        plan = await make_plan(snapshot, target, fallback_owner=FALLBACK)
        leave_field_out(plan, "company", "legacyTier")
        save_plan(plan, workdir / "plan.json")
        async with user_client(target) as user:
            await apply_with(plan, connect(target), workdir / "state.duckdb", user_client=user, workflows="as-source")
        return ConfigRun(source, target, plan, workdir / "state.duckdb", workdir, gone)

    return asyncio.run(go())


# comparison through names -----------------------------------------------------------------------------
def config_of(path: Path, members: dict[str, str] | None = None, records: dict[str, str] | None = None) -> dict[str, Any]:
    """A snapshot's configuration by name and content, ids left out; `members`/`records` rewrite
    source ids to target ids (the plan's member map, the journal's id map)."""
    swap = {**(records or {}), **(members or {})}

    def ids(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ids(v) for k, v in value.items()}
        if isinstance(value, list):
            return [ids(v) for v in value]
        return swap.get(value, value) if isinstance(value, str) else value

    with Snapshot(path) as snap:
        def q(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in snap.con.execute(sql).fetchall()]

        views = {(o, n): (t, k, json.loads(s)) for o, n, t, k, s in q("SELECT object, name, type, key, settings FROM views")}
        out: dict[str, Any] = {"views": views}
        out["view_fields"] = sorted(q("SELECT v.object, v.name, f.field, f.position, f.is_visible, f.size, f.aggregate_operation "
                                      "FROM view_fields f JOIN views v ON v.id = f.view_id"))
        out["view_filters"] = sorted((o, n, f, op, json.dumps(ids(json.loads(val)) if val else None), sub, g) for o, n, f, op, val, sub, g in q(
            "SELECT v.object, v.name, f.field, f.operand, f.value, f.sub_field_name, coalesce(g.logical_operator, '') FROM view_filters f "
            "JOIN views v ON v.id = f.view_id LEFT JOIN view_filter_groups g ON g.id = f.view_filter_group_id"))
        out["view_filter_groups"] = sorted(q("SELECT v.name, g.logical_operator, g.position_in_group, coalesce(p.logical_operator, '') "
                                             "FROM view_filter_groups g JOIN views v ON v.id = g.view_id LEFT JOIN view_filter_groups p ON p.id = g.parent_id"))
        out["view_sorts"] = sorted(q("SELECT v.object, v.name, s.field, s.direction FROM view_sorts s JOIN views v ON v.id = s.view_id"))
        out["view_groups"] = sorted(q("SELECT v.object, v.name, g.field, g.field_value, g.is_visible, g.position FROM view_groups g JOIN views v ON v.id = g.view_id"))
        out["roles"] = {label: (d, i, json.loads(s), json.loads(f)) for label, d, i, s, f in q(
            "SELECT label, description, icon, settings, permission_flags FROM roles")}
        out["role_permissions"] = sorted(q("SELECT * FROM role_permissions"), key=str)
        out["role_assignments"] = sorted(q("SELECT role, email FROM role_assignments WHERE kind = 'member' AND role <> 'Member'"))
        out["webhooks"] = sorted(q("SELECT target_url, operations, description FROM webhooks"))
        versions = rows(snap, "workflow_versions")
        out["workflows"] = {}
        for w in rows(snap, "workflows"):
            history = source_order([v for v in versions if v["workflow_id"] == w["id"]])
            out["workflows"][w["name"]] = [(v["name"], v["status"], ids(json.loads(v["trigger"] or "null")), ids(json.loads(v["steps"] or "[]")))
                                           for v in history]
            chosen = chosen_version(w, history)
            out["workflows"][w["name"]].append(("last published", chosen["name"] if chosen else None))
    return out


@pytest.fixture(scope="module")
def compared(config_run: ConfigRun) -> tuple[dict[str, Any], dict[str, Any]]:
    """(source configuration mapped to target ids, target configuration), both by name."""
    async def go() -> Path:
        async with connect(config_run.target) as client:
            await snapshot_from_api(client, config_run.workdir / "target.duckdb", with_files=False)
        return config_run.workdir / "target.duckdb"

    target_path = asyncio.run(go())
    members = {m["source_id"]: m["target_id"] for m in config_run.plan.members if m["via"] in ("email", "override")}
    with Journal(config_run.state) as journal:
        records = {s: t for _, s, t, _ in journal.id_map_rows()}
    return config_of(config_run.workdir / "source.duckdb", members, records), config_of(target_path)


def test_every_view_with_its_columns_filters_sorts_and_groups_matches_by_name(compared: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Every shared view of the source is in the target, same type and settings (kanban, calendar),
    with the same columns, filters (all operands, values through the id map), groups and sorts;
    the only difference is the filter on the field the target lacks."""
    source, target = compared
    assert source["views"] == target["views"]
    assert {k for k, (t, _, _) in source["views"].items() if t in ("KANBAN", "CALENDAR")} == {("opportunity", "Pipeline by stage"), ("task", "Due this month")}
    for table in ("view_filter_groups", "view_sorts", "view_groups"):
        assert source[table] == target[table], table
    custom = {k for k, (_, key, _) in source["views"].items() if key != "INDEX"}
    assert [f for f in source["view_fields"] if f[:2] in custom] == [f for f in target["view_fields"] if f[:2] in custom]
    extra = set(target["view_fields"]) - set(source["view_fields"])
    assert set(source["view_fields"]) <= set(target["view_fields"])
    assert all(source["views"][f[:2]][1] == "INDEX" for f in extra), "only INDEX views may keep columns of their own (fields the source lacks)"
    lacking = [f for f in source["view_filters"] if f[2] == "legacyTier"]
    assert len(lacking) == 1
    assert sorted(set(source["view_filters"]) - set(lacking)) == target["view_filters"]
    operands = {f[3] for f in target["view_filters"]}
    assert {"IS", "IS_NOT", "CONTAINS", "DOES_NOT_CONTAIN", "IS_EMPTY", "IS_NOT_EMPTY", "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL",
            "GREATER_THAN", "LESS_THAN", "IS_BEFORE", "IS_AFTER", "IS_RELATIVE", "IS_IN_PAST", "IS_IN_FUTURE", "IS_TODAY", "VECTOR_SEARCH",
            "IS_NOT_NULL"} <= operands


def test_index_views_are_updated_not_duplicated(config_run: ConfigRun, compared: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Each object of the target keeps exactly one INDEX view."""
    _, target = compared
    index = [k for k, (_, key, _) in target["views"].items() if key == "INDEX"]
    assert len(index) == len({o for o, _ in index})
    assert len(index) == sum(1 for (_, _), (_, key, _) in compared[0]["views"].items() if key == "INDEX")


def test_every_workflow_matches_by_name_with_every_version_trigger_and_steps_ids_rewritten(compared: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """With `--workflows as-source` and a user token, every version of every workflow is rebuilt in
    source order with its name, status (ARCHIVED, ACTIVE, DEACTIVATED, DRAFT), trigger and steps,
    member and record ids mapped, and the same last published version."""
    source, target = compared
    assert source["workflows"] == target["workflows"]
    welcome = [v[:2] for v in target["workflows"]["Welcome new people"][:-1]]
    assert welcome == [("v1", "ARCHIVED"), ("v2", "ACTIVE"), ("v3", "DRAFT")]
    assert target["workflows"]["Welcome new people"][-1] == ("last published", "v2")
    assert [v[1] for v in target["workflows"]["Weekly task cleanup"][:-1]] == ["DEACTIVATED"]
    kinds = {v[2]["type"] for versions in source["workflows"].values() for v in versions[:-1]}
    assert {"DATABASE_EVENT", "CRON", "MANUAL"} <= kinds
    assert {s["type"] for versions in target["workflows"].values() for v in versions[:-1] for s in v[3]} >= {"CREATE_RECORD", "UPDATE_RECORD"}


def test_every_custom_role_matches_with_its_permissions_and_assignments(compared: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Sales Rep and Support exist with the same settings, flags, object and field permissions;
    each mapped member holds their source role; Zoë, absent from the target, is the only gap."""
    source, target = compared
    assert source["roles"] == target["roles"]
    assert source["role_permissions"] == target["role_permissions"]
    assert [a for a in source["role_assignments"] if a[1] != MISSING_MEMBER] == target["role_assignments"]


def test_every_webhook_is_recreated_with_its_url_and_operations_and_a_new_secret(config_run: ConfigRun,
                                                                                  compared: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Both webhooks exist in the target; their new secrets are listed in manual-steps.md."""
    source, target = compared
    assert source["webhooks"] == target["webhooks"] and len(target["webhooks"]) == 2
    text = (config_run.workdir / "manual-steps.md").read_text(encoding="utf-8")
    secrets = [w["secret"] for w in config_run.target.workspace and asyncio.run(_webhooks(config_run.target))]
    assert all(s and s in text for s in secrets)


async def _webhooks(app: Emulator) -> list[dict[str, Any]]:
    return await call(app, "GET", "/rest/metadata/webhooks")  # type: ignore[no-any-return]


def test_what_cannot_move_is_listed_per_item_with_a_clear_message(config_run: ConfigRun) -> None:
    """API keys (name, expiry, role), connected accounts per member, the filter on the missing
    field, the step pointing at a deleted record and Zoë's role are each a manual step, in the
    journal and in manual-steps.md."""
    with Journal(config_run.state) as journal:
        steps = manual_steps(journal)
    text = (config_run.workdir / "manual-steps.md").read_text(encoding="utf-8")

    def one(kind: str, item: str, *words: str) -> None:
        hits = [a for k, i, a in steps if k == kind and item in i and all(w in a for w in words)]
        assert hits, f"no {kind} step for {item} with {words}: {steps}"
        lines = [line for line in text.splitlines() if line.startswith("- [ ] ") and item in line and all(w in line for w in words)]
        assert lines, f"manual-steps.md has no line for {item} with {words}"

    one("api key", "Zapier", "re-issue", "2099-12-31", "Sales Rep")
    one("api key", "Data warehouse sync", "2027-06-30", "Admin")
    assert sum(1 for k, _, _ in steps if k == "connected account") == 3
    one("view", "Legacy tier A (company)", "filter on company.legacyTier", "no such field")
    one("workflow", "Ping a lost account", "Flag the account", config_run.deleted_company, "not in the target")
    one("role", f"Support for {MISSING_MEMBER}", "not a member of the target", "invite")
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert {"## Views", "## Workflows", "## Roles and assignments", "## API keys to re-issue"} <= set(sections)


def test_plan_counts_and_lists_the_configuration(config_run: ConfigRun) -> None:
    """The plan counts every configuration table, lists views, workflows, roles and webhooks, warns
    about the three faults, and an older plan without a `config` section still loads."""
    config = config_run.plan.config
    assert config["counts"]["workflows"] == 4 and config["counts"]["webhooks"] == 2 and config["counts"]["api_keys"] == 2
    assert {r["label"] for r in config["roles"] if r["action"] == "create"} == {"Sales Rep", "Support"}
    assert any("Support" in w and MISSING_MEMBER in w for w in config_run.plan.warnings)
    old = json.loads((config_run.workdir / "plan.json").read_text(encoding="utf-8"))
    del old["config"]
    (config_run.workdir / "old-plan.json").write_text(json.dumps(old), encoding="utf-8")
    assert load_plan(config_run.workdir / "old-plan.json").config == {}


def test_apply_again_creates_no_duplicates(config_run: ConfigRun) -> None:
    """A second apply creates no view, child, role, workflow or webhook."""
    async def go() -> dict[str, int]:
        async with user_client(config_run.target) as user:
            summary = await apply_with(config_run.plan, connect(config_run.target), config_run.state, user_client=user, workflows="as-source")
        return summary.config.created

    before = config_run.target.workspace.count_all()
    assert asyncio.run(go()) == {}
    assert config_run.target.workspace.count_all() == before


def test_the_audit_checks_every_rebuilt_version_and_names_one_that_differs(config_run: ConfigRun, compared: tuple[dict[str, Any], dict[str, Any]],
                                                                         tmp_path: Path) -> None:
    """`checks/test_configuration.py` on the as-source migration, with the archived v1 of 'Welcome
    new people' made DEACTIVATED in a copy of the target: the check fails with exactly one
    difference, that version (so every other version, trigger, step count and status matched the
    journal's expectation). One audit run: each costs a fresh interpreter."""
    check = "checks/test_configuration.py::test_every_workflow_is_in_the_target_with_its_trigger_steps_and_state"

    def audit(target: Path, reports: Path) -> tuple[int, dict[str, Any]]:
        code = run_audit(config_run.workdir / "source.duckdb", target, state=config_run.state, report_dir=reports,
                         extra=["-k", "test_every_workflow_is_in_the_target"])
        data = json.loads((reports / "audit.json").read_text(encoding="utf-8"))
        return code, next(r for r in data["results"] if r["nodeid"] == check)

    broken = tmp_path / "target.duckdb"
    shutil.copyfile(config_run.workdir / "target.duckdb", broken)
    con = duckdb.connect(str(broken))
    con.execute("UPDATE workflow_versions SET status = 'DEACTIVATED' WHERE status = 'ARCHIVED'")
    con.close()
    code, result = audit(broken, tmp_path / "broken")
    assert code == 1 and result["outcome"] == "failed" and result["evidence"]["observed"] == "1 workflow differences", result["evidence"]
    assert any(s.get("workflow") == "Welcome new people" and s.get("version") == "v1" and s.get("target") == "DEACTIVATED"
               for s in result["evidence"]["samples"]), result["evidence"]


def test_rollback_removes_what_it_created_and_restores_what_it_changed(config_run: ConfigRun, compared: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """After apply and rollback (with the user token) the target's configuration equals its state
    before apply: no custom view, role, workflow or webhook left, the company INDEX view and its
    columns as they were, and the member whose role apply changed holds their old role again."""
    before = config_of(config_run.workdir / "target-before.duckdb")
    after_apply = config_of(config_run.workdir / "target.duckdb")
    assert after_apply["views"] != before["views"] and after_apply["view_fields"] != before["view_fields"], "apply changed the INDEX view"
    assert ("Sales Rep", SALES_IN_SOURCE) in after_apply["role_assignments"] and ("Admin", SALES_IN_SOURCE) in before["role_assignments"]

    async def go() -> tuple[Any, Any]:
        async with connect(config_run.target) as client, user_client(config_run.target) as user:
            with Journal(config_run.state) as journal:
                summary = await rollback(config_run.plan, client, journal, user_client=user)
            await snapshot_from_api(client, config_run.workdir / "target-after-rollback.duckdb", with_files=False)
            return summary, [await call(config_run.target, "GET", f"/rest/{p}") for p in ("workflows", "workflowVersions", "workflowAutomatedTriggers")]

    summary, (workflows, versions, triggers) = asyncio.run(go())
    assert not [line for line in summary.left if "role" in line], summary.left
    after = config_of(config_run.workdir / "target-after-rollback.duckdb")
    assert after == before
    assert workflows["data"]["workflows"] == [] and versions["data"]["workflowVersions"] == []
    assert triggers["data"]["workflowAutomatedTriggers"] == [], "an activated version's trigger outlived its workflow"


# without a user token (clean_run) --------------------------------------------------------------------------
def test_without_a_user_token_steps_activation_and_assignments_become_manual_steps(clean_run: Migration) -> None:
    """With an API key only and `--workflows draft`, every workflow arrives as a draft with its
    trigger, nothing is activated, and adding steps, activating and assigning roles are manual
    steps that say exactly what to do; the run does not fail."""
    async def go() -> list[dict[str, Any]]:
        body = await call(clean_run.target, "GET", "/rest/workflowVersions")
        return body["data"]["workflowVersions"]  # type: ignore[no-any-return]

    versions = asyncio.run(go())
    assert versions and {v["status"] for v in versions} == {"DRAFT"} and all(v["trigger"] for v in versions)
    with Journal(clean_run.state) as journal:
        steps = manual_steps(journal)
    actions = [a for _, _, a in steps]
    assert any("add the step" in a and "TWENTY_TARGET_USER_TOKEN" in a for a in actions)
    assert any("created as a draft (--workflows draft)" in a for a in actions)
    assert any("assign the role 'Sales Rep'" in a for a in actions)
    assert (clean_run.state.parent / "manual-steps.md").exists()
