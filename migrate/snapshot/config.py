"""Reading a workspace's configuration into the snapshot's configuration tables.

Views with their fields, filters, filter groups, sorts and groups; workflows and their versions;
roles with their permissions and assignments; webhooks; API keys (name, expiry, role: never a
token); connected accounts (handle, provider, owner: never a token). Metadata ids are written
beside the API names they stand for (`object`, `field`), so two snapshots compare by name.

Private (UNLISTED) views are invisible to an API key (config.md §1.5): they are not read.
Webhook secrets are not read either: the target generates new ones.
"""

from __future__ import annotations

import json
from typing import Any

from migrate.errors import TwentyError
from migrate.model import Member, ObjectMeta
from migrate.snapshot.writer import SnapshotWriter
from migrate.twenty import config_api
from migrate.twenty.client import TwentyClient

VIEW_SETTINGS = ("icon", "isCompact", "openRecordIn", "kanbanAggregateOperation", "calendarLayout", "shouldHideEmptyGroups",
                 "kanbanColumnWidth", "anyFieldFilterValue")
"""View properties copied as they are."""
VIEW_FIELD_REFS = ("kanbanAggregateOperationFieldMetadataId", "mainGroupByFieldMetadataId", "calendarFieldMetadataId")
"""View properties that hold a field id: stored as the field's name."""


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


class MetadataNames:
    """Object and field metadata ids of one workspace, by API name and back."""

    def __init__(self, objects: list[ObjectMeta]) -> None:
        self.objects = {o.id: o.name_singular for o in objects}
        self.fields = {f.id: (o.name_singular, f.name) for o in objects for f in o.fields}
        self.object_ids = {o.name_singular: o.id for o in objects}
        self.field_ids = {(o.name_singular, f.name): f.id for o in objects for f in o.fields}

    def field(self, field_id: Any) -> str | None:
        found = self.fields.get(str(field_id)) if field_id else None
        return found[1] if found else None


async def read_configuration(client: TwentyClient, writer: SnapshotWriter, objects: list[ObjectMeta], members: list[Member]) -> dict[str, int]:
    """Write every configuration table; returns row counts per table."""
    names = MetadataNames(objects)
    emails = {m.id: m.email for m in members}
    tables: dict[str, list[dict[str, Any]]] = {}
    await _views(client, names, tables)
    await _workflows(client, tables)
    await _roles(client, names, emails, tables)
    await _integrations(client, emails, tables)
    for table, rows in tables.items():
        writer.write_table(table, rows)
    return {table: len(rows) for table, rows in tables.items()}


async def _views(client: TwentyClient, names: MetadataNames, tables: dict[str, list[dict[str, Any]]]) -> None:
    for table in ("views", *config_api.VIEW_CHILDREN):
        tables[table] = []
    every = {t: await config_api.list_view_children(client, t) for t in config_api.VIEW_CHILDREN}  # one request per kind
    for view in await config_api.list_views(client):
        obj = names.objects.get(str(view.get("objectMetadataId")))
        if obj is None or view.get("deletedAt"):
            continue
        settings = {k: view.get(k) for k in VIEW_SETTINGS}
        settings.update({k: names.field(view.get(k)) for k in VIEW_FIELD_REFS})
        tables["views"].append({"id": view["id"], "object": obj, "name": view.get("name"), "key": view.get("key"), "type": view.get("type"),
                                "visibility": view.get("visibility") or "WORKSPACE", "position": view.get("position"), "settings": _json(settings)})
        children = {t: [r for r in every[t] if r.get("viewId") == view["id"] and not r.get("deletedAt")] for t in config_api.VIEW_CHILDREN}
        base = {"view_id": view["id"]}
        for row in children["view_fields"]:
            tables["view_fields"].append({**base, "id": row["id"], "object": obj, "field": names.field(row.get("fieldMetadataId")),
                                          "position": row.get("position"), "is_visible": row.get("isVisible"), "size": row.get("size"),
                                          "aggregate_operation": row.get("aggregateOperation")})
        for row in children["view_filters"]:
            tables["view_filters"].append({**base, "id": row["id"], "object": obj, "field": names.field(row.get("fieldMetadataId")),
                                           "operand": row.get("operand"), "value": _json(row.get("value")), "sub_field_name": row.get("subFieldName"),
                                           "view_filter_group_id": row.get("viewFilterGroupId"),
                                           "position_in_group": row.get("positionInViewFilterGroup")})
        for row in children["view_filter_groups"]:
            tables["view_filter_groups"].append({**base, "id": row["id"], "parent_id": row.get("parentViewFilterGroupId"),
                                                 "logical_operator": row.get("logicalOperator"),
                                                 "position_in_group": row.get("positionInViewFilterGroup")})
        for row in children["view_sorts"]:
            tables["view_sorts"].append({**base, "id": row["id"], "object": obj, "field": names.field(row.get("fieldMetadataId")),
                                         "direction": str(row.get("direction") or "").upper()})
        for row in children["view_groups"]:
            tables["view_groups"].append({**base, "id": row["id"], "object": obj, "field": names.field(row.get("fieldMetadataId")),
                                          "field_value": row.get("fieldValue"), "is_visible": row.get("isVisible"), "position": row.get("position")})


