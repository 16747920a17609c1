"""The configuration phase of apply: views, roles, workflows and webhooks, after the records and the
second pass (filter values and workflow steps name records, which must be in the id map).

Every item is looked up in the journal's `config_map` first, so `apply` again creates nothing, and
recorded with whether this migration created it, so `rollback` removes exactly that. Metadata ids
are remapped by API name through the target's live data model, record ids through the journal's
id map, member ids through the plan's member map. What cannot move goes to `manual_steps`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from migrate.apply.config_views import ViewMigrator
from migrate.apply.journal import Journal
from migrate.apply.manual_steps import add_manual_step, clear_manual_steps, write_manual_steps
from migrate.errors import TwentyError
from migrate.plan.config_plan import (
    DEFAULT_ROLE,
    STANDARD_ROLES,
    chosen_version,
    has_configuration,
    rows,
)
from migrate.plan.plan import Plan
from migrate.snapshot.reader import Snapshot
from migrate.twenty import config_api
from migrate.twenty.client import TwentyClient

WorkflowMode = Literal["draft", "as-source"]
UUID_LENGTH = 36


@dataclass(slots=True)
class ConfigSummary:
    created: dict[str, int] = field(default_factory=dict)
    manual_steps: int = 0

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


class ConfigMap:
    """The journal's `config_map`: source item -> target id, and whether we created it."""

    def __init__(self, journal: Journal) -> None:
        self.con = journal.con

    def get(self, kind: str, source_id: str) -> str | None:
        row = self.con.execute("SELECT target_id FROM config_map WHERE kind = ? AND source_id = ?", [kind, source_id]).fetchone()
        return None if row is None else str(row[0])

    def put(self, kind: str, source_id: str, target_id: str, created: bool) -> None:
        self.con.execute("INSERT OR REPLACE INTO config_map VALUES (?, ?, ?, ?)", [kind, source_id, target_id, created])

    def created(self, kind: str) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT target_id FROM config_map WHERE kind = ? AND created AND target_id <> '' "
                                               "ORDER BY source_id", [kind]).fetchall()]


def looks_like_id(value: str) -> bool:
    return len(value) == UUID_LENGTH and value.count("-") == 4


