"""Configuration: views, workflows, roles and webhooks of the source are in the target, compared by name.

A difference the journal's `manual_steps` explains (a step, an activation or an assignment left for
a person) passes, and the evidence says which step explains it; the manual items themselves are
confirmed in `test_manual_items.py`.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.session import AuditSession
from migrate.plan.config_plan import (
    DEFAULT_ROLE,
    STANDARD_ROLES,
    chosen_version,
    has_configuration,
    rows,
    source_order,
)
from migrate.snapshot.reader import Snapshot

pytestmark = pytest.mark.checklist("configuration")


WHAT = {"fields": "column", "filters": "filter", "sorts": "sort", "groups": "group"}
"""How the journal's manual steps name each kind of view setting."""


# helpers ---------------------------------------------------------------------------------------
def source_rows(audit: AuditSession, table: str, order: str = "id") -> list[dict[str, Any]]:
    """The source's rows of a configuration table; the check is skipped when it has none."""
    found = rows(audit.source, table, order) if has_configuration(audit.source) else []
    if not found:
        pytest.skip(f"the source has no {table.replace('_', ' ')}")
    return found


def target_rows(audit: AuditSession, table: str, order: str = "id") -> list[dict[str, Any]]:
    return rows(audit.target, table, order) if has_configuration(audit.target) else []


def manual_actions(audit: AuditSession, kind: str, item: str) -> list[str]:
    """What the journal left for a person on one item (empty without a journal)."""
    if audit.journal is None:
        return []
    return [r[0] for r in audit.journal.con.execute("SELECT action FROM manual_steps WHERE kind = ? AND item = ? ORDER BY action",
                                                     [kind, item]).fetchall()]


def explained(evidence: Evidence, actions: list[str], item: str, what: str, *prefixes: str) -> bool:
    """Whether a manual step (starting with one of `prefixes`) explains `what`; noted in the evidence."""
    found = [a for a in actions if any(a.startswith(p) for p in prefixes)]
    for action in found:
        evidence.note(f"{item}: {what}, explained by the manual step: {action}")
    return bool(found)


def _filter_value(value: Any, remapped: dict[str, str]) -> str:
    """A filter's value with the record ids it selects mapped to the target's."""
    data = json.loads(value) if isinstance(value, str) and value else value
    if isinstance(data, dict) and isinstance(data.get("selectedRecordIds"), list):
        data = {**data, "selectedRecordIds": sorted(remapped.get(str(i), str(i)) for i in data["selectedRecordIds"])}
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _view_children(snap: Snapshot, remapped: dict[str, str]) -> dict[str, dict[str, Counter[tuple[Any, ...]]]]:
    """Per view id: its fields, filters, sorts and groups as comparable tuples (names, never ids)."""
    out: dict[str, dict[str, Counter[tuple[Any, ...]]]] = {}

    def put(view_id: str, kind: str, key: tuple[Any, ...]) -> None:
        out.setdefault(view_id, {}).setdefault(kind, Counter())[key] += 1

    for r in rows(snap, "view_fields"):
        put(r["view_id"], "fields", (r["field"],))
    for r in rows(snap, "view_filters"):
        put(r["view_id"], "filters", (r["field"], r["sub_field_name"], r["operand"], _filter_value(r["value"], remapped)))
    for r in rows(snap, "view_sorts"):
        put(r["view_id"], "sorts", (r["field"], r["direction"]))
    for r in rows(snap, "view_groups"):
        put(r["view_id"], "groups", (r["field"], r["field_value"], bool(r["is_visible"])))
    return out


def _describe(kind: str, key: tuple[Any, ...]) -> str:
    if kind == "filters":
        return f"filter {key[0]}{'.' + key[1] if key[1] else ''} {key[2]} {key[3]}"
    if kind == "sorts":
        return f"sort {key[0]} {key[1]}"
    if kind == "groups":
        return f"group {key[0]} = {key[1]}{'' if key[2] else ' (hidden)'}"
    return f"field {key[0]}"


