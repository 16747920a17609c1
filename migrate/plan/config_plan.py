"""The configuration part of a plan: which views, workflows, roles and webhooks `apply` creates or
updates, what it cannot move (listed, never dropped silently), and the counts `plan` prints.

A reference is checked against the data model the target will have once `apply` created the
plan's objects and fields: a view filter on a field the target will still lack is a warning, and
`apply` leaves that filter out and lists it in `manual-steps.md`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from migrate.model import ObjectMeta
from migrate.plan.members import MemberMatch
from migrate.snapshot.reader import Snapshot

CONFIG_TABLES = ("views", "view_fields", "view_filters", "view_filter_groups", "view_sorts", "view_groups", "workflows", "workflow_versions",
                 "roles", "role_permissions", "role_assignments", "webhooks", "api_keys", "connected_accounts")
STANDARD_ROLES = frozenset({"Admin", "Member"})
"""Roles every workspace has: their permissions are not copied; assignments to them are."""
DEFAULT_ROLE = "Member"


def has_configuration(snap: Snapshot) -> bool:
    """Snapshots written before the configuration tables existed have none."""
    row = snap.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'views'").fetchone()
    return bool(row and row[0])


def rows(snap: Snapshot, table: str, order: str = "id") -> list[dict[str, Any]]:
    cursor = snap.con.execute(f"SELECT * FROM {table} ORDER BY {order}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def fields_after_apply(target_objects: list[ObjectMeta], create_objects: list[dict[str, Any]], create_fields: list[dict[str, Any]],
                       source_objects: list[ObjectMeta]) -> set[tuple[str, str]]:
    """(object, field) pairs the target holds once the plan's data model is applied."""
    out = {(o.name_singular, f.name) for o in target_objects for f in o.fields}
    created = {c["name_singular"] for c in create_objects}
    out |= {(o.name_singular, f.name) for o in source_objects if o.name_singular in created for f in o.fields}
    out |= {(f["object"], f["name"]) for f in create_fields}
    return out


