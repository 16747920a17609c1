"""Fixtures for the manual path: the demo source, its API snapshot and its `export-csv` folder, the
files `prepare-csv` writes from them, and the empty target they are imported into."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.seed import DEMO_MEMBERS, SeedSpec, seed_workspace
from migrate.errors import TwentyError
from migrate.manual.export import ExportSummary, export_from_api
from migrate.manual.prepare import prepare_csv
from migrate.manual.source_model import model_from_file
from migrate.model import ObjectMeta
from migrate.snapshot.from_api import snapshot_from_api
from tests.manual.ui_import import FileResult, ImportFaults, ui_import
from tests.plan.workspaces import NO_LIMIT, TARGET_KEY, TARGET_URL, connect, connect_source, new_source

PREPARED_MAX_ROWS = 40
"""Small enough that the demo's people are cut into two parts."""


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


@dataclass(frozen=True)
class Prepared:
    """The folder `prepare-csv` wrote from the demo's exports, and its manifest.json."""

    folder: Path
    manifest: dict[str, Any]

    def objects_done_by(self, step: int) -> list[str]:
        """The objects whose every file (parts, second pass) is at `step` or before."""
        last: dict[str, int] = {}
        for entry in self.manifest["files"]:
            last[entry["object"]] = max(last.get(entry["object"], 0), entry["step"])
        return sorted(name for name, at in last.items() if at <= step)

    @property
    def steps(self) -> list[int]:
        return sorted({entry["step"] for entry in self.manifest["files"]})


@pytest.fixture(scope="session")
def prepared(demo: Source, tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """`prepare-csv` run once on the demo's exports (people in two parts, two second-pass files)."""
    folder = tmp_path_factory.mktemp("prepared") / "import"
    prepare_csv(demo.exports, model_from_file(demo.snapshot), folder, max_rows=PREPARED_MAX_ROWS)
    return Prepared(folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def new_target() -> Emulator:
    """Steps 1-3 of the guide done: the data model recreated (the demo's custom objects) and every
    member invited, with the source's e-mails; no records."""
    app = create_app(api_keys=[TARGET_KEY], server_url=TARGET_URL, limits=NO_LIMIT)
    seed_workspace(app.workspace, SeedSpec(records=0, members=DEMO_MEMBERS, rng_seed=7, with_custom_objects=True))
    return app


async def import_into(folder: Path, target: Emulator, out: Path, faults: ImportFaults | None = None,
                      steps: Collection[int] | None = None) -> tuple[list[FileResult], Path]:
    """Import `folder` (the `steps` of it) into `target` as the UI does, then snapshot the target into `out`."""
    async with connect(target) as client:
        results = await ui_import(folder, client, faults, steps=steps)
        await snapshot_from_api(client, out)
    return results, out