# views -----------------------------------------------------------------------------------------
def test_every_view_is_in_the_target_with_its_fields_filters_sorts_and_groups(audit: AuditSession, evidence: Evidence) -> None:
    """Every source view is in the target (same object and name) with the same fields, filters, sorts and groups."""
    views = source_rows(audit, "views", "object, name")
    remapped: dict[str, str] = {}
    if audit.journal is not None:
        remapped = dict(audit.journal.con.execute("SELECT source_id, target_id FROM id_map").fetchall())
    target = {(v["object"], v["name"]): v for v in target_rows(audit, "views", "object, name")}
    source_children = _view_children(audit.source, remapped)
    target_children = _view_children(audit.target, {}) if target else {}
    bad = 0
    for view in views:
        label = f"{view['object']}: {view['name']}"
        actions = manual_actions(audit, "view", f"{view['name']} ({view['object']})")
        there = target.get((view["object"], view["name"]))
        if there is None:
            if not explained(evidence, actions, label, "missing from the target", "the target has no", "the target refused", "a view of this name"):
                evidence.add(view=label, object=view["object"], source="present", target="missing")
                bad += 1
            continue
        theirs = target_children.get(there["id"], {})
        for kind, wanted in source_children.get(view["id"], {}).items():
            lacking = wanted - theirs.get(kind, Counter())
            for key in sorted(lacking, key=str):
                what = _describe(kind, key)
                if explained(evidence, actions, label, f"{what} missing", f"its {WHAT[kind]}", "a filter selected", "a view of this name"):
                    continue
                evidence.add(view=label, object=view["object"], source=what, target="missing")
                bad += 1
            extra = theirs.get(kind, Counter()) - wanted
            if extra:
                evidence.note(f"{label}: the target also has {', '.join(_describe(kind, k) for k in sorted(extra, key=str))}")
    evidence.set(observed=f"{bad} views or view settings missing", expected="0")
    assert bad == 0, f"{bad} views or view settings of the source are missing in the target"


# workflows -------------------------------------------------------------------------------------
def _trigger_type(version: dict[str, Any] | None) -> str | None:
    trigger = json.loads(version["trigger"]) if version and version.get("trigger") else None
    return trigger.get("type") if isinstance(trigger, dict) else None


def _steps(version: dict[str, Any] | None) -> int:
    return len(json.loads(version["steps"] or "[]")) if version else 0


def _journal_rows(audit: AuditSession, kind: str) -> dict[str, str]:
    if audit.journal is None:
        return {}
    return dict(audit.journal.con.execute("SELECT source_id, target_id FROM config_map WHERE kind = ?", [kind]).fetchall())


