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
from typing import Any

from migrate.apply.config_map import ConfigMap
from migrate.apply.config_views import ViewMigrator
from migrate.apply.config_workflows import WorkflowMigrator, WorkflowMode
from migrate.apply.journal import Journal
from migrate.apply.manual_steps import add_manual_step, clear_manual_steps, write_manual_steps
from migrate.errors import TwentyAPIError, TwentyError
from migrate.plan.config_plan import (
    DEFAULT_ROLE,
    STANDARD_ROLES,
    has_configuration,
    rows,
)
from migrate.plan.plan import Plan
from migrate.snapshot.reader import Snapshot
from migrate.twenty import config_api
from migrate.twenty.client import TwentyClient

UUID_LENGTH = 36


@dataclass(slots=True)
class ConfigSummary:
    created: dict[str, int] = field(default_factory=dict)
    manual_steps: int = 0

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


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
        await WorkflowMigrator(self.client, self.user_client, self.snapshot, self.map, remap, self.manual, self.summary.add, self.mode).run()
        secrets = await self._webhooks()
        self._not_movable()
        write_manual_steps(self.journal, secrets=secrets)
        self.summary.manual_steps = int(self.journal.con.execute("SELECT count(*) FROM manual_steps").fetchone()[0])  # type: ignore[index]
        return self.summary

    # roles --------------------------------------------------------------------------------------
    async def _roles(self, remap: Remapper) -> None:
        listed = await config_api.list_roles(self.client)
        target_roles = {r["label"]: r["id"] for r in listed}
        held = {m["id"]: r["id"] for r in listed for m in r.get("workspaceMembers") or []}
        permissions = rows(self.snapshot, "role_permissions", "role, kind, object, field")
        for role in rows(self.snapshot, "roles", "label"):
            label = role["label"]
            if label in STANDARD_ROLES or self.map.get("role", label) is not None:
                continue
            planned = self.map.planned_if_any("role", label)
            if label in target_roles and target_roles[label] != planned:
                self.map.put("role", label, target_roles[label], False)
                self.manual("role", label, "a role of this name already existed in the target; its permissions were left as they were: compare them")
                continue
            if label not in target_roles:  # else a killed run created it: its permissions are set (again) below
                settings = json.loads(role["settings"] or "{}")
                target_roles[label] = await config_api.create_role(self.client, {
                    "id": self.map.planned("role", label), "label": label, "description": role["description"], "icon": role["icon"],
                    **{k: v for k, v in settings.items() if v is not None}})
            role_id = target_roles[label]
            await self._permissions(label, role_id, [p for p in permissions if p["role"] == label], json.loads(role["permission_flags"] or "[]"), remap)
            self.map.done("role", label, role_id, True)
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
            role_id = target_roles[a["role"]]
            self.map.keep_before("role_assignment", member, {"roleId": held.get(member), "email": who})
            if held.get(member) != role_id:  # the same call again is harmless if a killed run made it
                self.map.put("role_assignment_pending", a["member_id"], role_id, False)
                await config_api.assign_member_role(self.user_client, member, role_id)
                self.summary.add("role assignment")
            clear_manual_steps(self.journal, "role", f"{a['role']} for {who}", "assign")
            self.map.done("role_assignment", a["member_id"], role_id, False)

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

    # webhooks, API keys, accounts ------------------------------------------------------------------
    async def _webhooks(self) -> dict[str, str]:
        """Create the webhooks; the new secrets of those we created, by target URL (for manual-steps.md only)."""
        target = await config_api.list_webhooks(self.client)
        for hook in rows(self.snapshot, "webhooks", "target_url"):
            if self.map.get("webhook", hook["id"]) is not None:
                continue
            operations = json.loads(hook["operations"] or "[]")
            planned = self.map.planned_if_any("webhook", hook["id"])
            if planned and any(t.get("id") == planned for t in target):  # a killed run created it
                self.map.done("webhook", hook["id"], planned, True)
                self._new_secret(hook["target_url"])
                continue
            twin = next((t for t in target if t.get("targetUrl") == hook["target_url"] and sorted(t.get("operations") or []) == operations), None)
            if twin is not None:
                self.map.put("webhook", hook["id"], twin["id"], False)
                continue
            created = await config_api.create_webhook(self.client, {"id": self.map.planned("webhook", hook["id"]), "targetUrl": hook["target_url"],
                                                                    "operations": operations, "description": hook["description"]})
            self.map.done("webhook", hook["id"], created["id"], True)
            target.append(created)
            self.summary.add("webhook")
            self._new_secret(hook["target_url"])
        ours = set(self.map.created("webhook"))
        return {t["targetUrl"]: t.get("secret") or "" for t in target if t.get("id") in ours}

    def _new_secret(self, url: str) -> None:
        self.manual("webhook", url, "a new signing secret was generated (listed below): give it to the receiver, "
                    "which must check signatures with it from now on")

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


