"""Fixtures of the checklist tests: one clean migration, and a private copy of it per test.

`clean_migration` migrates the emulator's "demo" workspace into an empty target (members only,
Zoë missing, fallback Tim) once per session, in-process (`tests/plan/workspaces.py`), then
snapshots the target with the product's own reader. It keeps the three files an audit reads:
source.duckdb, target.duckdb and state.duckdb (the journal).

`migration` copies those files into the test's `tmp_path`, so a fault test breaks its own copy
with DuckDB SQL (a row deleted, a value changed, a journal row added): that models a migration
broken in the way a check guards against, without a second migration.

`run_checks` runs `checks/` on such a copy through pytester (in-process, so ~1 s a run) and returns
pytest's outcomes together with the `audit.json` the plugin wrote.

hypothesis is imported here, before any in-process run, so that pytester's restore of
`sys.modules` keeps it: otherwise the hypothesis plugin re-imports it in every inner run's
terminal summary, 2 s each.

`pytest_plugins = ["pytester"]` lives in the test modules: pytest refuses it in a conftest
that is not the root one.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import hypothesis  # noqa: F401  (see below)
import pytest

from migrate.apply import Journal, apply_plan
from migrate.audit.run import CHECKS
from migrate.snapshot.from_api import snapshot_from_api
from tests.plan.workspaces import (
    SOURCE_KEY,
    TARGET_KEY,
    connect,
    make_plan,
    new_source,
    new_target,
    take_snapshot,
)

FILES = ("source", "target", "state")
KEYS = (SOURCE_KEY, TARGET_KEY)
"""The API keys the clean migration used; no report may contain them."""


@dataclass(frozen=True)
class MigrationFiles:
    """The three files of one migration, and SQL on them (a fault is a statement or two)."""

    folder: Path

    @property
    def source(self) -> Path:
        return self.folder / "source.duckdb"

    @property
    def target(self) -> Path:
        return self.folder / "target.duckdb"

    @property
    def state(self) -> Path:
        return self.folder / "state.duckdb"

    def connect(self, which: str) -> duckdb.DuckDBPyConnection:
        """A read-write connection to `source`, `target` or `state` (close it, or use `with`)."""
        assert which in FILES
        return duckdb.connect(str(getattr(self, which)))

    def sql(self, which: str, statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement on `source`, `target` or `state`; the rows it returned, if any."""
        with self.connect(which) as con:
            cursor = con.execute(statement, params or [])
            return cursor.fetchall() if cursor.description else []

    def one(self, which: str, statement: str, params: list[Any] | None = None) -> Any:
        rows = self.sql(which, statement, params)
        assert rows, f"no row for: {statement}"
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def source_id(self, object_name: str, target_id: str) -> str:
        """The source id the journal mapped to `target_id`."""
        return str(self.one("state", "SELECT source_id FROM id_map WHERE object = ? AND target_id = ?", [object_name, str(target_id)]))

    def target_id(self, object_name: str, source_id: str) -> str:
        return str(self.one("state", "SELECT target_id FROM id_map WHERE object = ? AND source_id = ?", [object_name, str(source_id)]))

    def args(self, report_dir: Path) -> list[str]:
        return ["--source", str(self.source), "--target", str(self.target), "--state", str(self.state), "--report-dir", str(report_dir)]


@dataclass
class AuditRun:
    """One run of `checks/`: pytest's result, the failing node ids, and audit.json."""

    result: pytest.RunResult
    report_dir: Path
    failed: set[str] = field(default_factory=set)
    passed: set[str] = field(default_factory=set)
    data: dict[str, Any] = field(default_factory=dict)

    def outcome(self, nodeid: str) -> dict[str, Any]:
        """The audit.json entry of one check."""
        found = [r for r in self.data["results"] if r["nodeid"] == nodeid]
        assert len(found) == 1, f"{nodeid} is not in audit.json once: {[r['nodeid'] for r in self.data['results']]}"
        return found[0]

    @property
    def html(self) -> str:
        return (self.report_dir / "audit.html").read_text(encoding="utf-8")


async def _migrate(workdir: Path) -> None:
    source = new_source()
    await take_snapshot(source, workdir / "source.duckdb")
    target = new_target()
    plan = await make_plan(workdir / "source.duckdb", target)
    async with connect(target) as client:
        with Journal(workdir / "state.duckdb") as journal:
            await apply_plan(plan, client, journal)
        await snapshot_from_api(client, workdir / "target.duckdb")


@pytest.fixture(scope="session")
def clean_migration(tmp_path_factory: pytest.TempPathFactory) -> MigrationFiles:
    """source.duckdb, target.duckdb and state.duckdb of one clean migration (never modified)."""
    workdir = tmp_path_factory.mktemp("clean-migration")
    asyncio.run(_migrate(workdir))
    return MigrationFiles(workdir)


@pytest.fixture
def migration(clean_migration: MigrationFiles, tmp_path: Path) -> MigrationFiles:
    """This test's own copy of the clean migration, to break."""
    folder = tmp_path / "migration"
    folder.mkdir()
    for name in FILES:
        shutil.copyfile(getattr(clean_migration, name), folder / f"{name}.duckdb")
    return MigrationFiles(folder)


@pytest.fixture
def run_checks(pytester: pytest.Pytester) -> Callable[..., AuditRun]:
    """`run_checks(files, *extra)` runs `pytest checks/ --source ... --target ... --state ...` in-process."""
    counter = iter(range(1000))

    def run(files: MigrationFiles | None, *extra: str) -> AuditRun:
        report_dir = pytester.path / f"reports-{next(counter)}"
        args = [*(files.args(report_dir) if files is not None else []), *extra]
        result = pytester.runpytest(str(CHECKS), "-p", "no:cacheprovider", *args)
        out = AuditRun(result, report_dir)
        reprec = getattr(result, "reprec", None)
        if reprec is not None and result.ret in (0, 1):
            passed, _, failed = reprec.listoutcomes()
            out.passed = {r.nodeid for r in passed}
            out.failed = {r.nodeid for r in failed}
        if (report_dir / "audit.json").exists():
            out.data = json.loads((report_dir / "audit.json").read_text(encoding="utf-8"))
        return out

    return run
