"""Helpers for the record conformance tests: create and read records through HTTP only."""

from __future__ import annotations

import uuid
from typing import Any

import anyio
import httpx

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.limits import RateLimit
from tests.emulator.conftest import API_KEY


def uid(n: int) -> str:
    """A deterministic v4-shaped UUID whose order follows `n` (for id-ordered paging checks)."""
    return str(uuid.UUID(f"{n:08x}-0000-4000-8000-000000000000"))


async def create(client: httpx.AsyncClient, plural: str, body: dict[str, Any], singular: str | None = None) -> dict[str, Any]:
    """`POST /rest/<plural>`, asserting 201; returns the created record."""
    response = await client.post(f"/rest/{plural}", json=body)
    assert response.status_code == 201, response.text
    [record] = response.json()["data"].values()
    return record  # type: ignore[no-any-return]


async def create_batch(client: httpx.AsyncClient, plural: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`POST /rest/batch/<plural>` in chunks of 200, asserting 201; returns the records."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(bodies), 200):
        response = await client.post(f"/rest/batch/{plural}", json=bodies[start:start + 200])
        assert response.status_code == 201, response.text
        [records] = response.json()["data"].values()
        out.extend(records)
    return out


async def listing(client: httpx.AsyncClient, plural: str, **params: Any) -> dict[str, Any]:
    """`GET /rest/<plural>` with query parameters, asserting 200; returns the whole body."""
    response = await client.get(f"/rest/{plural}", params={k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def ids(client: httpx.AsyncClient, plural: str, **params: Any) -> list[str]:
    """The ids of one page of `GET /rest/<plural>`, in reply order."""
    body = await listing(client, plural, **params)
    return [r["id"] for r in body["data"][plural]]


async def count(client: httpx.AsyncClient, plural: str, filter: str | None = None) -> int:
    """`totalCount` of `GET /rest/<plural>` (with an optional filter)."""
    return (await listing(client, plural, filter=filter, limit=1))["totalCount"]  # type: ignore[no-any-return]


async def create_custom_object(client: httpx.AsyncClient, singular: str, plural: str, fields: list[dict[str, Any]]) -> str:
    """A custom object with the given fields, through `POST /rest/metadata/objects` and
    `/rest/metadata/fields` (api.md §7); returns the object's metadata id."""
    response = await client.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": plural,
        "labelSingular": singular.title(), "labelPlural": plural.title(),
    })
    assert response.status_code == 201, response.text
    object_id: str = response.json()["data"]["createOneObject"]["id"]
    for field in fields:
        created = await client.post("/rest/metadata/fields", json={"objectMetadataId": object_id, "label": field["name"], **field})
        assert created.status_code == 201, created.text
    return object_id


def option(value: str) -> dict[str, Any]:
    return {"value": value, "label": value.title(), "color": "blue"}


CUSTOM_FIELDS: list[dict[str, Any]] = [
    {"name": "score", "type": "NUMBER"},
    {"name": "ratio", "type": "NUMERIC"},
    {"name": "active", "type": "BOOLEAN"},
    {"name": "launchedOn", "type": "DATE"},
    {"name": "launchedAt", "type": "DATE_TIME"},
    {"name": "ref", "type": "UUID"},
    {"name": "tier", "type": "SELECT", "options": [option("GOLD"), option("SILVER"), option("BRONZE")]},
    {"name": "tags", "type": "MULTI_SELECT", "options": [option("RED"), option("GREEN"), option("BLUE")]},
    {"name": "stars", "type": "RATING"},
    {"name": "labels", "type": "ARRAY"},
    {"name": "payload", "type": "RAW_JSON"},
    {"name": "doc", "type": "FILES"},
    {"name": "summary", "type": "TEXT"},
    {"name": "contact", "type": "FULL_NAME"},
    {"name": "mails", "type": "EMAILS"},
    {"name": "phoneBook", "type": "PHONES"},
    {"name": "site", "type": "LINKS"},
    {"name": "price", "type": "CURRENCY"},
    {"name": "place", "type": "ADDRESS"},
    {"name": "body", "type": "RICH_TEXT_V2"},
]
"""One custom field of every writable type, on the custom object `gadget` / `gadgets`."""


async def create_gadgets(client: httpx.AsyncClient) -> str:
    """The custom object `gadget` with `CUSTOM_FIELDS`; returns its metadata id."""
    return await create_custom_object(client, "gadget", "gadgets", CUSTOM_FIELDS)


def client_for(app: Emulator) -> httpx.AsyncClient:
    """An in-process client over `app` with the conftest's key (enter it with `async with`)."""
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://twenty.test", headers={"Authorization": f"Bearer {API_KEY}"})


def gadgets_app() -> Emulator:
    """A fresh workspace that already has `gadget`, for module-scoped fixtures (creating the
    twenty custom fields once per module keeps the suite fast). Rate limiting is off: a module's
    hundreds of requests would exhaust the 100-per-minute bucket. Set up in its own event loop,
    so the fixture is synchronous and each test opens its own client."""
    app = create_app(api_keys=[API_KEY], server_url="http://twenty.test", limits=RateLimit(enabled=False))

    async def setup() -> None:
        async with client_for(app) as client:
            await create_gadgets(client)

    anyio.run(setup)
    return app