async def rollback_configuration(client: TwentyClient, journal: Journal, *, user_client: TwentyClient | None = None) -> tuple[list[str], list[str]]:
    """Put back what apply changed in items the target already had (INDEX views and their columns,
    member roles), then delete the workflows, webhooks, roles, views and view children this
    migration created, those a killed run created without recording them included. Returns (what
    was removed or restored, what a person must still do)."""
    cmap = ConfigMap(journal)
    done: list[str] = []
    left: list[str] = []
    unrestored: list[str] = []
    for member, before in cmap.befores("role_assignment"):
        if not before.get("roleId"):
            continue
        if user_client is None:
            unrestored.append(member)
            left.append(f"member {before.get('email') or member}: give them back their role (id {before['roleId']}) in Settings > Members, "
                        "or run rollback again with TWENTY_TARGET_USER_TOKEN set (Twenty changes member roles for a user session only).")
            continue
        try:
            await config_api.assign_member_role(user_client, member, before["roleId"])
        except TwentyError as exc:
            unrestored.append(member)
            left.append(f"member {before.get('email') or member}: their previous role could not be given back ({exc}); do it in Settings > Members.")
            continue
        done.append(f"role of member {member} restored")
    for kind, delete in (("workflow", config_api.delete_workflow), ("webhook", config_api.delete_webhook),
                         ("role", config_api.delete_role), ("view", config_api.delete_view)):
        for target_id in cmap.created(kind):
            if await _gone(delete(client, target_id)):
                done.append(f"{kind} {target_id}")
        for target_id in cmap.pending(kind):  # sent by a killed run, perhaps never made
            if await _gone(delete(client, target_id), unsure=True):
                done.append(f"{kind} {target_id}")
    for table in config_api.VIEW_CHILDREN:  # children we added to views we did not create (INDEX views)
        for target_id in cmap.created(table):
            await _gone(config_api.delete_view_child(client, table, target_id))
        for target_id in cmap.pending(table):
            await _gone(config_api.delete_view_child(client, table, target_id), unsure=True)
    for view_id, before in cmap.befores("view"):
        if await _gone(config_api.update_view(client, view_id, before)):
            done.append(f"INDEX view {view_id} restored")
    for table in config_api.VIEW_CHILDREN:
        for row_id, before in cmap.befores(table):
            await _gone(config_api.update_view_child(client, table, row_id, before))
    journal.con.execute("DELETE FROM config_map")
    journal.con.execute("DELETE FROM config_before WHERE kind <> 'role_assignment' OR NOT list_contains(?::VARCHAR[], target_id)", [unrestored])
    journal.con.execute("DELETE FROM manual_steps")
    return done, left


async def _gone(call: Any, *, unsure: bool = False) -> bool:
    """Run a delete (or restore): False if the item is already gone (a resumed rollback) or, when
    `unsure` (an id a killed run sent), was never made: any refusal of the API then means that."""
    try:
        await call
    except TwentyAPIError as exc:
        if unsure or exc.status in (400, 404) or exc.code == "NOT_FOUND":
            return False
        raise
    return True


__all__ = ["ConfigApplier", "ConfigSummary", "WorkflowMode", "apply_configuration", "rollback_configuration"]