async def _workflows(client: TwentyClient, tables: dict[str, list[dict[str, Any]]]) -> None:
    try:
        workflows = await config_api.list_records(client, "workflows")
        versions = await config_api.list_records(client, "workflowVersions")
    except TwentyError:  # a workspace without the workflow objects
        workflows, versions = [], []
    tables["workflows"] = [{"id": w["id"], "name": w.get("name"), "statuses": _json(w.get("statuses") or []),
                            "last_published_version_id": w.get("lastPublishedVersionId"), "position": w.get("position")} for w in workflows]
    tables["workflow_versions"] = [{"id": v["id"], "workflow_id": v.get("workflowId"), "name": v.get("name"), "status": v.get("status"),
                                    "trigger": _json(v.get("trigger")), "steps": _json(v.get("steps") or []),
                                    "created_at": v.get("createdAt")} for v in versions]


async def _roles(client: TwentyClient, names: MetadataNames, emails: dict[str, str | None], tables: dict[str, list[dict[str, Any]]]) -> None:
    tables["roles"], tables["role_permissions"], tables["role_assignments"] = [], [], []
    for role in await config_api.list_roles(client):
        label = role["label"]
        tables["roles"].append({"id": role["id"], "label": label, "description": role.get("description"), "icon": role.get("icon"),
                                "is_editable": role.get("isEditable"), "settings": _json({k: role.get(k) for k in config_api.ROLE_FLAGS}),
                                "permission_flags": _json(sorted(f["flag"] for f in role.get("permissionFlags") or []))})
        for p in role.get("objectPermissions") or []:
            tables["role_permissions"].append({"role": label, "kind": "object", "object": names.objects.get(str(p["objectMetadataId"])), "field": None,
                                               "can_read": p.get("canReadObjectRecords"), "can_update": p.get("canUpdateObjectRecords"),
                                               "can_soft_delete": p.get("canSoftDeleteObjectRecords"), "can_destroy": p.get("canDestroyObjectRecords")})
        for p in role.get("fieldPermissions") or []:
            tables["role_permissions"].append({"role": label, "kind": "field", "object": names.objects.get(str(p["objectMetadataId"])),
                                               "field": names.field(p.get("fieldMetadataId")), "can_read": p.get("canReadFieldValue"),
                                               "can_update": p.get("canUpdateFieldValue"), "can_soft_delete": None, "can_destroy": None})
        for m in role.get("workspaceMembers") or []:
            tables["role_assignments"].append({"role": label, "kind": "member", "member_id": m["id"],
                                               "email": m.get("userEmail") or emails.get(m["id"]), "api_key": None})
        for k in role.get("apiKeys") or []:
            tables["role_assignments"].append({"role": label, "kind": "api_key", "member_id": None, "email": None, "api_key": k.get("name")})


async def _integrations(client: TwentyClient, emails: dict[str, str | None], tables: dict[str, list[dict[str, Any]]]) -> None:
    tables["webhooks"] = [{"id": w["id"], "target_url": w.get("targetUrl"), "operations": _json(sorted(w.get("operations") or [])),
                           "description": w.get("description")} for w in await config_api.list_webhooks(client) if not w.get("deletedAt")]
    tables["api_keys"] = [{"id": k["id"], "name": k.get("name"), "expires_at": k.get("expiresAt"), "role": (k.get("role") or {}).get("label")}
                          for k in await config_api.list_api_keys(client) if not k.get("revokedAt")]
    try:
        accounts = await config_api.list_records(client, "connectedAccounts")
    except TwentyError:
        accounts = []
    tables["connected_accounts"] = [{"id": a["id"], "handle": a.get("handle"), "provider": a.get("provider"), "owner_id": a.get("accountOwnerId"),
                                     "owner_email": emails.get(str(a.get("accountOwnerId"))), "scopes": _json(a.get("scopes"))} for a in accounts]


__all__ = ["MetadataNames", "read_configuration"]
