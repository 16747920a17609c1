"""No API key in anything a run writes: a whole migration and audit with canary keys, then a
scan of every file, every log record and everything printed (STYLE B5, issue "Reliability and
security")."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from migrate.demo import DemoRun, audit_migration, demo_workspaces, run_migration
from migrate.settings import Secret

SOURCE_KEY = "tw-canary-source-9f1c2e7a5b"
TARGET_KEY = "tw-canary-target-3d8b6a0c4e"


def test_a_full_migration_and_audit_write_no_key_anywhere(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    with demo_workspaces(0, 0, source_key=SOURCE_KEY, target_key=TARGET_KEY) as (source_url, target_url, _, _):
        run = DemoRun(source_url, target_url, Secret(SOURCE_KEY), Secret(TARGET_KEY), tmp_path / "work")
        asyncio.run(run_migration(run))
        assert audit_migration(run) == 0
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"source.duckdb", "target.duckdb", "state.duckdb", "plan.json", "rejects.csv", "audit.html",
                                         "audit.json", "junit.xml"}
    for path in written:
        data = path.read_bytes()
        for key in (SOURCE_KEY, TARGET_KEY):
            assert key.encode() not in data, f"{key} found in {path}"
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    printed = capfd.readouterr()
    for key in (SOURCE_KEY, TARGET_KEY):
        assert key not in logged and key not in printed.out and key not in printed.err
    assert len(caplog.records) > 0, "httpx logs its requests at DEBUG/INFO: the scan saw them"
