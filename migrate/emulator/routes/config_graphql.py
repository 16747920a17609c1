"""GraphQL resolvers of the workspace configuration: views, roles, API keys and webhooks on
`/metadata` (`metadata-modules/view*/resolvers/*.resolver.ts`, `role/role.resolver.ts`,
`core-modules/api-key/api-key.resolver.ts`, `core-modules/webhook/webhook.resolver.ts`), and the
workflow mutations on `/graphql` (`core-modules/workflow/resolvers/workflow-trigger.resolver.ts`,
`workflow-version-step.resolver.ts`, `workflow-version.resolver.ts`; config.md §0.3, §2.3).
The rules are in views.py, roles.py, integrations.py and workflows.py; `graphql.py` wraps these
resolvers so Twenty errors become GraphQL errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from migrate.emulator import integrations, roles, views, workflows
from migrate.emulator.auth import ApiKey
from migrate.emulator.envelopes import bad_request
from migrate.emulator.routes.common import caller, workspace

CHILD_NAMES = {"Field": "viewField", "Filter": "viewFilter", "FilterGroup": "viewFilterGroup", "Sort": "viewSort", "Group": "viewGroup"}

WORKFLOW_SDL = """
scalar UUID
scalar JSON
scalar CreateWorkflowVersionStepInput
scalar UpdateWorkflowVersionStepInput
scalar DeleteWorkflowVersionStepInput
scalar UpdateWorkflowVersionTriggerInput
scalar CreateDraftFromWorkflowVersionInput
type WorkflowAction { id: UUID!, name: String!, type: String!, settings: JSON!, valid: Boolean!, nextStepIds: [UUID!], position: JSON }
type WorkflowVersion { id: UUID!, name: String, status: String!, trigger: JSON, steps: JSON, workflowId: UUID }
extend type Mutation {
  activateWorkflowVersion(workflowVersionId: UUID!): Boolean!
  deactivateWorkflowVersion(workflowVersionId: UUID!): Boolean!
  createWorkflowVersionStep(input: CreateWorkflowVersionStepInput!): WorkflowAction!
  updateWorkflowVersionStep(input: UpdateWorkflowVersionStepInput!): WorkflowAction!
  deleteWorkflowVersionStep(input: DeleteWorkflowVersionStepInput!): WorkflowAction!
  updateWorkflowVersionTrigger(input: UpdateWorkflowVersionTriggerInput!): WorkflowVersion!
  createDraftFromWorkflowVersion(input: CreateDraftFromWorkflowVersionInput!): WorkflowVersion!
}
"""
"""Added to the `/graphql` schema of `graphql.py`."""


def _input(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request("input must be an object")
    return value


def metadata_resolvers(request: Request) -> dict[str, Callable[..., Any]]:
    ws = workspace(request)
    who = caller(request)

    def view_node(view: dict[str, Any]) -> dict[str, Any]:
        node = dict(view)
        for key, kind in views.CHILD_LISTS.items():
            node[key] = (lambda k: lambda info, **_: views.list_children(ws, k, view["id"]))(kind)
        return node

    out: dict[str, Callable[..., Any]] = {
        "getCoreViews": lambda info, objectMetadataId=None: [view_node(v) for v in views.list_views(ws, who, objectMetadataId)],
        "getCoreView": lambda info, id: view_node(views.get_view(ws, id)),
        "createCoreView": lambda info, input: view_node(views.create_view(ws, _input(input), who)),
        "updateCoreView": lambda info, id, input: view_node(views.update_view(ws, id, input)),
        "deleteCoreView": lambda info, id: bool(views.delete_view(ws, id)),
        "destroyCoreView": lambda info, id: bool(views.delete_view(ws, id, destroy=True)),
        "getRoles": lambda info: [_role_node(ws, r) for r in roles.list_roles(ws)],
        "createOneRole": lambda info, createRoleInput: _role_node(ws, roles.create_role(ws, createRoleInput)),
        "updateOneRole": lambda info, updateRoleInput: _role_node(ws, roles.update_role(ws, updateRoleInput)),
        "deleteOneRole": lambda info, roleId: roles.delete_role(ws, roleId),
        "upsertObjectPermissions": lambda info, upsertObjectPermissionsInput: roles.upsert_object_permissions(ws, upsertObjectPermissionsInput),
        "upsertFieldPermissions": lambda info, upsertFieldPermissionsInput: roles.upsert_field_permissions(ws, upsertFieldPermissionsInput),
        "upsertPermissionFlags": lambda info, upsertPermissionFlagsInput: roles.upsert_permission_flags(ws, upsertPermissionFlagsInput),
        "updateWorkspaceMemberRole": lambda info, workspaceMemberId, roleId: _member_node(ws, roles.assign_member(ws, workspaceMemberId, roleId, who)),
        "assignRoleToApiKey": lambda info, apiKeyId, roleId: roles.assign_api_key(ws, apiKeyId, roleId),
        "apiKeys": lambda info: [_key_node(ws, k) for k in integrations.list_api_keys(ws)],
        "apiKey": lambda info, input: _key_node(ws, integrations.get_api_key(ws, _input(input).get("id"))),
        "createApiKey": lambda info, input: _key_node(ws, integrations.create_api_key(ws, input)),
        "updateApiKey": lambda info, input: _key_node(ws, integrations.update_api_key(ws, _input(input))),
        "revokeApiKey": lambda info, input: _key_node(ws, integrations.revoke_api_key(ws, _input(input).get("id"))),
        "generateApiKeyToken": lambda info, apiKeyId, expiresAt: integrations.generate_token(ws, apiKeyId, expiresAt, _registrar(request)),
        "webhooks": lambda info: integrations.list_webhooks(ws),
        "webhook": lambda info, input: integrations.get_webhook(ws, _input(input).get("id")),
        "createWebhook": lambda info, input: integrations.create_webhook(ws, input),
        "updateWebhook": lambda info, input: integrations.update_webhook(ws, _input(input).get("id"), _update(_input(input))),
        "deleteWebhook": lambda info, input: integrations.delete_webhook(ws, _input(input).get("id")),
    }
    for suffix, kind in CHILD_NAMES.items():
        out.update(_child_resolvers(ws, suffix, kind))
    return out


def _update(data: dict[str, Any]) -> dict[str, Any]:
    """Newer inputs are `{id, update}`; older ones put the changes beside the id."""
    return data["update"] if isinstance(data.get("update"), dict) else {k: v for k, v in data.items() if k != "id"}


def _child_resolvers(ws: Any, suffix: str, kind: str) -> dict[str, Callable[..., Any]]:
    plural = f"getCoreView{suffix}s"
    out: dict[str, Callable[..., Any]] = {
        plural: lambda info, viewId=None: views.list_children(ws, kind, viewId),
        f"getCoreView{suffix}": lambda info, id: views.get_child(ws, kind, id),
        f"createCoreView{suffix}": lambda info, input: views.create_child(ws, kind, input),
        f"updateCoreView{suffix}": lambda info, input: views.update_child(ws, kind, str(_input(input).get("id")), _update(input)),
        f"deleteCoreView{suffix}": lambda info, input: views.delete_child(ws, kind, str(_input(input).get("id"))),
        f"destroyCoreView{suffix}": lambda info, input: views.delete_child(ws, kind, str(_input(input).get("id")), destroy=True),
    }
    if kind == "viewField":
        out["createManyCoreViewFields"] = lambda info, inputs: [views.create_child(ws, kind, i) for i in inputs]
    return out


def _role_node(ws: Any, role: dict[str, Any]) -> dict[str, Any]:
    return {**role, "workspaceMembers": [{**m, "roles": None} for m in role["workspaceMembers"]]}


def _member_node(ws: Any, member: dict[str, Any]) -> dict[str, Any]:
    return {**member, "roles": [_role_node(ws, r) for r in member["roles"]]}


def _key_node(ws: Any, key: dict[str, Any]) -> dict[str, Any]:
    role = key.get("role")
    return {**key, "role": _role_node(ws, roles.role_to_wire(ws, role)) if role else None}


def _registrar(request: Request) -> Callable[[str, dict[str, Any]], None]:
    """A minted token is accepted by this emulator from then on, as the key it names."""
    keys = request.app.state.emulator.keys

    def register(token: str, key: dict[str, Any]) -> None:
        keys[token] = ApiKey(token, name=key["name"], id=key["id"], expires_at=key.get("expiresAt"))

    return register


def core_resolvers(request: Request) -> dict[str, Callable[..., Any]]:
    ws = workspace(request)
    who = caller(request)

    def guarded(action: Callable[..., Any]) -> Callable[..., Any]:
        def run(info: Any, **kwargs: Any) -> Any:
            workflows.require_user(who)
            return action(**kwargs)
        return run

    return {
        "activateWorkflowVersion": lambda info, workflowVersionId: workflows.activate(ws, workflowVersionId, who),
        "deactivateWorkflowVersion": lambda info, workflowVersionId: workflows.deactivate(ws, workflowVersionId, who),
        "createWorkflowVersionStep": guarded(lambda input: workflows.create_step(ws, _input(input))),
        "updateWorkflowVersionStep": guarded(lambda input: workflows.update_step(ws, _input(input))),
        "deleteWorkflowVersionStep": guarded(lambda input: workflows.delete_step(ws, _input(input))),
        "updateWorkflowVersionTrigger": guarded(lambda input: workflows.update_trigger(ws, _input(input))),
        "createDraftFromWorkflowVersion": lambda info, input: workflows.create_draft_from(ws, _input(input), who),
    }
