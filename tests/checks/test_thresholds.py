"""Per-check thresholds from the audit config: a tolerated difference passes, and the verdict
says PASS WITH WARNINGS; one over the threshold still fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from migrate.audit.run import checks_dir


def _run(migration: object, tmp_path: Path, config: str | None) -> tuple[int, dict]:
    args = [sys.executable, "-m", "pytest", str(checks_dir()), "-q", "-p", "no:cacheprovider", "--source", str(migration.source),
            "--target", str(migration.target), "--state", str(migration.state), "--report-dir", str(tmp_path / "reports")]
    if config is not None:
        path = tmp_path / "audit.toml"
        path.write_text(config, encoding="utf-8")
        args += ["--audit-config", str(path)]
    code = subprocess.run(args, cwd=checks_dir().parent, capture_output=True, check=False).returncode
    return code, json.loads((tmp_path / "reports" / "audit.json").read_text(encoding="utf-8"))


def _change_one_company(target: Path) -> None:
    con = duckdb.connect(str(target))
    con.execute("""UPDATE records."company" SET name = 'Renamed by the threshold test' WHERE id = (SELECT min(id) FROM records."company")""")
    con.close()


def test_a_difference_within_the_threshold_passes_with_warnings(migration: object, tmp_path: Path) -> None:
    _change_one_company(migration.target)
    code, report = _run(migration, tmp_path, '[thresholds]\ntest_every_field_holds_the_source_value = { company = 1 }\n')
    assert code == 0
    assert report["verdict"] == "PASS WITH WARNINGS"
    assert any("company" in line and "tolerated" in line for line in report["tolerated"])


def test_a_difference_over_the_threshold_fails(migration: object, tmp_path: Path) -> None:
    _change_one_company(migration.target)
    code, report = _run(migration, tmp_path, '[thresholds]\ntest_every_field_holds_the_source_value = { person = 5 }\n')
    assert code == 1 and report["verdict"] == "FAIL"


def test_a_malformed_config_is_a_usage_error(migration: object, tmp_path: Path) -> None:
    args = [sys.executable, "-m", "pytest", str(checks_dir()), "-q", "-p", "no:cacheprovider", "--source", str(migration.source),
            "--target", str(migration.target), "--audit-config", str(tmp_path / "missing.toml")]
    result = subprocess.run(args, cwd=checks_dir().parent, capture_output=True, text=True, check=False)
    assert result.returncode == 4
    assert "audit config" in result.stdout + result.stderr



