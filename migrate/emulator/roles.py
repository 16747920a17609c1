"""Roles, object / field permissions, permission flags and role assignment: state and rules.

Follows config.md §3: `metadata-modules/role/role.resolver.ts` (operations; `updateWorkspaceMemberRole`
behind `UserAuthGuard`), `role/dtos/create-role-input.dto.ts`, `object-permission/dtos/upsert-*.input.ts`,
`permission-flag/dtos/upsert-permission-flag-input.ts`, `permissions/permissions.exception.ts`
(the wording) and `permissions/utils/permission-graphql-api-exception-handler.util.ts` (label clash,
non-editable role, system objects → FORBIDDEN). Standard roles Admin and Member exist in every
workspace; a member without an assignment holds the default role, Member.
"""

from __future__ import annotations

from typing import Any

from migrate.emulator.config_rows import ConfigRows, config_rows, new_id
from migrate.emulator.datamodel import IdMaker
from migrate.emulator.envelopes import TwentyHTTPError, bad_request, not_found
from migrate.emulator.records import Caller
from migrate.emulator.workspace import Workspace, utc_now

FLAGS = ("API_KEYS_AND_WEBHOOKS", "WORKSPACE", "WORKSPACE_MEMBERS", "ROLES", "DATA_MODEL", "ADMIN_PANEL", "SECURITY",
         "WORKFLOWS", "SEND_EMAIL_TOOL", "IMPORT_CSV", "EXPORT_CSV", "AI", "AI_SETTINGS", "APPLICATIONS", "BILLING",
         "CODE_INTERPRETER_TOOL", "CONNECTED_ACCOUNTS", "DOWNLOAD_FILE", "UPLOAD_FILE", "HTTP_REQUEST_TOOL", "IMPERSONATE",
         "LAYOUTS", "MARKETPLACE_APPS", "PROFILE_INFORMATION", "SSO_BYPASS", "VIEWS")
"""Permission flag keys known to the newest server (config.md §3.1)."""
ROLE_KEYS: dict[str, Any] = {
    "label": None, "description": None, "icon": "IconUser", "canUpdateAllSettings": False, "canAccessAllTools": False,
    "canReadAllObjectRecords": False, "canUpdateAllObjectRecords": False, "canSoftDeleteAllObjectRecords": False,
    "canDestroyAllObjectRecords": False, "canBeAssignedToUsers": True, "canBeAssignedToAgents": False, "canBeAssignedToApiKeys": True,
}
OBJECT_RIGHTS = ("canReadObjectRecords", "canUpdateObjectRecords", "canSoftDeleteObjectRecords", "canDestroyObjectRecords")
FIELD_RIGHTS = ("canReadFieldValue", "canUpdateFieldValue")


def forbidden(message: str) -> TwentyHTTPError:
    return TwentyHTTPError(403, "ForbiddenException", [message])


def role_not_found() -> TwentyHTTPError:
    return not_found("Role not found")


def rows(ws: Workspace) -> ConfigRows:
    """The configuration rows, with the standard roles Admin and Member made on first use."""
    table = config_rows(ws)
    if not ws.store.get_meta("roles_initialised"):
        ws.store.set_meta("roles_initialised", True)
        ids = IdMaker(ws.workspace_id)
        everything = {k: True for k in ROLE_KEYS if k.startswith("can")}
        table.insert("role", {"id": ids("role", "admin"), **ROLE_KEYS, **everything, "label": "Admin", "icon": "IconUserCog",
                              "description": "Admin role", "isEditable": False, "canBeAssignedToAgents": False})
        table.insert("role", {"id": ids("role", "member"), **ROLE_KEYS, **everything, "label": "Member", "description": "Member role",
                              "canUpdateAllSettings": False, "canAccessAllTools": False, "isEditable": True})
    return table


def default_role_id(ws: Workspace) -> str:
    return IdMaker(ws.workspace_id)("role", "member")


def _role(ws: Workspace, role_id: Any) -> dict[str, Any]:
    return rows(ws).one("role", str(role_id), role_not_found())


def _editable(ws: Workspace, role_id: Any) -> dict[str, Any]:
    role = _role(ws, role_id)
    if not role["isEditable"]:
        raise forbidden("Role is not editable")
    return role


def member_role_ids(ws: Workspace) -> dict[str, str]:
    """Each workspace member's role id (the default role when none is assigned)."""
    members = ws.store.select(ws.objects["workspaceMember"], "deleted_at IS NULL", [], "id")
    targets = {t["workspaceMemberId"]: t["roleId"] for t in rows(ws).all("roleTarget", lambda t: t.get("workspaceMemberId"))}
    return {m["id"]: targets.get(m["id"], default_role_id(ws)) for m in members}


def member_to_wire(member: dict[str, Any]) -> dict[str, Any]:
    return {"id": member["id"], "name": member.get("name"), "userEmail": member.get("userEmail"), "userWorkspaceId": member.get("userId")}


