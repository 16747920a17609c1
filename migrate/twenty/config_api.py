"""The API calls of the workspace configuration: views, roles, workflows, API keys, webhooks and
connected accounts (docs/research/twenty-config-wire.md; config.md §1-§4).

Views and webhooks go through the metadata REST routes, whose lists answer either a bare array
or `{data, ...}` (both are read); roles and the workflow mutations through GraphQL. Operations
that Twenty keeps for a user session (workflow steps and activation, member role assignment)
take the client given to them: the caller passes a client holding a user token for those.
"""

from __future__ import annotations

import uuid
from typing import Any

from migrate.errors import TwentyError
from migrate.twenty.client import TwentyClient

VIEW_CHILDREN = {"view_fields": "viewFields", "view_filters": "viewFilters", "view_filter_groups": "viewFilterGroups",
                 "view_sorts": "viewSorts", "view_groups": "viewGroups"}
"""Snapshot table -> metadata REST path of a view's children."""

ROLE_QUERY = """query Roles { getRoles {
  id label description icon isEditable canUpdateAllSettings canAccessAllTools canReadAllObjectRecords canUpdateAllObjectRecords
  canSoftDeleteAllObjectRecords canDestroyAllObjectRecords canBeAssignedToUsers canBeAssignedToAgents canBeAssignedToApiKeys
  workspaceMembers { id userEmail } apiKeys { id name }
  permissionFlags { flag }
  objectPermissions { objectMetadataId canReadObjectRecords canUpdateObjectRecords canSoftDeleteObjectRecords canDestroyObjectRecords }
  fieldPermissions { objectMetadataId fieldMetadataId canReadFieldValue canUpdateFieldValue } } }"""

ROLE_FLAGS = ("canUpdateAllSettings", "canAccessAllTools", "canReadAllObjectRecords", "canUpdateAllObjectRecords",
              "canSoftDeleteAllObjectRecords", "canDestroyAllObjectRecords", "canBeAssignedToUsers", "canBeAssignedToAgents",
              "canBeAssignedToApiKeys")

API_KEYS_QUERY = "query Keys { apiKeys { id name expiresAt revokedAt role { label } } }"


def _rows(body: Any) -> list[dict[str, Any]]:
    """A metadata REST list: a bare array (older controllers) or `{data: [...]}` (newest)."""
    if isinstance(body, dict):
        body = body.get("data", [])
        if isinstance(body, dict):  # `{data: {views: [...]}}`
            body = next(iter(body.values()), [])
    return [r for r in body or [] if isinstance(r, dict)]


def _row(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("data"), dict) and "id" not in body:
        body = body["data"]
    return body if isinstance(body, dict) else {}


async def _create(client: TwentyClient, path: str, data: dict[str, Any], **context: Any) -> Any:
    """A create with a client-given id, so it may be retried (429, 5xx, a lost answer): when the
    retry is refused because the first attempt landed, the row is read back by that id."""
    data = {"id": str(uuid.uuid4()), **data}
    try:
        return await client.request("POST", path, json=data, **context)
    except TwentyError as exc:
        if getattr(exc, "status", None) in (None, 401, 402, 429) or (getattr(exc, "status", 0) or 0) >= 500:
            raise
        try:
            return await client.request("GET", f"{path}/{data['id']}", **context)
        except TwentyError:
            raise exc from None


# views --------------------------------------------------------------------------------------------
async def list_views(client: TwentyClient) -> list[dict[str, Any]]:
    return _rows(await client.request("GET", "/rest/metadata/views"))


async def list_view_children(client: TwentyClient, table: str, view_id: str | None = None) -> list[dict[str, Any]]:
    """A view's children, or (no `view_id`) those of every view in one request."""
    return _rows(await client.request("GET", f"/rest/metadata/{VIEW_CHILDREN[table]}", params={"viewId": view_id} if view_id else None))


async def create_view(client: TwentyClient, data: dict[str, Any]) -> dict[str, Any]:
    return _row(await _create(client, "/rest/metadata/views", data))


