"""Fixtures of the bad-input corpus: the source's data model, the CLI, and a target on a socket.

Every class goes through the `twenty-migrate` command itself (typer's runner, in-process), so
the test sees what a person sees: the one-sentence message and the exit code of README's table.
The source's data model is the emulator's standard one (read through the metadata API, as
`snapshot --url` would) plus a custom SELECT `company.tier` and a standard object `dashboard`
that the emulated target lacks; a class folder's `members.json` replaces the source members.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.server import serve_in_thread
from migrate.model import FieldMeta, Member, ObjectMeta
from migrate.settings import Endpoint, Secret
from migrate.snapshot.schema_file import save_schema
from migrate.twenty.client import TwentyClient
from tests.plan.workspaces import FAST, NO_LIMIT, TARGET_KEY, new_target

CORPUS = Path(__file__).parent
TIERS = ("STRATEGIC", "ENTERPRISE", "MID_MARKET", "SMB")
runner = CliRunner()


@dataclass
class Run:
    """One `twenty-migrate` invocation: its exit code and everything it printed (stdout and stderr)."""

    code: int
    output: str

    @property
    def text(self) -> str:
        """The output with the terminal's line wrapping undone, for phrase matching."""
        return " ".join(self.output.split())

    def json(self) -> Any:
        return json.loads(self.output[self.output.index("{"):self.output.rindex("}") + 1])


def cli(*args: str, env: dict[str, str] | None = None) -> Run:
    result = runner.invoke(app, list(args), env={"COLUMNS": "400", **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.output)


def data_rows(path: Path) -> int:
    """Records in a CSV file as a spreadsheet would count them (header excluded)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return max(sum(1 for row in csv.reader(handle) if row) - 1, 0)


def _extra_schema(objects: list[ObjectMeta]) -> list[ObjectMeta]:
    """The source's additions: `company.tier` (custom SELECT) and `dashboard` (standard, absent from the target)."""
    options = tuple({"label": t.title().replace("_", " "), "value": t, "color": "blue", "position": i} for i, t in enumerate(TIERS))
    tier = FieldMeta("tier", "SELECT", "Tier", is_custom=True, options=options)
    out = [dataclasses.replace(o, fields=(*o.fields, tier)) if o.name_singular == "company" else o for o in objects]
    dashboard = ObjectMeta("dashboard", "dashboards", (
        FieldMeta("id", "UUID", "Id", is_nullable=False, is_system=True), FieldMeta("title", "TEXT", "Title"),
        FieldMeta("createdAt", "DATE_TIME", "Creation date"), FieldMeta("position", "POSITION", "Position", is_system=True)),
        label_singular="Dashboard", label_plural="Dashboards")
    return [*out, dashboard]


@pytest.fixture(scope="session")
def source_model() -> tuple[list[ObjectMeta], list[Member]]:
    """The source's objects and members, read from an emulated workspace through the metadata API."""
    source = create_app(api_keys=[TARGET_KEY], server_url="http://source.test", limits=NO_LIMIT)

    async def read() -> tuple[list[ObjectMeta], list[Member]]:
        endpoint = Endpoint("http://source.test", Secret(TARGET_KEY))
        async with TwentyClient(endpoint, FAST, transport=httpx.ASGITransport(app=source)) as client:
            return await client.objects(), await client.members()

    objects, members = asyncio.run(read())
    return _extra_schema(objects), members


@pytest.fixture(scope="session")
def schema_for(source_model: tuple[list[ObjectMeta], list[Member]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`schema_for(case_dir)`: a schema.json of the source, with the case's members.json if it has
    one (written once per set of members: the corpus stays fast)."""
    written: dict[str, Path] = {}

    def write(case: Path) -> Path:
        objects, members = source_model
        key = (case / "members.json").read_text(encoding="utf-8") if (case / "members.json").exists() else ""
        if key not in written:
            if key:
                members = [Member(**m) for m in json.loads(key)]
            path = tmp_path_factory.mktemp("schema") / "schema.json"
            save_schema(path, objects, members)
            written[key] = path
        return written[key]

    return write


@contextmanager
def served(app_: Any) -> Iterator[str]:
    with serve_in_thread(app_) as url:
        yield url


@pytest.fixture
def target() -> Iterator[tuple[Emulator, str]]:
    """An empty target workspace (members only: Tim, Jane, Jony, Phil) on 127.0.0.1."""
    emulator = new_target()
    with served(emulator) as url:
        yield emulator, url


def rows_of(emulator: Emulator, name: str) -> list[dict[str, Any]]:
    """Every stored row of an object in an emulated workspace (what the target holds)."""
    ws = emulator.workspace
    return ws.store.select(ws.objects[name], "1=1", [], "id")  # type: ignore[no-any-return]