def test_every_workflow_is_in_the_target_with_its_trigger_steps_and_state(audit: AuditSession, evidence: Evidence) -> None:
    """Every source workflow is in the target (by name) with every version the journal rebuilt: its trigger type,
    its number of steps and the status the journal says it must end in; the versions not rebuilt are explained."""
    workflows = source_rows(audit, "workflows", "position, name")
    versions = rows(audit.source, "workflow_versions")
    target_versions = target_rows(audit, "workflow_versions")
    target = {w["name"]: w for w in target_rows(audit, "workflows", "position, name")}
    rebuilt, finals = _journal_rows(audit, "workflow_version"), _journal_rows(audit, "workflow_version_status")
    activated = set(_journal_rows(audit, "workflow_activation"))
    bad = 0
    for workflow in workflows:
        name = workflow["name"]
        actions = manual_actions(audit, "workflow", name)
        there = target.get(name)
        if there is None:
            evidence.add(workflow=name, source="present", target="missing")
            bad += 1
            continue
        if explained(evidence, actions, name, "left as it was in the target", "a workflow of this name already existed"):
            continue
        history = source_order([v for v in versions if v["workflow_id"] == workflow["id"]])
        theirs_all = {v["id"]: v for v in target_versions if v["workflow_id"] == there["id"]}
        if audit.journal is None:  # recreated by hand (no journal): every version in the target, by name, in its source status
            by_name = {v["name"]: v for v in theirs_all.values()}
            pairs = [(v, by_name.get(v["name"]), v["status"]) for v in history]
        elif any(v["id"] in finals for v in history):  # the journal says which versions were rebuilt, and how they end
            pairs = [(v, theirs_all.get(rebuilt.get(v["id"], "")), finals[v["id"]]) for v in history if v["id"] in finals]
        else:  # an older journal (or none): the version the source runs, a draft unless the journal activated it
            version = chosen_version(workflow, history)
            theirs = chosen_version(there, list(theirs_all.values()))
            pairs = [(version, theirs, "ACTIVE" if version is not None and version["id"] in activated else "DRAFT")] if version else []
        done = {v["id"] for v, _, _ in pairs}
        for v in history:
            if v["id"] not in done and not explained(evidence, actions, name, f"version '{v['name']}' not rebuilt", f"version '{v['name']}'"):
                evidence.add(workflow=name, version=v["name"], source=v["status"], target="missing")
                bad += 1
        by_hand = sum(1 for a in actions if a.startswith("add the step "))
        for version, theirs, final in pairs:
            label = f"{name} {version['name']}"
            if explained(evidence, actions, label, "not published as in the source", f"version '{version['name']}' ({version['status']} in the source) could"):
                continue
            if theirs is None:
                evidence.add(workflow=name, version=version["name"], source=version["status"], target="missing")
                bad += 1
                continue
            if _trigger_type(version) != _trigger_type(theirs) and not explained(evidence, actions, name, "trigger differs", "trigger"):
                evidence.add(workflow=name, version=version["name"], field="trigger", source=_trigger_type(version), target=_trigger_type(theirs))
                bad += 1
            wanted, got = _steps(version), _steps(theirs)
            if got + (by_hand if got != wanted else 0) != wanted:
                evidence.add(workflow=name, version=version["name"], field="steps", source=wanted, target=got, note=f"{by_hand} left to add by hand")
                bad += 1
            elif got != wanted:
                explained(evidence, actions, label, f"{wanted - got} of {wanted} steps not in the target", "add the step ")
            if version["status"] == "ACTIVE" and final != "ACTIVE" and not explained(evidence, actions, name, "not active in the target",
                                                                                      "active in the source"):
                evidence.add(workflow=name, version=version["name"], field="state", source="ACTIVE", target=final,
                             note="the journal does not say why it is not active")
                bad += 1
            if theirs.get("status") != final and not explained(evidence, actions, label, f"{final} expected", f"version '{version['name']}' is"):
                evidence.add(workflow=name, version=version["name"], field="state", source=version["status"], target=theirs.get("status"),
                             note=f"the journal rebuilt it to end {final}")
                bad += 1
        expected = sorted({f for _, _, f in pairs} - {"ARCHIVED"}) if audit.journal is not None else sorted(set(json.loads(workflow["statuses"] or "[]")))
        states = sorted(set(json.loads(there["statuses"] or "[]")))
        if states != expected:
            evidence.add(workflow=name, field="state", source=", ".join(expected) or "none", target=", ".join(states) or "none",
                         note="the workflow's statuses differ from those of the versions the journal rebuilt")
            bad += 1
    evidence.set(observed=f"{bad} workflow differences", expected="0")
    assert bad == 0, f"{bad} workflow differences between the source and the target"


