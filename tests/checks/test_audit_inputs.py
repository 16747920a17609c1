"""`pytest checks/ --source S --target T`: S and T may each be a snapshot, a URL or a folder of CSV exports.

A URL is snapshotted into the run's report folder with the key of TWENTY_SOURCE_API_KEY /
TWENTY_TARGET_API_KEY; what goes wrong on the way (no key, a refused key, nobody listening) is a
usage error (exit 4) saying what to do, and no key is ever printed or written. A folder of the UI's
CSV exports is read by the code of `snapshot --csv-dir`, typed by the other side's snapshot.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.audit.report import passes, write_index
from migrate.audit.run import CHECKS
from migrate.emulator import create_app
from migrate.emulator.server import serve_in_thread
from tests.plan.workspaces import NO_LIMIT
from tests.snapshot.conftest import Workspace, _read
from tests.snapshot.twenty_csv_export import write_export

pytest_plugins = ["pytester"]

KEY = "audit-inputs-secret-key-0123456789"
MANUAL = "checks/test_manual_items.py::"


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """The demo workspace served on 127.0.0.1, reached with KEY."""
    with serve_in_thread(create_app(api_keys=[KEY], seed="demo", limits=NO_LIMIT)) as url:
        yield url


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, Path]:
    report_dir = pytester.path / "reports"
    result = pytester.runpytest(str(CHECKS), "-p", "no:cacheprovider", "--report-dir", str(report_dir), "--rate", "1000000", *args)
    return result, report_dir


def written_text(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_urls_are_snapshotted_into_the_run_folder(pytester: pytest.Pytester, demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both sides given as the same workspace's URL: each is snapshotted into `reports/<run>/`, every
    record matches by id, the audit passes (the manual items await their sign-off), and the key is
    in no output and no file."""
    monkeypatch.setenv("TWENTY_SOURCE_API_KEY", KEY)
    monkeypatch.setenv("TWENTY_TARGET_API_KEY", KEY)
    result, report_dir = run(pytester, "--source", demo_url, "--target", demo_url, "--final")
    assert result.ret == 0, result.stdout.str()[-3000:]
    (folder,) = [p for p in report_dir.iterdir() if p.is_dir()]
    assert {"source.duckdb", "target.duckdb", "audit.html", "audit.json"} <= {p.name for p in folder.iterdir()}
    data = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    assert data["metadata"]["source"]["url"] == demo_url and data["metadata"]["source_file"] == str(folder / "source.duckdb")
    assert data["matching"]["objects"]["company"]["method"] == "id (27)"
    assert KEY.encode() not in written_text(report_dir)
    assert KEY not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(("env", "url", "message"), [
    ({}, None, r"ERROR: No API key: set the environment variable TWENTY_SOURCE_API_KEY .*"),
    ({"TWENTY_SOURCE_API_KEY": "wrong-key-abcdef-987654"}, None, r"ERROR: http://127\.0\.0\.1:\d+ refused the API key .*"),
    ({"TWENTY_SOURCE_API_KEY": KEY}, "http://user:pass@127.0.0.1:1", r"ERROR: --source must not carry credentials.*"),
])
def test_a_url_that_cannot_be_snapshotted_is_a_usage_error(pytester: pytest.Pytester, demo_url: str, monkeypatch: pytest.MonkeyPatch,
                                                           env: dict[str, str], url: str | None, message: str) -> None:
    """No key, a refused key, nobody listening, credentials in the URL: exit 4 with what to do,
    no key printed, no report folder left behind."""
    monkeypatch.delenv("TWENTY_SOURCE_API_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    target = pytester.path / "target.duckdb"
    target.write_bytes(b"")  # never opened: the source fails first
    result, report_dir = run(pytester, "--source", url or demo_url, "--target", str(target), "--objects", "company")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.re_match_lines([message])
    assert "wrong-key-abcdef-987654" not in result.stdout.str() + result.stderr.str() and KEY not in result.stderr.str()
    assert not report_dir.exists()


def test_nobody_listening_at_the_url_says_so(tmp_path: Path) -> None:
    """A closed port: the error the plugin turns into a usage error names the URL and what to check.
    (In a fresh interpreter: in-process pytester runs re-import httpcore, and httpx then no longer
    maps its connection error; the other usage errors above go through pytest.)"""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    (tmp_path / "t.duckdb").write_bytes(b"")  # never opened: the source fails first
    code = ("import sys; from pathlib import Path; from migrate.audit.inputs import resolve; from migrate.errors import MigrateError\n"
            "try:\n    resolve(sys.argv[1], sys.argv[2], Path(sys.argv[3]), rate=1e6)\n"
            "except MigrateError as exc:\n    print(exc); sys.exit(4)")
    done = subprocess.run([sys.executable, "-c", code, url, str(tmp_path / "t.duckdb"), str(tmp_path / "run")], capture_output=True, text=True,
                          env={**os.environ, "TWENTY_SOURCE_API_KEY": KEY}, check=False, timeout=60)
    assert done.returncode == 4, done.stderr
    assert re.fullmatch(r"Cannot reach http://127\.0\.0\.1:\d+ .*check the URL and the network\.\n", done.stdout)
    assert KEY not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    """The demo workspace's API snapshot and its objects exported as the UI's CSV files (E5)."""
    folder = tmp_path_factory.mktemp("exports")
    workspace = asyncio.run(_read(folder))
    (folder / "csv").mkdir()
    for obj in workspace.exportable():
        write_export(folder / "csv", obj, workspace.live[obj.name_singular])
    return workspace, folder / "csv"


def test_a_folder_of_csv_exports_is_a_source(pytester: pytest.Pytester, exported: tuple[Workspace, Path]) -> None:
    """The CSV exports as the source, the API snapshot as the target: the folder is typed by the
    target's snapshot, every exported record matches by id and holds the same values."""
    workspace, csv_dir = exported
    result, report_dir = run(pytester, "--source", str(csv_dir), "--target", str(workspace.api_snapshot), "--final")
    assert result.ret == 0, result.stdout.str()[-3000:]
    data = json.loads((report_dir / "audit.json").read_text(encoding="utf-8"))
    assert data["metadata"]["source"]["origin"] == "csv"
    assert {r["item"] for r in data["results"] if r["item"]} == {o.name_singular for o in workspace.exportable()}
    assert {r["outcome"] for r in data["results"] if not r["nodeid"].startswith(MANUAL)} <= {"passed", "skipped"}
    (folder,) = [p for p in report_dir.iterdir() if p.is_dir()]
    assert (folder / "source.duckdb").is_file()


def test_two_folders_of_csv_exports_need_a_schema(pytester: pytest.Pytester, exported: tuple[Workspace, Path]) -> None:
    _, csv_dir = exported
    result, _ = run(pytester, "--source", str(csv_dir), "--target", str(csv_dir))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.re_match_lines([r"ERROR: --source .* is a folder of CSV exports: its data model comes from --csv-schema .*"])


def test_the_index_lists_every_pass_newest_first_escaped(tmp_path: Path) -> None:
    """index.html is built from each run's audit.json: newest first, verdict and counts, and any text
    from the data (an object name, a check) shown as text, never as markup."""
    for folder, verdict, item in (("2026-11-29T10-00-00Z", "PASS WITH WARNINGS", "company"),
                                  ("2026-11-29T11-00-00Z", "FAIL", "<script>alert(1)</script>")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "audit.json").write_text(json.dumps({
            "verdict": verdict, "generated_at": folder, "counts": {"passed": 3, "pending": 2},
            "pass": {"final": verdict == "FAIL", "objects": [item], "pending": ["person"]},
            "results": [{"area": "record fields", "name": "test_x", "item": item, "outcome": "failed" if verdict == "FAIL" else "passed"}]}),
            encoding="utf-8")
    (tmp_path / "not-a-run").mkdir()
    index = write_index(tmp_path).read_text(encoding="utf-8")
    assert [p["folder"] for p in passes(tmp_path)] == ["2026-11-29T11-00-00Z", "2026-11-29T10-00-00Z"]
    assert index.index("2026-11-29T11-00-00Z") < index.index("2026-11-29T10-00-00Z")
    assert "<script>" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "record fields: test_x [&lt;script&gt;alert(1)&lt;/script&gt;]" in index
    assert "3 passed · 2 pending" in index and "final pass" in index and "pending: person" in index
    assert "<link" not in index and "src=" not in index  # self-contained