def role_to_wire(ws: Workspace, role: dict[str, Any]) -> dict[str, Any]:
    """`RoleDTO` with its resolved fields (`workspaceMembers`, `apiKeys`, permissions)."""
    table = rows(ws)
    held = {m for m, r in member_role_ids(ws).items() if r == role["id"]}
    members = [member_to_wire(m) for m in ws.store.fetch(ws.objects["workspaceMember"], sorted(held)).values()]
    key_ids = [t["apiKeyId"] for t in table.all("roleTarget", lambda t: t.get("apiKeyId") and t["roleId"] == role["id"])]
    keys = [k for k in (table.get("apiKey", i) for i in key_ids) if k and not k.get("revokedAt")]
    return {**role, "workspaceMembers": sorted(members, key=lambda m: m["id"]),
            "apiKeys": [{k: key[k] for k in ("id", "name", "expiresAt", "revokedAt")} for key in keys],
            "agents": [],
            "permissionFlags": table.all("permissionFlag", lambda p: p["roleId"] == role["id"]),
            "objectPermissions": table.all("objectPermission", lambda p: p["roleId"] == role["id"]),
            "fieldPermissions": table.all("fieldPermission", lambda p: p["roleId"] == role["id"])}


def list_roles(ws: Workspace) -> list[dict[str, Any]]:
    """`getRoles`."""
    return [role_to_wire(ws, r) for r in rows(ws).all("role")]


def _check_label(ws: Workspace, label: Any, role_id: str) -> None:
    if not isinstance(label, str) or not label.strip():
        raise bad_request("label should not be empty")
    if any(r["label"] == label and r["id"] != role_id for r in rows(ws).all("role")):
        raise forbidden("A role with this label already exists")


def _check_targets(role: dict[str, Any]) -> None:
    if not (role["canBeAssignedToUsers"] or role["canBeAssignedToAgents"] or role["canBeAssignedToApiKeys"]):
        raise bad_request("Role must be assignable to at least one target type")


def create_role(ws: Workspace, data: Any) -> dict[str, Any]:
    """`createOneRole(createRoleInput)`: id may be given; the label is unique per workspace."""
    if not isinstance(data, dict):
        raise bad_request("Invalid input: a role must be a JSON object")
    role = {"id": new_id(data.get("id")), **{k: data.get(k, d) if data.get(k) is not None else d for k, d in ROLE_KEYS.items()},
            "isEditable": True}
    _check_label(ws, role["label"], role["id"])
    _check_targets(role)
    return role_to_wire(ws, rows(ws).insert("role", role))


def update_role(ws: Workspace, data: Any) -> dict[str, Any]:
    """`updateOneRole(updateRoleInput {id, update})`."""
    if not isinstance(data, dict) or not isinstance(data.get("update"), dict):
        raise bad_request("Invalid input: updateRoleInput needs id and update")
    role = _editable(ws, data.get("id"))
    changed = {**role, **{k: v for k, v in data["update"].items() if k in ROLE_KEYS}}
    _check_label(ws, changed["label"], role["id"])
    _check_targets(changed)
    return role_to_wire(ws, rows(ws).save("role", changed))


def delete_role(ws: Workspace, role_id: Any) -> str:
    """`deleteOneRole(roleId)`: its holders fall back to the default role."""
    role = _editable(ws, role_id)
    if role["id"] == default_role_id(ws):
        raise forbidden("Default role cannot be deleted")
    table = rows(ws)
    for kind in ("roleTarget", "objectPermission", "fieldPermission", "permissionFlag"):
        for row in table.all(kind, lambda r: r["roleId"] == role["id"]):
            table.delete(kind, row["id"])
    table.delete("role", role["id"])
    return role["id"]  # type: ignore[no-any-return]


def upsert_object_permissions(ws: Workspace, data: Any) -> list[dict[str, Any]]:
    """`upsertObjectPermissions({roleId, objectPermissions: [...]})`, keyed by (role, object)."""
    role = _editable(ws, (data or {}).get("roleId"))
    table = rows(ws)
    for item in (data or {}).get("objectPermissions") or []:
        obj = ws.object_by_id(str(item.get("objectMetadataId")))
        if obj is None:
            raise not_found("Object metadata not found")
        if obj.is_system:
            raise forbidden("Cannot add object permission on system object")
        if item.get("canReadObjectRecords") is False and any(item.get(k) for k in OBJECT_RIGHTS[1:]):
            raise forbidden("Cannot give update permission to non-readable object")
        found = table.all("objectPermission", lambda p: p["roleId"] == role["id"] and p["objectMetadataId"] == obj.id)
        row = found[0] if found else {"id": new_id(), "roleId": role["id"], "objectMetadataId": obj.id, **{k: None for k in OBJECT_RIGHTS}}
        table.save("objectPermission", {**row, **{k: item[k] for k in OBJECT_RIGHTS if k in item}, "updatedAt": utc_now()})
    return table.all("objectPermission", lambda p: p["roleId"] == role["id"])