def plan_configuration(snap: Snapshot, target_objects: list[ObjectMeta], matches: list[MemberMatch], *,
                       create_objects: list[dict[str, Any]], create_fields: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The `config` section of the plan, and its warnings."""
    if not has_configuration(snap):
        return {}, [("The source snapshot has no configuration tables (taken by an older twenty-migrate); views, workflows, roles and "
                     "webhooks are not migrated. Take the snapshot again to include them.")]
    available = fields_after_apply(target_objects, create_objects, create_fields, snap.objects())
    objects = {o for o, _ in available}
    warnings: list[str] = []
    counts = {t: int(snap.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in CONFIG_TABLES}  # type: ignore[index]
    views = []
    for v in rows(snap, "views", "object, position, name"):
        if v["visibility"] != "WORKSPACE":
            continue
        action = "skip" if v["object"] not in objects else ("update INDEX" if v["key"] == "INDEX" else "create")
        views.append({"object": v["object"], "name": v["name"], "type": v["type"], "action": action})
        if action == "skip":
            warnings.append(f"View '{v['name']}' of {v['object']}: the target has no object {v['object']}; the view is not migrated.")
    names = {v["id"]: (v["object"], v["name"]) for v in rows(snap, "views")}
    for table in ("view_fields", "view_filters", "view_sorts", "view_groups"):
        for child in rows(snap, table):
            obj, view_name = names.get(child["view_id"], ("?", "?"))
            if obj in objects and (obj, child["field"]) not in available:
                what = {"view_fields": "shows", "view_filters": "filters on", "view_sorts": "sorts on", "view_groups": "groups by"}[table]
                warnings.append(f"View '{view_name}' of {obj} {what} {obj}.{child['field']}, which the target lacks: "
                                f"that {table[5:-1]} is left out and listed in manual-steps.md.")
    workflows = []
    versions = {v["id"]: v for v in rows(snap, "workflow_versions")}
    for w in rows(snap, "workflows", "position, name"):
        chosen = chosen_version(w, [v for v in versions.values() if v["workflow_id"] == w["id"]])
        history = source_order([v for v in versions.values() if v["workflow_id"] == w["id"]])
        workflows.append({"name": w["name"], "version": chosen["name"] if chosen else None, "status": chosen["status"] if chosen else None,
                          "versions": len(history), "history": [f"{v['name']} ({v['status']})" for v in history]})
    by_member = {m.source_id: m for m in matches}
    roles = [{"label": r["label"], "action": "assign only" if r["label"] in STANDARD_ROLES else "create"} for r in rows(snap, "roles", "label")]
    for a in rows(snap, "role_assignments", "role, email"):
        if a["kind"] != "member" or a["role"] == DEFAULT_ROLE:
            continue
        match = by_member.get(a["member_id"])
        if match is None or match.via not in ("email", "override"):
            warnings.append(f"Role '{a['role']}' is assigned to {a['email'] or a['member_id']}, who is not a member of the target: "
                            "the assignment is listed in manual-steps.md (invite them, then assign the role).")
    manual = [{"kind": "api key", "item": k["name"], "action": f"re-issue (expires {k['expires_at']}, role {k['role']})"}
              for k in rows(snap, "api_keys", "name")]
    manual += [{"kind": "connected account", "item": a["handle"], "action": f"{a['owner_email']} reconnects {a['provider']}"}
               for a in rows(snap, "connected_accounts", "handle")]
    config = {"counts": counts, "views": views, "workflows": workflows, "roles": roles,
              "webhooks": [{"target_url": w["target_url"], "operations": json.loads(w["operations"] or "[]")} for w in rows(snap, "webhooks", "target_url")],
              "manual": manual}
    return config, warnings


def chosen_version(workflow: dict[str, Any], versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The version the source runs: the last published one, else the newest draft. With `--workflows
    draft` it is the only version apply rebuilds (Twenty keeps one draft per workflow, and a version
    leaves draft only by being activated); with `as-source` every version is rebuilt."""
    published = [v for v in versions if v["id"] == workflow.get("last_published_version_id")]
    if published:
        return published[0]
    drafts = sorted((v for v in versions if v["status"] == "DRAFT"), key=lambda v: v["name"] or "")
    return drafts[-1] if drafts else (versions[0] if versions else None)


def _natural(name: str | None) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name or ""))


def source_order(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The versions of one workflow in the order they were made (creation date, then name `v1 < v2
    < v10`), the draft last: it is the one that stays a draft when apply rebuilds the history."""
    ordered = sorted(versions, key=lambda v: (v.get("created_at") or "", _natural(v.get("name")), v["id"]))
    return [v for v in ordered if v["status"] != "DRAFT"] + [v for v in ordered if v["status"] == "DRAFT"]


def config_summary(config: dict[str, Any]) -> dict[str, int]:
    """What `plan` prints: per kind, how many items the migration carries or lists."""
    if not config:
        return {}
    counts = config.get("counts", {})
    return {"views": sum(1 for v in config.get("views", []) if v["action"] != "skip"), "view fields": counts.get("view_fields", 0),
            "view filters": counts.get("view_filters", 0), "view sorts": counts.get("view_sorts", 0), "view groups": counts.get("view_groups", 0),
            "workflows": len(config.get("workflows", [])), "workflow versions": counts.get("workflow_versions", 0),
            "custom roles": sum(1 for r in config.get("roles", []) if r["action"] == "create"),
            "role assignments": counts.get("role_assignments", 0), "webhooks": len(config.get("webhooks", [])),
            "manual steps (API keys, accounts)": len(config.get("manual", []))}


__all__ = ["CONFIG_TABLES", "chosen_version", "config_summary", "has_configuration", "plan_configuration", "rows", "source_order"]