# roles -----------------------------------------------------------------------------------------
def test_every_custom_role_has_its_permissions(audit: AuditSession, evidence: Evidence) -> None:
    """Every custom role of the source is in the target (by label) with the same object and field permissions."""
    roles = [r for r in source_rows(audit, "roles", "label") if r["label"] not in STANDARD_ROLES]
    if not roles:
        pytest.skip("the source has no custom roles")
    columns = ("kind", "object", "field", "can_read", "can_update", "can_soft_delete", "can_destroy")

    def permissions(snap_rows: list[dict[str, Any]]) -> dict[str, set[tuple[Any, ...]]]:
        out: dict[str, set[tuple[Any, ...]]] = {}
        for p in snap_rows:
            out.setdefault(p["role"], set()).add(tuple(p[c] for c in columns))
        return out

    source = permissions(rows(audit.source, "role_permissions", "role"))
    target = permissions(target_rows(audit, "role_permissions", "role"))
    labels = {r["label"] for r in target_rows(audit, "roles", "label")}
    bad = 0
    for role in roles:
        label = role["label"]
        actions = manual_actions(audit, "role", label)
        if label not in labels:
            evidence.add(role=label, source="present", target="missing")
            bad += 1
            continue
        if explained(evidence, actions, label, "permissions left as the target had them", "a role of this name already existed"):
            continue
        for permission in sorted(source.get(label, set()) - target.get(label, set()), key=str):
            what = f"{permission[0]} permission on {permission[1]}{'.' + permission[2] if permission[2] else ''}"
            if explained(evidence, actions, label, f"{what} differs", f"its {what}", "some permissions were refused"):
                continue
            evidence.add(role=label, object=permission[1], field=permission[2],
                         source=dict(zip(columns[3:], permission[3:], strict=True)), target="missing or different")
            bad += 1
    evidence.set(observed=f"{bad} roles or permissions missing or different", expected="0")
    assert bad == 0, f"{bad} roles or permissions of the source are missing or differ in the target"


def test_every_member_has_their_role(audit: AuditSession, evidence: Evidence) -> None:
    """Every member's role assignment of the source is in the target (by e-mail), or the journal leaves it to a person."""
    assignments = [a for a in source_rows(audit, "role_assignments", "email") if a["kind"] == "member"]
    if not assignments:
        pytest.skip("the source assigns no roles to members")
    target_members = {(m.email or "").lower() for m in audit.target.members()}
    held: dict[str, set[str]] = {}
    for a in target_rows(audit, "role_assignments", "email"):
        if a["kind"] == "member":
            held.setdefault((a["email"] or "").lower(), set()).add(a["role"])
    bad = 0
    for a in assignments:
        email, role = (a["email"] or "").lower(), a["role"]
        who = a["email"] or a["member_id"]
        if role in held.get(email, set()):
            continue
        actions = manual_actions(audit, "role", f"{role} for {who}")
        if email not in target_members:
            if explained(evidence, actions, who, f"role '{role}' not assigned", "") or role == DEFAULT_ROLE:
                if role == DEFAULT_ROLE and not actions:
                    evidence.note(f"{who}: not a member of the target (see the members check); the default role '{role}' comes with joining")
                continue
            evidence.add(member=who, role=role, source=role, target="not a member")
            bad += 1
        elif not held.get(email):
            evidence.add(member=who, role=role, source=role, target="no role", note="every member of the target needs a role")
            bad += 1
        elif not explained(evidence, actions, who, f"role '{role}' not assigned yet (holds {', '.join(sorted(held[email]))})", "assign the role"):
            evidence.add(member=who, role=role, source=role, target=", ".join(sorted(held[email])))
            bad += 1
    evidence.set(observed=f"{bad} members without their role", expected="0")
    assert bad == 0, f"{bad} members do not have their source role in the target: " + ", ".join(
        str(s["member"]) for s in evidence.samples)


# webhooks --------------------------------------------------------------------------------------
def test_every_webhook_is_in_the_target(audit: AuditSession, evidence: Evidence) -> None:
    """Every source webhook is in the target with the same target URL and operations."""
    hooks = source_rows(audit, "webhooks", "target_url")
    target = Counter((h["target_url"], json.dumps(sorted(json.loads(h["operations"] or "[]")))) for h in target_rows(audit, "webhooks", "target_url"))
    bad = 0
    for hook in hooks:
        key = (hook["target_url"], json.dumps(sorted(json.loads(hook["operations"] or "[]"))))
        if target[key] > 0:
            target[key] -= 1
            explained(evidence, manual_actions(audit, "webhook", hook["target_url"]), hook["target_url"], "a new signing secret", "a new signing secret")
            continue
        there = [o for (u, o) in target if u == hook["target_url"]]
        evidence.add(webhook=hook["target_url"], source=key[1], target=", ".join(there) or "missing")
        bad += 1
    evidence.set(observed=f"{len(hooks) - bad} of {len(hooks)} webhooks in the target", expected=f"{len(hooks)} of {len(hooks)}")
    assert bad == 0, f"{bad} webhooks of the source are missing or differ in the target"
