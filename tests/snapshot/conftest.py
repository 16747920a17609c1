"""Fixtures for snapshot tests: one seeded emulator workspace, snapshotted through the API, and
the same workspace as the UI's CSV exports (`twenty_csv_export.py`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from migrate.emulator import create_app
from migrate.model import ObjectMeta
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.snapshot.from_api import snapshot_from_api
from migrate.snapshot.reader import Snapshot
from migrate.twenty.client import TwentyClient

API_KEY = "snapshot-test-key"


@dataclass(frozen=True)
class Workspace:
    """A seeded workspace: its API snapshot, its objects, and its live records in wire form."""

    api_snapshot: Path
    objects: dict[str, ObjectMeta]
    live: dict[str, list[dict[str, Any]]]

    def exportable(self) -> list[ObjectMeta]:
        """Objects with a record index page, hence an "Export view" (not system objects: note and
        task targets and attachments have none, csv.md §1.4 and §3)."""
        with Snapshot(self.api_snapshot) as snap:
            chosen = {row[0] for row in snap.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()}
        return [o for name, o in sorted(self.objects.items()) if name in chosen and not o.is_system]


async def _read(folder: Path) -> Workspace:
    app = create_app(api_keys=[API_KEY], seed="demo")
    transport = httpx.ASGITransport(app=app)
    async with TwentyClient(Endpoint("http://source.test", Secret(API_KEY)), ClientSettings(requests_per_minute=1e9),
                            transport=transport) as client:
        out = folder / "api.duckdb"
        await snapshot_from_api(client, out)
        objects = {o.name_singular: o for o in await client.objects()}
        live: dict[str, list[dict[str, Any]]] = {}
        with Snapshot(out) as snap:
            names = [r[0] for r in snap.con.execute("SELECT name_singular FROM objects WHERE snapshotted").fetchall()]
        for name in names:
            records: list[dict[str, Any]] = []
            async for page, _ in client.iter_pages(objects[name].name_plural):
                records += [r for r in page if not r.get("deletedAt")]
            live[name] = records
    return Workspace(out, objects, live)


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The emulator's "demo" workspace, read once per session."""
    return asyncio.run(_read(tmp_path_factory.mktemp("workspace")))
