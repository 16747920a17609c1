"""Exit codes of the audit, as documented.

`pytest checks/` keeps pytest's own: 0 every check passed, 1 a check failed, 4 usage error (a
snapshot missing or unreadable, one of --source/--target alone, no audit options at all), each
usage error one sentence on stderr. `twenty-migrate audit` documents its own in its help: 0
every check passed, 1 a check failed, 2 usage error (its own input checks, or pytest's 4).

`pytest checks/` runs in-process through pytester; the command runs as the installed console
script, as a person runs it (it starts `pytest checks/` in a subprocess itself).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.checks.conftest import AuditRun, MigrationFiles

pytest_plugins = ["pytester"]

Audit = Callable[..., AuditRun]
COMMAND = Path(sys.executable).parent / "twenty-migrate"


def break_a_value(files: MigrationFiles) -> None:
    files.sql("target", "UPDATE records.company SET name = 'Renamed in transit' "
                        "WHERE id = (SELECT min(id) FROM records.company WHERE \"deletedAt\" IS NULL)")


def one_sentence(text: str) -> str:
    """stderr as one line: rich may wrap a long sentence at the terminal width."""
    return " ".join(text.split())


# pytest checks/ ------------------------------------------------------------------------------
def test_pytest_checks_exits_0_when_every_check_passes(migration: MigrationFiles, run_checks: Audit) -> None:
    run = run_checks(migration)
    assert run.result.ret == pytest.ExitCode.OK == 0


def test_pytest_checks_exits_1_when_a_check_fails(migration: MigrationFiles, run_checks: Audit) -> None:
    break_a_value(migration)
    run = run_checks(migration)
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED == 1
    assert run.data["verdict"] == "FAIL"


@pytest.mark.parametrize(("case", "message"), [
    ("missing-target", r"ERROR: --target .*target\.duckdb does not exist; take it with `twenty-migrate snapshot`.*"),
    ("missing-state", r"ERROR: --state .*state\.duckdb does not exist; .*"),
    ("not-a-snapshot", r"ERROR: .*source\.duckdb is not a twenty-migrate snapshot .*"),
    ("source-alone", r"ERROR: The audit needs both --source and --target snapshots\."),
    ("target-alone", r"ERROR: The audit needs both --source and --target snapshots\."),
    ("no-options", r"ERROR: checks/ audits a migration: run `pytest checks/ --source source\.duckdb --target target\.duckdb .*`\."),
])
def test_pytest_checks_exits_4_on_a_usage_error(migration: MigrationFiles, pytester: pytest.Pytester, run_checks: Audit,
                                                case: str, message: str) -> None:
    """Bad input is pytest's usage error (4) with one sentence, never a failed or errored check."""
    source, target, state = (str(p) for p in (migration.source, migration.target, migration.state))
    args = {
        "missing-target": ["--source", source, "--target", str(pytester.path / "target.duckdb")],
        "missing-state": ["--source", source, "--target", target, "--state", str(pytester.path / "state.duckdb")],
        "not-a-snapshot": ["--source", str(pytester.path / "source.duckdb"), "--target", target],
        "source-alone": ["--source", source],
        "target-alone": ["--target", target, "--state", state],
        "no-options": [],
    }[case]
    if case == "not-a-snapshot":
        (pytester.path / "source.duckdb").write_text("not a snapshot\n")
    run = run_checks(None, *args)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR == 4
    run.result.stderr.re_match_lines([message])
    assert not (pytester.path / "reports").exists() and not run.data


# twenty-migrate audit ------------------------------------------------------------------------
def audit_command(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # hypothesis' pytest plugin (a test extra, not the product's) costs 2 s per pytest start.
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTEST_ADDOPTS": "-p no:hypothesispytest", **(env_extra or {})}
    return subprocess.run([str(COMMAND), "audit", *args], capture_output=True, text=True, timeout=120, env=env, check=False)


def test_the_audit_command_documents_its_exit_codes() -> None:
    result = audit_command("--help")
    assert result.returncode == 0, result.stderr
    assert "Exit codes: 0 every check passed, 1 a check failed, 2 usage error, 3 Twenty unreachable or key refused." in one_sentence(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("broken", [False, True], ids=["clean-0", "fault-1"])
def test_the_audit_command_exits_0_or_1(migration: MigrationFiles, tmp_path: Path, broken: bool) -> None:
    if broken:
        break_a_value(migration)
    result = audit_command(*migration.args(tmp_path / "reports"))
    assert result.returncode == (1 if broken else 0), result.stdout[-2000:] + result.stderr[-2000:]
    assert f"report: {tmp_path / 'reports' / 'audit.html'}" in result.stdout
    assert f"twenty-migrate audit: {'FAIL' if broken else 'PASS'}" in result.stdout
    assert (tmp_path / "reports" / "junit.xml").exists()


def test_the_audit_command_exits_2_on_a_missing_snapshot(migration: MigrationFiles, tmp_path: Path) -> None:
    result = audit_command("--source", str(migration.source), "--target", str(tmp_path / "target.duckdb"), "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 2
    assert re.fullmatch(r"error: --target .*target\.duckdb does not exist\.", one_sentence(result.stderr)), result.stderr
    assert not (tmp_path / "r").exists()


def test_the_audit_command_exits_2_without_a_target() -> None:
    result = audit_command("--source", "source.duckdb")
    assert result.returncode == 2
    assert "--target" in result.stderr


def test_the_audit_command_exits_2_when_pytest_reports_a_usage_error(migration: MigrationFiles, tmp_path: Path) -> None:
    """A file that is not a snapshot passes the command's own check (it exists) and stops pytest
    at configure time (4); the command turns that into its usage error, 2."""
    garbage = tmp_path / "source.duckdb"
    garbage.write_text("not a snapshot\n")
    result = audit_command("--source", str(garbage), "--target", str(migration.target), "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is not a twenty-migrate snapshot" in one_sentence(result.stderr)


def test_the_audit_command_exits_3_when_a_url_cannot_be_reached(tmp_path: Path) -> None:
    """`--source URL` is snapshotted first; a server that is down is exit 3, not a failed check."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = audit_command("--source", f"http://127.0.0.1:{port}", "--target", str(tmp_path / "t.duckdb"), "--report-dir", str(tmp_path / "r"),
                           env_extra={"TWENTY_SOURCE_API_KEY": "tw-canary-unreachable"})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Cannot reach" in result.stdout + result.stderr
