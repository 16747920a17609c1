"""Fixtures for the manual path: the demo source, its API snapshot and its `export-csv` folder."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from migrate.emulator.app import Emulator
from migrate.errors import TwentyError
from migrate.manual.export import ExportSummary, export_from_api
from migrate.model import ObjectMeta
from migrate.snapshot.from_api import snapshot_from_api
from tests.plan.workspaces import connect_source, new_source


@dataclass(frozen=True)
class Source:
    """The demo source: its emulator, API snapshot, objects, live records and exports."""

    app: Emulator
    snapshot: Path
    objects: dict[str, ObjectMeta]
    live: dict[str, list[dict[str, Any]]]
    exports: Path
    summary: ExportSummary


async def _read(folder: Path) -> Source:
    app = new_source()
    async with connect_source(app) as client:
        snapshot = folder / "source.duckdb"
        await snapshot_from_api(client, snapshot)
        objects = {o.name_singular: o for o in await client.objects()}
        live: dict[str, list[dict[str, Any]]] = {}
        for obj in objects.values():
            if obj.is_system or not obj.is_active:
                continue
            records: list[dict[str, Any]] = []
            try:
                async for page, _ in client.iter_pages(obj.name_plural):
                    records += [r for r in page if not r.get("deletedAt")]
            except TwentyError:  # objects the REST API does not list
                continue
            live[obj.name_singular] = records
        summary = await export_from_api(client, folder / "exports")
    return Source(app, snapshot, objects, live, folder / "exports", summary)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """The emulator's demo workspace, snapshotted and exported once per session."""
    return asyncio.run(_read(tmp_path_factory.mktemp("manual")))
