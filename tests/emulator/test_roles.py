"""Conformance of roles and permissions (config.md §3): `getRoles` and the role mutations on `/metadata`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.config_helpers import assert_graphql_error, gql, member_ids, object_ids

pytestmark = pytest.mark.anyio

ROLES = ("{ getRoles { id label isEditable canReadAllObjectRecords workspaceMembers { id userEmail } apiKeys { id name } "
         "permissionFlags { flag } objectPermissions { objectMetadataId canReadObjectRecords canUpdateObjectRecords } "
         "fieldPermissions { fieldMetadataId canReadFieldValue canUpdateFieldValue } } }")


async def roles_by_label(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {r["label"]: r for r in (await gql(client, ROLES))["data"]["getRoles"]}


async def create_role(client: httpx.AsyncClient, **data: Any) -> dict[str, Any]:
    body = await gql(client, "mutation($i: CreateRoleInput!) { createOneRole(createRoleInput: $i) { id label } }", i=data)
    return body  # type: ignore[no-any-return]


async def test_standard_roles_exist_and_members_default_to_member(api: httpx.AsyncClient) -> None:
    """`role/role.resolver.ts` `getRoles`; the Admin role is not editable; members hold the default role."""
    roles = await roles_by_label(api)
    assert {"Admin", "Member"} <= set(roles) and roles["Admin"]["isEditable"] is False
    assert {m["id"] for m in roles["Member"]["workspaceMembers"]} == set(await member_ids(api))


async def test_role_labels_are_unique(api: httpx.AsyncClient) -> None:
    """`role.service.ts` / `permissions.exception.ts` ROLE_LABEL_ALREADY_EXISTS → ForbiddenError."""
    assert (await create_role(api, label="Sales Rep"))["data"]["createOneRole"]["label"] == "Sales Rep"
    assert_graphql_error(await create_role(api, label="Sales Rep"), "FORBIDDEN", "A role with this label already exists")


async def test_object_field_and_flag_permissions_are_upserted_and_read_back(api: httpx.AsyncClient) -> None:
    """`upsertObjectPermissions`, `upsertFieldPermissions`, `upsertPermissionFlags` (`object-permission/dtos/*.input.ts`)."""
    objects = await object_ids(api)
    role_id = (await create_role(api, label="Support", canReadAllObjectRecords=False))["data"]["createOneRole"]["id"]
    for _ in range(2):  # an upsert, not an insert
        await gql(api, "mutation($i: UpsertObjectPermissionsInput!) { upsertObjectPermissions(upsertObjectPermissionsInput: $i) { id } }",
                  i={"roleId": role_id, "objectPermissions": [{"objectMetadataId": objects["task"]["id"], "canReadObjectRecords": True, "canUpdateObjectRecords": True}]})
    await gql(api, "mutation($i: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $i) { id } }",
              i={"roleId": role_id, "fieldPermissions": [{"objectMetadataId": objects["person"]["id"], "fieldMetadataId": objects["person"]["fields"]["phones"],
                                                          "canReadFieldValue": False, "canUpdateFieldValue": False}]})
    flags = await gql(api, "mutation($i: UpsertPermissionFlagsInput!) { upsertPermissionFlags(upsertPermissionFlagsInput: $i) { flag } }",
                      i={"roleId": role_id, "permissionFlagKeys": ["WORKFLOWS", "EXPORT_CSV"]})
    assert [f["flag"] for f in flags["data"]["upsertPermissionFlags"]] == ["WORKFLOWS", "EXPORT_CSV"]
    role = (await roles_by_label(api))["Support"]
    assert role["objectPermissions"] == [{"objectMetadataId": objects["task"]["id"], "canReadObjectRecords": True, "canUpdateObjectRecords": True}]
    assert role["fieldPermissions"] == [{"fieldMetadataId": objects["person"]["fields"]["phones"], "canReadFieldValue": False, "canUpdateFieldValue": False}]


async def test_the_admin_role_refuses_permission_changes(api: httpx.AsyncClient) -> None:
    """`permissions.exception.ts` ROLE_NOT_EDITABLE → ForbiddenError."""
    admin = (await roles_by_label(api))["Admin"]
    body = await gql(api, "mutation($i: UpsertPermissionFlagsInput!) { upsertPermissionFlags(upsertPermissionFlagsInput: $i) { flag } }",
                     i={"roleId": admin["id"], "permissionFlagKeys": ["ROLES"]})
    assert_graphql_error(body, "FORBIDDEN", "Role is not editable")


async def test_a_field_permission_can_only_restrict(api: httpx.AsyncClient) -> None:
    """`permissions.exception.ts` ONLY_FIELD_RESTRICTION_ALLOWED."""
    objects = await object_ids(api)
    role_id = (await create_role(api, label="Viewer"))["data"]["createOneRole"]["id"]
    body = await gql(api, "mutation($i: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $i) { id } }",
                     i={"roleId": role_id, "fieldPermissions": [{"objectMetadataId": objects["company"]["id"],
                                                                 "fieldMetadataId": objects["company"]["fields"]["name"], "canReadFieldValue": True}]})
    assert_graphql_error(body, "BAD_USER_INPUT", "Field permission can only introduce a restriction")


async def test_member_role_assignment_needs_a_user_session(api: httpx.AsyncClient, user: httpx.AsyncClient) -> None:
    """`role.resolver.ts` `updateWorkspaceMemberRole` behind `UserAuthGuard` (config.md §0.3)."""
    role_id = (await create_role(api, label="Sales Rep"))["data"]["createOneRole"]["id"]
    member = (await member_ids(api))[0]
    query = "mutation($m: UUID!, $r: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $m, roleId: $r) { id roles { label } } }"
    assert_graphql_error(await gql(api, query, m=member, r=role_id), "FORBIDDEN", "Forbidden resource")
    assigned = await gql(user, query, m=member, r=role_id)
    assert assigned["data"]["updateWorkspaceMemberRole"] == {"id": member, "roles": [{"label": "Sales Rep"}]}
    assert [m["id"] for m in (await roles_by_label(api))["Sales Rep"]["workspaceMembers"]] == [member]


async def test_an_api_key_gets_a_role(api: httpx.AsyncClient) -> None:
    """`core-modules/api-key/api-key.resolver.ts` `createApiKey(roleId)`, `assignRoleToApiKey`; `Role.apiKeys`."""
    roles = await roles_by_label(api)
    key = (await api.post("/rest/metadata/apiKeys", json={"name": "Zapier", "expiresAt": "2099-01-01T00:00:00.000Z",
                                                          "roleId": roles["Member"]["id"]})).json()
    moved = await gql(api, "mutation($k: UUID!, $r: UUID!) { assignRoleToApiKey(apiKeyId: $k, roleId: $r) }", k=key["id"], r=roles["Admin"]["id"])
    assert moved["data"]["assignRoleToApiKey"] is True
    roles = await roles_by_label(api)
    assert roles["Admin"]["apiKeys"] == [{"id": key["id"], "name": "Zapier"}] and roles["Member"]["apiKeys"] == []
