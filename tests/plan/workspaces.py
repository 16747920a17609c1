"""Two emulated workspaces side by side, as the plan and apply tests use them.

The source is the emulator's "demo" seed (every field type, custom objects with a cycle and a
self-reference, notes and tasks with several targets, attachments, soft-deleted records, five
members); the target starts with members only, one fewer than the source (Zoë is missing).
Both are reached in-process through `httpx.ASGITransport`, rate limits off and waits instant
(an injected `sleep`, B10), so no test sleeps. Setup writes go through the REST and metadata
APIs, as a person would make them; only a value the API itself refuses is put in the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.faults import Faults
from migrate.emulator.limits import RateLimit
from migrate.emulator.seed import DEMO_MEMBERS, MemberSeed, SeedSpec, seed_workspace
from migrate.model import Member
from migrate.plan.plan import Plan, build_plan
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.snapshot.from_api import snapshot_from_api
from migrate.twenty.client import TwentyClient

SOURCE_URL = "http://source.test"
TARGET_URL = "http://target.test"
SOURCE_KEY = "migrate-test-source-key"
TARGET_KEY = "migrate-test-target-key"
FAST = ClientSettings(requests_per_minute=1e9)
NO_LIMIT = RateLimit(enabled=False)
TARGET_MEMBERS: tuple[MemberSeed, ...] = DEMO_MEMBERS[:4]
MISSING_MEMBER = DEMO_MEMBERS[4].email
"""The source member the target lacks (zoe.angstrom@apple.dev)."""
FALLBACK = "tim@apple.dev"
BOTH_DELETED = "and(or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL))"


async def no_sleep(seconds: float) -> None:
    """Backoff and Retry-After waits pass at once: tests never sleep."""


def new_source(rng_seed: int = 0) -> Emulator:
    """A fresh "demo" workspace."""
    return create_app(api_keys=[SOURCE_KEY], seed="demo", rng_seed=rng_seed, server_url=SOURCE_URL, limits=NO_LIMIT)


def new_target(*, members: tuple[MemberSeed, ...] = TARGET_MEMBERS, faults: Faults | None = None, url: str = TARGET_URL) -> Emulator:
    """An empty workspace with members only (no custom objects, no records); its member ids differ
    from the source's, so only a real member map carries references across."""
    app = create_app(api_keys=[TARGET_KEY], server_url=url, limits=NO_LIMIT, faults=faults)
    seed_workspace(app.workspace, SeedSpec(records=0, members=members, rng_seed=7, with_custom_objects=False))
    return app


def connect(app: Emulator | None, *, url: str = TARGET_URL, key: str = TARGET_KEY, sleep: Any = no_sleep) -> TwentyClient:
    """The migrator's client on an emulator (in-process when `app` is given, else over `url`)."""
    transport = httpx.ASGITransport(app=app) if app is not None else None
    return TwentyClient(Endpoint(url, Secret(key)), FAST, transport=transport, sleep=sleep)


def connect_source(app: Emulator) -> TwentyClient:
    return connect(app, url=SOURCE_URL, key=SOURCE_KEY)


async def take_snapshot(app: Emulator, out: Path) -> Path:
    """Snapshot a source workspace with the product's own reader."""
    async with connect_source(app) as client:
        await snapshot_from_api(client, out)
    return out


async def make_plan(snapshot: Path, target: Emulator, *, fallback_owner: str | None = FALLBACK,
                    overrides: dict[str, str] | None = None) -> Plan:
    """A plan against the target's live data model and members, as `twenty-migrate plan` builds it."""
    async with connect(target) as client:
        return build_plan(snapshot, await client.objects(), await client.members(), target_url=TARGET_URL,
                          fallback_owner=fallback_owner, overrides=overrides)


async def read_all(client: TwentyClient, plural: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every record of an object through REST: (live by id, soft-deleted by id)."""
    live: dict[str, dict[str, Any]] = {}
    deleted: dict[str, dict[str, Any]] = {}
    async for page, _ in client.iter_pages(plural):
        for record in page:
            assert record["id"] not in live, f"{plural} {record['id']} was listed twice"
            live[record["id"]] = record
    async for page, _ in client.iter_pages(plural, filter="deletedAt[is]:NOT_NULL"):
        for record in page:
            assert record["id"] not in deleted, f"{plural} {record['id']} was listed twice"
            deleted[record["id"]] = record
    return live, deleted


async def emulator_stats(app: Emulator) -> dict[str, Any]:
    """`GET /_emulator/stats`: requests seen (by method and status), faults injected, record counts."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=TARGET_URL) as http:
        response = await http.get("/_emulator/stats")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]


async def call(app: Emulator, method: str, path: str, *, key: str = TARGET_KEY, url: str = TARGET_URL, **kwargs: Any) -> Any:
    """One authenticated request to an emulator (test setup through the API); the decoded body."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=url,
                                 headers={"Authorization": f"Bearer {key}"}) as http:
        response = await http.request(method, path, **kwargs)
        assert response.status_code < 400, f"{method} {path} -> {response.status_code} {response.text}"
        return response.json() if response.content else None


async def create_field(app: Emulator, object_name: str, field: dict[str, Any]) -> None:
    """Add a custom field to an emulated workspace through the metadata API."""
    async with connect(app) as client:
        target = next(o for o in await client.objects() if o.name_singular == object_name)
        query = "mutation F($input: CreateOneFieldInput!) { createOneField(input: $input) { id } }"
        await client.graphql("/metadata", query, {"input": {"field": {"objectMetadataId": target.id, **field}}})


def members_by_email(members: Iterable[Member]) -> dict[str, Member]:
    return {(m.email or "").lower(): m for m in members}
