"""The emulator answers a list request in Twenty's envelope (the first thing a client does)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_list_companies_answers_the_twenty_envelope(client: httpx.AsyncClient) -> None:
    """`GET /rest/companies`: `data.companies`, `totalCount`, `pageInfo` beside `data`
    (`rest/core/handlers/rest-api-find-many.handler.ts`)."""
    created = await client.post("/rest/companies", json={"name": "Acme"})
    assert created.status_code == 201
    response = await client.get("/rest/companies")
    body = response.json()
    assert response.status_code == 200
    assert [c["name"] for c in body["data"]["companies"]] == ["Acme"]
    assert body["totalCount"] == 1
    assert set(body["pageInfo"]) == {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
