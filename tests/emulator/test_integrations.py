"""Conformance of API keys, webhooks and connected accounts (config.md §4), and of the `demo`
seed's configuration (views, workflows, roles, integrations)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from migrate.emulator import create_app
from tests.emulator.config_helpers import gql, member_ids
from tests.emulator.conftest import API_KEY, assert_twenty_error

pytestmark = pytest.mark.anyio


async def member_role(client: httpx.AsyncClient) -> str:
    roles = (await gql(client, "{ getRoles { id label } }"))["data"]["getRoles"]
    return next(r["id"] for r in roles if r["label"] == "Member")


async def test_an_api_key_secret_is_never_read_back(api: httpx.AsyncClient) -> None:
    """`api-key.service.ts`: the token is minted by `generateApiKeyToken` and never stored; reads hold no token."""
    created = await api.post("/rest/metadata/apiKeys", json={"name": "Zapier", "expiresAt": "2099-01-01T00:00:00.000Z", "roleId": await member_role(api)})
    assert created.status_code == 201 and "token" not in created.json()
    key_id = created.json()["id"]
    minted = await gql(api, "mutation($k: UUID!, $e: String!) { generateApiKeyToken(apiKeyId: $k, expiresAt: $e) { token } }",
                       k=key_id, e="2099-01-01T00:00:00.000Z")
    token = minted["data"]["generateApiKeyToken"]["token"]
    assert token.count(".") == 2
    listed = (await api.get("/rest/metadata/apiKeys")).json()
    assert [k["name"] for k in listed] == ["Zapier"] and token not in str(listed) and token not in (await api.get(f"/rest/metadata/apiKeys/{key_id}")).text
    assert (await api.get("/rest/companies", headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_a_revoked_key_leaves_the_list_and_a_key_needs_a_role(api: httpx.AsyncClient) -> None:
    """`api-key.resolver.ts` `revokeApiKey`; lists keep non-revoked keys; `createApiKey` requires `roleId`."""
    key = (await api.post("/rest/metadata/apiKeys", json={"name": "Old", "expiresAt": "2099-01-01T00:00:00.000Z", "roleId": await member_role(api)})).json()
    revoked = await gql(api, "mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { revokedAt } }", i={"id": key["id"]})
    assert revoked["data"]["revokeApiKey"]["revokedAt"]
    assert (await gql(api, "{ apiKeys { id } }"))["data"]["apiKeys"] == []
    assert_twenty_error(await api.post("/rest/metadata/apiKeys", json={"name": "No role", "expiresAt": "2099-01-01T00:00:00.000Z"}),
                        400, "BadRequestException", "roleId should not be empty")


async def test_webhooks_round_trip_with_their_secret(api: httpx.AsyncClient) -> None:
    """`core-modules/webhook/webhook.entity.ts` (`operations` default `["*.*"]`, `secret` readable) and
    `controllers/webhook-metadata.controller.ts` (REST)."""
    created = await api.post("/rest/metadata/webhooks", json={"targetUrl": "https://hooks.example.com/in", "secret": "s3cret"})
    assert created.status_code == 201 and created.json()["operations"] == ["*.*"]
    hook_id = created.json()["id"]
    patched = await api.patch(f"/rest/metadata/webhooks/{hook_id}", json={"operations": ["person.created"], "description": "CRM sync"})
    assert patched.json()["operations"] == ["person.created"]
    listed = (await gql(api, "{ webhooks { id targetUrl operations description secret } }"))["data"]["webhooks"]
    assert listed == [{"id": hook_id, "targetUrl": "https://hooks.example.com/in", "operations": ["person.created"], "description": "CRM sync", "secret": "s3cret"}]
    assert (await api.delete(f"/rest/metadata/webhooks/{hook_id}")).json() == {"success": True}
    assert_twenty_error(await api.get(f"/rest/metadata/webhooks/{hook_id}"), 404, "NotFoundException", "Webhook not found")


async def test_a_webhook_needs_a_valid_target_url(api: httpx.AsyncClient) -> None:
    """`webhook.service.ts` URL validation (wording UNCONFIRMED, see docs/research/twenty-config-wire.md)."""
    assert_twenty_error(await api.post("/rest/metadata/webhooks", json={"targetUrl": "not a url"}), 400, "BadRequestException", "Invalid target URL provided")


async def test_connected_accounts_are_listed_per_member_and_read_only(api: httpx.AsyncClient) -> None:
    """`modules/connected-account/standard-objects/connected-account.workspace-entity.ts`: records owned
    by a member (`accountOwnerId`); the API cannot create them (config.md §4.3)."""
    member = (await member_ids(api))[0]
    listed = await api.get("/rest/connectedAccounts", params={"filter": f"accountOwnerId[eq]:{member}"})
    assert listed.status_code == 200 and listed.json()["data"]["connectedAccounts"] == []
    assert_twenty_error(await api.post("/rest/connectedAccounts", json={"handle": "a@b.c", "accountOwnerId": member}), 403, "ForbiddenException")


@pytest.fixture(scope="module")
def demo_app() -> object:
    return create_app(seed="demo", api_keys=[API_KEY], server_url="http://twenty.test")


@pytest.fixture
async def demo(demo_app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=demo_app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://twenty.test", headers={"Authorization": f"Bearer {API_KEY}"}) as c:
        yield c


async def test_the_demo_seed_holds_the_whole_configuration(demo: httpx.AsyncClient) -> None:
    """The issue's demo seed: views with every operand, a kanban and a calendar, workflows (active,
    deactivated, draft; DATABASE_EVENT, CRON, MANUAL; one with archived v1, active v2, draft v3), custom roles assigned, two keys, two webhooks,
    connected accounts (seed_config.py)."""
    views = (await gql(demo, "{ getCoreViews { type key visibility viewFilters { operand } viewFilterGroups { id } viewSorts { id } viewGroups { id } } }"))["data"]["getCoreViews"]
    operands = {f["operand"] for v in views for f in v["viewFilters"]}
    assert {"IS", "IS_NOT", "CONTAINS", "DOES_NOT_CONTAIN", "IS_EMPTY", "IS_NOT_EMPTY", "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL",
            "IS_BEFORE", "IS_AFTER", "IS_RELATIVE", "IS_IN_PAST", "IS_IN_FUTURE", "IS_TODAY", "VECTOR_SEARCH", "IS_NOT_NULL"} <= operands
    assert {"KANBAN", "CALENDAR", "TABLE"} <= {v["type"] for v in views} and all(v["visibility"] == "WORKSPACE" for v in views)
    assert any(v["viewFilterGroups"] for v in views) and any(v["viewGroups"] for v in views) and sum(v["key"] == "INDEX" for v in views) >= 12
    versions = (await demo.get("/rest/workflowVersions")).json()["data"]["workflowVersions"]
    assert {v["status"] for v in versions} == {"ACTIVE", "DRAFT", "DEACTIVATED", "ARCHIVED"}
    by_workflow: dict[str, list[str]] = {}
    for v in sorted(versions, key=lambda v: v["createdAt"]):
        by_workflow.setdefault(v["workflowId"], []).append(v["status"])
    assert ["ARCHIVED", "ACTIVE", "DRAFT"] in by_workflow.values(), "a workflow with a history of versions"
    assert {v["trigger"]["type"] for v in versions} == {"DATABASE_EVENT", "CRON", "MANUAL"}
    roles = (await gql(demo, "{ getRoles { label workspaceMembers { id } objectPermissions { id } fieldPermissions { id } apiKeys { name } } }"))["data"]["getRoles"]
    custom = [r for r in roles if r["label"] not in ("Admin", "Member")]
    assert len(custom) == 2 and all(r["workspaceMembers"] and r["objectPermissions"] and r["fieldPermissions"] for r in custom)
    assert len((await demo.get("/rest/metadata/apiKeys")).json()) == 2 and len((await demo.get("/rest/metadata/webhooks")).json()) == 2
    accounts = (await demo.get("/rest/connectedAccounts")).json()["data"]["connectedAccounts"]
    assert len({a["accountOwnerId"] for a in accounts}) == 3
