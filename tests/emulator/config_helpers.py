"""Shared pieces of the configuration conformance tests (views, workflows, roles, integrations):
GraphQL calls and id look-ups. The fixtures (`config_app`, `api`, `user`) are in conftest.py."""

from __future__ import annotations

from typing import Any

import httpx

async def gql(client: httpx.AsyncClient, query: str, path: str = "/metadata", **variables: Any) -> dict[str, Any]:
    response = await client.post(path, json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def assert_graphql_error(body: dict[str, Any], code: str, message: str | None = None) -> None:
    """`{"errors": [{"message", "extensions": {"code"}}]}` as Twenty's Yoga answers."""
    assert body.get("errors"), body
    error = body["errors"][0]
    assert error["extensions"]["code"] == code, body
    if message is not None:
        assert error["message"] == message, body


async def object_ids(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Objects by singular name, each with `fields` by name (ids from the REST metadata API)."""
    objects = (await client.get("/rest/metadata/objects")).json()["data"]["objects"]
    return {o["nameSingular"]: {"id": o["id"], "fields": {f["name"]: f["id"] for f in o["fields"]}} for o in objects}


async def member_ids(client: httpx.AsyncClient) -> list[str]:
    return [m["id"] for m in (await client.get("/rest/workspaceMembers")).json()["data"]["workspaceMembers"]]