async def update_view(client: TwentyClient, view_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return _row(await client.request("PATCH", f"/rest/metadata/views/{view_id}", json=data))


async def delete_view(client: TwentyClient, view_id: str) -> None:
    await client.request("DELETE", f"/rest/metadata/views/{view_id}")


async def create_view_child(client: TwentyClient, table: str, data: dict[str, Any]) -> dict[str, Any]:
    return _row(await _create(client, f"/rest/metadata/{VIEW_CHILDREN[table]}", data))


async def update_view_child(client: TwentyClient, table: str, row_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return _row(await client.request("PATCH", f"/rest/metadata/{VIEW_CHILDREN[table]}/{row_id}", json=data))


async def delete_view_child(client: TwentyClient, table: str, row_id: str) -> None:
    await client.request("DELETE", f"/rest/metadata/{VIEW_CHILDREN[table]}/{row_id}")


# roles --------------------------------------------------------------------------------------------
async def list_roles(client: TwentyClient) -> list[dict[str, Any]]:
    return list((await client.graphql("/metadata", ROLE_QUERY))["getRoles"])


async def create_role(client: TwentyClient, data: dict[str, Any]) -> str:
    """With a client-given id: a retried create refused as a duplicate label is settled by reading the roles."""
    query = "mutation R($input: CreateRoleInput!) { createOneRole(createRoleInput: $input) { id } }"
    data = {"id": str(uuid.uuid4()), **data}
    try:
        return str((await client.graphql("/metadata", query, {"input": data}))["createOneRole"]["id"])
    except TwentyError:
        if any(r["id"] == data["id"] for r in await list_roles(client)):
            return str(data["id"])
        raise


async def delete_role(client: TwentyClient, role_id: str) -> None:
    await client.graphql("/metadata", "mutation D($id: UUID!) { deleteOneRole(roleId: $id) }", {"id": role_id})


async def upsert_object_permissions(client: TwentyClient, role_id: str, permissions: list[dict[str, Any]]) -> None:
    query = "mutation P($input: UpsertObjectPermissionsInput!) { upsertObjectPermissions(upsertObjectPermissionsInput: $input) { objectMetadataId } }"
    await client.graphql("/metadata", query, {"input": {"roleId": role_id, "objectPermissions": permissions}})


async def upsert_field_permissions(client: TwentyClient, role_id: str, permissions: list[dict[str, Any]]) -> None:
    query = "mutation P($input: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $input) { fieldMetadataId } }"
    await client.graphql("/metadata", query, {"input": {"roleId": role_id, "fieldPermissions": permissions}})


async def upsert_permission_flags(client: TwentyClient, role_id: str, flags: list[str]) -> None:
    query = "mutation P($input: UpsertPermissionFlagsInput!) { upsertPermissionFlags(upsertPermissionFlagsInput: $input) { flag } }"
    await client.graphql("/metadata", query, {"input": {"roleId": role_id, "permissionFlagKeys": flags}})


async def assign_member_role(user_client: TwentyClient, member_id: str, role_id: str) -> None:
    """`updateWorkspaceMemberRole`: Twenty accepts it from a user session only."""
    query = "mutation A($m: UUID!, $r: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $m, roleId: $r) { id } }"
    await user_client.graphql("/metadata", query, {"m": member_id, "r": role_id})


# API keys, webhooks, connected accounts -------------------------------------------------------------
async def list_api_keys(client: TwentyClient) -> list[dict[str, Any]]:
    """Names, expiry and role of the live keys; Twenty never returns a token here."""
    return list((await client.graphql("/metadata", API_KEYS_QUERY))["apiKeys"])


async def list_webhooks(client: TwentyClient) -> list[dict[str, Any]]:
    return _rows(await client.request("GET", "/rest/metadata/webhooks"))


async def create_webhook(client: TwentyClient, data: dict[str, Any]) -> dict[str, Any]:
    """Without a `secret`, Twenty generates one; the answer carries it."""
    return _row(await _create(client, "/rest/metadata/webhooks", data))


async def delete_webhook(client: TwentyClient, webhook_id: str) -> None:
    await client.request("DELETE", f"/rest/metadata/webhooks/{webhook_id}")


async def list_records(client: TwentyClient, plural: str, *, filter: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async for page, _ in client.iter_pages(plural, filter=filter):
        out += [r for r in page if not r.get("deletedAt")]
    return out


# workflows ----------------------------------------------------------------------------------------
async def create_workflow(client: TwentyClient, name: str, workflow_id: str | None = None) -> tuple[str, str]:
    """`POST /rest/workflows` (with `workflow_id` if given): Twenty adds a draft `v1`; returns
    (workflow id, draft version id)."""
    body = await _create(client, "/rest/workflows", {"name": name, **({"id": workflow_id} if workflow_id else {})}, object_name="workflows")
    workflow = next(iter(body["data"].values()))
    return str(workflow["id"]), await draft_version(client, str(workflow["id"]))


async def list_versions(client: TwentyClient, workflow_id: str) -> list[dict[str, Any]]:
    return await list_records(client, "workflowVersions", filter=f"workflowId[eq]:{workflow_id}")


async def draft_version(client: TwentyClient, workflow_id: str) -> str:
    drafts = [v for v in await list_versions(client, workflow_id) if v.get("status") == "DRAFT"]
    if not drafts:
        raise LookupError(f"workflow {workflow_id} has no draft version")
    return str(drafts[0]["id"])


async def get_version(client: TwentyClient, version_id: str) -> dict[str, Any] | None:
    """One workflow version, or None if the target has none of that id."""
    try:
        body = await client.request("GET", f"/rest/workflowVersions/{version_id}", object_name="workflowVersions")
    except TwentyError as exc:
        if getattr(exc, "status", None) in (400, 404):
            return None
        raise
    found = next(iter((body.get("data") or {}).values()), None) if isinstance(body, dict) else None
    return found if isinstance(found, dict) and not found.get("deletedAt") else None


async def create_version(client: TwentyClient, workflow_id: str, name: str, version_id: str) -> str:
    """A new draft version (`POST /rest/workflowVersions`): Twenty accepts it from an API key while
    the workflow has no draft (`validateWorkflowVersionForCreateOne`)."""
    body = await _create(client, "/rest/workflowVersions", {"id": version_id, "workflowId": workflow_id, "name": name}, object_name="workflowVersions")
    return str(next(iter(body["data"].values()))["id"])


async def rename_version(client: TwentyClient, version_id: str, name: str) -> None:
    """A version's name can change in any status (`validateWorkflowVersionForUpdateOne`)."""
    await client.request("PATCH", f"/rest/workflowVersions/{version_id}", json={"name": name}, object_name="workflowVersions")


async def set_trigger(client: TwentyClient, version_id: str, trigger: dict[str, Any]) -> None:
    """The generic record update still accepts a draft's trigger from an API key."""
    await client.request("PATCH", f"/rest/workflowVersions/{version_id}", json={"trigger": trigger}, object_name="workflowVersions")


async def create_step(user_client: TwentyClient, version_id: str, step: dict[str, Any]) -> None:
    """`createWorkflowVersionStep` with the step's own id, then `updateWorkflowVersionStep` with the
    whole step (name, settings, links): both need a user session."""
    create = "mutation S($input: CreateWorkflowVersionStepInput!) { createWorkflowVersionStep(input: $input) { id } }"
    await user_client.graphql("/graphql", create, {"input": {"workflowVersionId": version_id, "stepType": step["type"], "id": step["id"],
                                                             "defaultSettings": step.get("settings")}})
    await update_step(user_client, version_id, step)


async def update_step(user_client: TwentyClient, version_id: str, step: dict[str, Any]) -> None:
    update = "mutation U($input: UpdateWorkflowVersionStepInput!) { updateWorkflowVersionStep(input: $input) { id } }"
    await user_client.graphql("/graphql", update, {"input": {"workflowVersionId": version_id, "step": step}})


async def delete_step(user_client: TwentyClient, version_id: str, step_id: str) -> None:
    delete = "mutation D($input: DeleteWorkflowVersionStepInput!) { deleteWorkflowVersionStep(input: $input) { id } }"
    await user_client.graphql("/graphql", delete, {"input": {"workflowVersionId": version_id, "stepId": step_id}})


async def activate_version(user_client: TwentyClient, version_id: str) -> None:
    await user_client.graphql("/graphql", "mutation A($id: UUID!) { activateWorkflowVersion(workflowVersionId: $id) }", {"id": version_id})


async def deactivate_version(user_client: TwentyClient, version_id: str) -> None:
    await user_client.graphql("/graphql", "mutation D($id: UUID!) { deactivateWorkflowVersion(workflowVersionId: $id) }", {"id": version_id})


async def delete_workflow(client: TwentyClient, workflow_id: str) -> None:
    """Destroy the workflow, then whatever versions are left of it (rollback). Newer Twenty
    destroys the versions with their workflow and refuses a version's own destroy ("Method not
    allowed", `workflow-version-destroy-one.pre-query.hook.ts`); older ones need it."""
    versions = await list_versions(client, workflow_id)
    await client.request("DELETE", f"/rest/workflows/{workflow_id}", object_name="workflows")
    for version in versions:
        try:
            await client.request("DELETE", f"/rest/workflowVersions/{version['id']}", object_name="workflowVersions")
        except TwentyError as exc:
            if getattr(exc, "status", None) not in (400, 403, 404):
                raise


__all__ = ["ROLE_FLAGS", "VIEW_CHILDREN", "activate_version", "create_step", "create_version", "deactivate_version", "delete_step", "get_version",
           "list_versions", "rename_version", "update_step", "create_view", "create_view_child", "create_webhook",
           "create_workflow", "list_api_keys", "list_records", "list_roles", "list_view_children", "list_views", "list_webhooks"]