class Remapper:
    """Source ids -> target ids: members (by e-mail), records (id map), metadata (by API name)."""

    def __init__(self, plan: Plan, journal: Journal, snapshot: Snapshot, target_objects: list[Any]) -> None:
        self.members = {m["source_id"]: m["target_id"] for m in plan.members if m["via"] in ("email", "override")}
        self.journal = journal
        self.object_ids = {o.name_singular: o.id for o in target_objects}
        self.field_ids = {(o.name_singular, f.name): f.id for o in target_objects for f in o.fields}
        source = snapshot.objects()
        self.source_meta = {o.id: self.object_ids.get(o.name_singular) for o in source}
        self.source_meta.update({f.id: self.field_ids.get((o.name_singular, f.name)) for o in source for f in o.fields})

    def record(self, source_id: str) -> str | None:
        if source_id in self.members:
            return self.members[source_id]
        row = self.journal.con.execute("SELECT target_id FROM id_map WHERE source_id = ? LIMIT 1", [source_id]).fetchone()
        return None if row is None else str(row[0])

    def field(self, obj: str, name: str | None) -> str | None:
        return self.field_ids.get((obj, name)) if name else None

    def json_ids(self, value: Any, problems: list[str], key: str = "") -> Any:
        """Rewrite every id inside a workflow trigger or step; `{{variables}}`, step ids and
        links stay; what cannot be resolved stays as is and is described in `problems`."""
        if isinstance(value, dict):
            return {k: v if k in ("id", "nextStepIds", "stepOutputKey") else self.json_ids(v, problems, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json_ids(v, problems, key) for v in value]
        if not isinstance(value, str) or "{{" in value or not looks_like_id(value):
            return value
        for found in (self.record(value), self.source_meta.get(value)):
            if found:
                return found
        if key == "connectedAccountId":
            problems.append(f"its e-mail account ({value}) cannot move: once the sender reconnected it in the target, choose it in this step")
        elif key == "serverlessFunctionId":
            problems.append("its code function cannot be copied through the API: paste the source's code into this step")
        else:
            problems.append(f"{key or 'a value'} {value} points at a record or member that is not in the target "
                            "(deleted in the source, or not migrated): choose another one in this step")
        return value


class ConfigApplier:
    """Migrates the configuration tables of a snapshot into the target."""

    def __init__(self, plan: Plan, client: TwentyClient, journal: Journal, snapshot: Snapshot, *, user_client: TwentyClient | None = None,
                 workflows: WorkflowMode = "draft") -> None:
        self.plan = plan
        self.client = client
        self.user_client = user_client
        self.journal = journal
        self.snapshot = snapshot
        self.mode = workflows
        self.map = ConfigMap(journal)
        self.summary = ConfigSummary()

    def manual(self, kind: str, item: str, action: str) -> None:
        add_manual_step(self.journal, kind, item, action)

    async def run(self) -> ConfigSummary:
        if not has_configuration(self.snapshot):
            return self.summary
        remap = Remapper(self.plan, self.journal, self.snapshot, await self.client.objects())
        await ViewMigrator(self.client, self.snapshot, self.map, remap, self.manual, self.summary.add).run()
        await self._roles(remap)
        await self._workflows(remap)
        secrets = await self._webhooks()
        self._not_movable()
        write_manual_steps(self.journal, secrets=secrets)
        self.summary.manual_steps = int(self.journal.con.execute("SELECT count(*) FROM manual_steps").fetchone()[0])  # type: ignore[index]
        return self.summary

    # roles --------------------------------------------------------------------------------------
    async def _roles(self, remap: Remapper) -> None:
        target_roles = {r["label"]: r["id"] for r in await config_api.list_roles(self.client)}
        permissions = rows(self.snapshot, "role_permissions", "role, kind, object, field")
        for role in rows(self.snapshot, "roles", "label"):
            label = role["label"]
            if label in STANDARD_ROLES or self.map.get("role", label) is not None:
                continue
            if label in target_roles:
                self.map.put("role", label, target_roles[label], False)
                self.manual("role", label, "a role of this name already existed in the target; its permissions were left as they were: compare them")
                continue
            settings = json.loads(role["settings"] or "{}")
            role_id = await config_api.create_role(self.client, {"label": label, "description": role["description"], "icon": role["icon"],
                                                                 **{k: v for k, v in settings.items() if v is not None}})
            target_roles[label] = role_id
            await self._permissions(label, role_id, [p for p in permissions if p["role"] == label], json.loads(role["permission_flags"] or "[]"), remap)
            self.map.put("role", label, role_id, True)
            self.summary.add("role")
        for a in rows(self.snapshot, "role_assignments", "role, email"):
            if a["kind"] == "api_key":
                continue
            if a["role"] == DEFAULT_ROLE or self.map.get("role_assignment", a["member_id"]) is not None:
                continue
            who = a["email"] or a["member_id"]
            member = remap.members.get(a["member_id"])
            if member is None:
                self.manual("role", f"{a['role']} for {who}", f"{who} is not a member of the target: invite them with the role '{a['role']}' "
                            "(Settings > Members > Invite), or assign it once they joined")
                continue
            if self.user_client is None:
                self.manual("role", f"{a['role']} for {who}", f"assign the role '{a['role']}' to {who} in Settings > Members (Twenty accepts "
                            "member role changes from a user session only; set TWENTY_TARGET_USER_TOKEN to let apply do it)")
                continue
            await config_api.assign_member_role(self.user_client, member, target_roles[a["role"]])
            clear_manual_steps(self.journal, "role", f"{a['role']} for {who}", "assign")
            self.map.put("role_assignment", a["member_id"], target_roles[a["role"]], False)
            self.summary.add("role assignment")

    async def _permissions(self, label: str, role_id: str, permissions: list[dict[str, Any]], flags: list[str], remap: Remapper) -> None:
        objects, fields = [], []
        for p in permissions:
            obj_id = remap.object_ids.get(p["object"])
            field_id = remap.field(p["object"], p["field"]) if p["kind"] == "field" else None
            if obj_id is None or (p["kind"] == "field" and field_id is None):
                self.manual("role", label, f"its {p['kind']} permission on {p['object']}{'.' + p['field'] if p['field'] else ''} was not copied: "
                            "the target lacks it")
            elif p["kind"] == "object":
                objects.append({"objectMetadataId": obj_id, "canReadObjectRecords": p["can_read"], "canUpdateObjectRecords": p["can_update"],
                                "canSoftDeleteObjectRecords": p["can_soft_delete"], "canDestroyObjectRecords": p["can_destroy"]})
            else:
                fields.append({"objectMetadataId": obj_id, "fieldMetadataId": field_id, "canReadFieldValue": p["can_read"],
                               "canUpdateFieldValue": p["can_update"]})
        for call, items in ((config_api.upsert_object_permissions, objects), (config_api.upsert_field_permissions, fields),
                            (config_api.upsert_permission_flags, flags)):
            if not items:
                continue
            try:
                await call(self.client, role_id, items)  # type: ignore[operator]
            except TwentyError as exc:
                self.manual("role", label, f"some permissions were refused by the target ({exc}); set them in Settings > Roles")

    # workflows ----------------------------------------------------------------------------------
    async def _workflows(self, remap: Remapper) -> None:
        versions = rows(self.snapshot, "workflow_versions")
        existing: dict[str, str] | None = None
        for w in rows(self.snapshot, "workflows", "position, name"):
            version = chosen_version(w, [v for v in versions if v["workflow_id"] == w["id"]])
            name = w["name"]
            older = sum(1 for v in versions if v["workflow_id"] == w["id"]) - 1
            if older > 0:
                self.manual("workflow", name, f"{older} other version(s) of the source are history and were not recreated "
                            f"(only '{version['name'] if version else '?'}' was)")
            target_id = self.map.get("workflow", w["id"])
            if target_id is None:
                if existing is None:
                    existing = {r.get("name"): r["id"] for r in await config_api.list_records(self.client, "workflows")}
                if name in existing:
                    self.map.put("workflow", w["id"], existing[name], False)
                    self.manual("workflow", name, "a workflow of this name already existed in the target: it was left as it was")
                    continue
                target_id, draft = await config_api.create_workflow(self.client, name)
                self.map.put("workflow", w["id"], target_id, True)
                self.map.put("workflow_version", w["id"], draft, True)
                self.summary.add("workflow")
            draft = self.map.get("workflow_version", w["id"])
            if version is None or not draft:
                continue
            await self._fill(name, version, draft, remap)

    async def _fill(self, name: str, version: dict[str, Any], draft: str, remap: Remapper) -> None:
        trigger, steps = json.loads(version["trigger"] or "null"), json.loads(version["steps"] or "[]")
        problems: list[str] = []
        if trigger and self.map.get("workflow_trigger", version["id"]) is None:
            await config_api.set_trigger(self.client, draft, remap.json_ids(trigger, problems))
            self.map.put("workflow_trigger", version["id"], draft, True)
        for step in steps:
            step_problems: list[str] = []
            body = remap.json_ids(step, step_problems)
            for problem in step_problems:
                self.manual("workflow", name, f"step '{step.get('name')}': {problem}")
            if self.map.get("workflow_step", f"{version['id']}/{step['id']}") is not None:
                continue
            if self.user_client is None:
                self.manual("workflow", name, f"add the step '{step.get('name')}' ({step.get('type')}) by hand: Twenty creates workflow steps "
                            "for a user session only (set TWENTY_TARGET_USER_TOKEN to let apply do it)")
                continue
            await config_api.create_step(self.user_client, draft, body)
            clear_manual_steps(self.journal, "workflow", name, f"add the step '{step.get('name')}'")
            self.map.put("workflow_step", f"{version['id']}/{step['id']}", step["id"], True)
        for problem in problems:
            self.manual("workflow", name, f"trigger: {problem}")
        if version["status"] != "ACTIVE" or self.map.get("workflow_activation", version["id"]) is not None:
            return
        if self.mode == "draft":
            self.manual("workflow", name, "active in the source, created as a draft (--workflows draft): activate it once checked")
        elif self.user_client is None:
            self.manual("workflow", name, "active in the source: activate it in Workflows (Twenty activates for a user session only; "
                        "set TWENTY_TARGET_USER_TOKEN to let apply do it)")
        else:
            await config_api.activate_version(self.user_client, draft)
            clear_manual_steps(self.journal, "workflow", name, "active in the source")
            self.map.put("workflow_activation", version["id"], draft, False)
            self.summary.add("workflow activation")

    # webhooks, API keys, accounts ------------------------------------------------------------------
    async def _webhooks(self) -> dict[str, str]:
        """Create the webhooks; the new secrets of those we created, by target URL (for manual-steps.md only)."""
        target = await config_api.list_webhooks(self.client)
        for hook in rows(self.snapshot, "webhooks", "target_url"):
            if self.map.get("webhook", hook["id"]) is not None:
                continue
            operations = json.loads(hook["operations"] or "[]")
            twin = next((t for t in target if t.get("targetUrl") == hook["target_url"] and sorted(t.get("operations") or []) == operations), None)
            if twin is not None:
                self.map.put("webhook", hook["id"], twin["id"], False)
                continue
            created = await config_api.create_webhook(self.client, {"targetUrl": hook["target_url"], "operations": operations,
                                                                    "description": hook["description"]})
            self.map.put("webhook", hook["id"], created["id"], True)
            target.append(created)
            self.summary.add("webhook")
            self.manual("webhook", hook["target_url"], "a new signing secret was generated (listed below): give it to the receiver, "
                        "which must check signatures with it from now on")
        ours = set(self.map.created("webhook"))
        return {t["targetUrl"]: t.get("secret") or "" for t in target if t.get("id") in ours}

    def _not_movable(self) -> None:
        for key in rows(self.snapshot, "api_keys", "name"):
            self.manual("api key", key["name"], f"re-issue it in the target (Settings > APIs & Webhooks) with expiry {key['expires_at'] or 'none'} "
                        f"and role '{key['role'] or DEFAULT_ROLE}', then give the new key to its user: keys cannot be copied")
        for account in rows(self.snapshot, "connected_accounts", "handle"):
            self.manual("connected account", account["handle"], f"{account['owner_email'] or account['owner_id']} reconnects this "
                        f"{account['provider']} account in Settings > Accounts (tokens cannot be copied); e-mail and calendar sync starts again")
        self.manual("view", "private views", "views visible only to their owner cannot be read with an API key: each member recreates "
                    "their own private views, if they had any")


async def apply_configuration(plan: Plan, client: TwentyClient, journal: Journal, snapshot: Snapshot, *, user_client: TwentyClient | None = None,
                              workflows: WorkflowMode = "draft") -> ConfigSummary:
    return await ConfigApplier(plan, client, journal, snapshot, user_client=user_client, workflows=workflows).run()


async def rollback_configuration(client: TwentyClient, journal: Journal) -> list[str]:
    """Delete the workflows, view children, views, roles and webhooks this migration created."""
    cmap = ConfigMap(journal)
    removed = []
    for kind, delete in (("workflow", config_api.delete_workflow), ("webhook", config_api.delete_webhook),
                         ("role", config_api.delete_role), ("view", config_api.delete_view)):
        for target_id in cmap.created(kind):
            try:
                await delete(client, target_id)
            except TwentyError as exc:
                if getattr(exc, "status", None) != 404:
                    raise
            removed.append(f"{kind} {target_id}")
    for table in config_api.VIEW_CHILDREN:  # children we added to views we did not create (INDEX views)
        for target_id in cmap.created(table):
            try:
                await config_api.delete_view_child(client, table, target_id)
            except TwentyError as exc:
                if getattr(exc, "status", None) != 404:
                    raise
    journal.con.execute("DELETE FROM config_map")
    journal.con.execute("DELETE FROM manual_steps")
    return removed


__all__ = ["ConfigApplier", "ConfigSummary", "WorkflowMode", "apply_configuration", "rollback_configuration"]