def upsert_field_permissions(ws: Workspace, data: Any) -> list[dict[str, Any]]:
    """`upsertFieldPermissions({roleId, fieldPermissions: [...]})`: restrictions only (false or null)."""
    role = _editable(ws, (data or {}).get("roleId"))
    table = rows(ws)
    for item in (data or {}).get("fieldPermissions") or []:
        obj = ws.object_by_id(str(item.get("objectMetadataId")))
        if obj is None:
            raise not_found("Object metadata not found")
        if obj.is_system:
            raise forbidden("Cannot add field permission on system object")
        if all(f.id != item.get("fieldMetadataId") for f in obj.fields):
            raise not_found("Field metadata not found")
        if any(item.get(k) is True for k in FIELD_RIGHTS):
            raise bad_request("Field permission can only introduce a restriction")
        if all(item.get(k) is None for k in FIELD_RIGHTS):
            raise bad_request("Empty field permission not allowed")
        found = table.all("fieldPermission", lambda p: p["roleId"] == role["id"] and p["fieldMetadataId"] == item["fieldMetadataId"])
        row = found[0] if found else {"id": new_id(), "roleId": role["id"], "objectMetadataId": obj.id,
                                      "fieldMetadataId": item["fieldMetadataId"], **{k: None for k in FIELD_RIGHTS}}
        table.save("fieldPermission", {**row, **{k: item.get(k) for k in FIELD_RIGHTS}})
    return table.all("fieldPermission", lambda p: p["roleId"] == role["id"])


def upsert_permission_flags(ws: Workspace, data: Any) -> list[dict[str, Any]]:
    """`upsertPermissionFlags({roleId, permissionFlagKeys})`: the role's flags become exactly these."""
    role = _editable(ws, (data or {}).get("roleId"))
    keys = (data or {}).get("permissionFlagKeys") or []
    if any(k not in FLAGS for k in keys):
        raise bad_request("Invalid permission setting (unknown value)")
    table = rows(ws)
    current = {p["flag"]: p for p in table.all("permissionFlag", lambda p: p["roleId"] == role["id"])}
    for flag, row in current.items():
        if flag not in keys:
            table.delete("permissionFlag", row["id"])
    for flag in dict.fromkeys(keys):
        if flag not in current:
            table.insert("permissionFlag", {"id": new_id(), "roleId": role["id"], "flag": flag})
    return table.all("permissionFlag", lambda p: p["roleId"] == role["id"])


def assign_member(ws: Workspace, member_id: Any, role_id: Any, caller: Caller) -> dict[str, Any]:
    """`updateWorkspaceMemberRole(workspaceMemberId, roleId)`: user session only (`UserAuthGuard`)."""
    if not caller.user_session:
        raise TwentyHTTPError(403, "ForbiddenException", ["Forbidden resource"])
    member = ws.store.fetch(ws.objects["workspaceMember"], [str(member_id)]).get(str(member_id))
    if member is None or member.get("deletedAt"):
        raise not_found("Workspace member not found")
    role = _role(ws, role_id)
    if not role["canBeAssignedToUsers"]:
        raise bad_request("Role cannot be assigned to users")
    table = rows(ws)
    for target in table.all("roleTarget", lambda t: t.get("workspaceMemberId") == member["id"]):
        table.delete("roleTarget", target["id"])
    table.insert("roleTarget", {"id": new_id(), "roleId": role["id"], "workspaceMemberId": member["id"], "apiKeyId": None})
    return {**member_to_wire(member), "roles": [role_to_wire(ws, role)]}


def assign_api_key(ws: Workspace, api_key_id: Any, role_id: Any) -> bool:
    """`assignRoleToApiKey(apiKeyId, roleId)` (`core-modules/api-key/api-key.resolver.ts`)."""
    table = rows(ws)
    key = table.get("apiKey", str(api_key_id))
    if key is None or key.get("revokedAt"):
        raise not_found("API key not found")
    role = _role(ws, role_id)
    if not role["canBeAssignedToApiKeys"]:
        raise bad_request("Role cannot be assigned to API keys")
    for target in table.all("roleTarget", lambda t: t.get("apiKeyId") == key["id"]):
        table.delete("roleTarget", target["id"])
    table.insert("roleTarget", {"id": new_id(), "roleId": role["id"], "workspaceMemberId": None, "apiKeyId": key["id"]})
    return True


def api_key_role_id(ws: Workspace, api_key_id: str) -> str | None:
    found = rows(ws).all("roleTarget", lambda t: t.get("apiKeyId") == api_key_id)
    return found[0]["roleId"] if found else None
