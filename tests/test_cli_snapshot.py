"""`twenty-migrate snapshot` and `snapshot-info` from the command line: results, messages, exit codes.

Exit codes (README): 0 done, 1 incomplete, 2 usage or configuration, 3 Twenty unreachable or key refused.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.emulator import create_app
from migrate.emulator.faults import Faults
from migrate.emulator.limits import RateLimit
from migrate.emulator.server import serve_in_thread

KEY = "tw-canary-cli-7f3a9c"
runner = CliRunner()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, object]]:
    app_ = create_app(seed="demo", api_keys=[KEY], limits=RateLimit(limit=100000, short_limit=100000))
    with serve_in_thread(app_) as url:
        yield url, app_


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_snapshot_writes_the_file_and_a_closing_line(server: tuple[str, object], tmp_path: Path) -> None:
    url, _ = server
    out = tmp_path / "source.duckdb"
    result = runner.invoke(app, ["snapshot", "--url", url, "--out", str(out), "--rate", "100000", "--quiet", "--json"],
                           env={"TWENTY_API_KEY": KEY})
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["records"] == sum(summary["counts"].values()) > 250 and summary["files"] > 0 and out.exists()
    info = runner.invoke(app, ["snapshot-info", str(out), "--json"])
    assert info.exit_code == 0
    assert json.loads(info.stdout)["objects"]["people"]["records"] == summary["counts"]["person"]
    assert KEY not in result.output + info.output


def test_a_wrong_key_exits_3_with_a_sentence_and_no_file(server: tuple[str, object], tmp_path: Path) -> None:
    url, _ = server
    out = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["snapshot", "--url", url, "--out", str(out), "--quiet"], env={"TWENTY_API_KEY": "tw-canary-wrong-key"})
    assert result.exit_code == 3
    assert "refused the API key" in result.output and "tw-canary-wrong-key" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_missing_key_exits_2_naming_the_variable(server: tuple[str, object], tmp_path: Path) -> None:
    url, _ = server
    result = runner.invoke(app, ["snapshot", "--url", url, "--out", str(tmp_path / "s.duckdb"), "--api-key-env", "MY_KEY"], env={})
    assert result.exit_code == 2
    assert "MY_KEY" in result.output


@pytest.mark.parametrize("bad", ["not a url", "ftp://host", "https://user:secret@host.example", "https://host.example/?token=abc"])
def test_a_malformed_url_exits_2_without_echoing_credentials(bad: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["snapshot", "--url", bad, "--out", str(tmp_path / "s.duckdb")], env={"TWENTY_API_KEY": KEY})
    assert result.exit_code == 2, result.output
    assert "secret" not in result.output and "token=abc" not in result.output


def test_a_server_that_is_down_exits_3(tmp_path: Path) -> None:
    result = runner.invoke(app, ["snapshot", "--url", f"http://127.0.0.1:{_free_port()}", "--out", str(tmp_path / "s.duckdb"), "--quiet"],
                           env={"TWENTY_API_KEY": KEY})
    assert result.exit_code == 3
    assert "Cannot reach" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_429_storm_slows_the_snapshot_but_changes_nothing(tmp_path: Path) -> None:
    """With a third of requests answered 429 (Retry-After: 1), the snapshot completes with every record."""
    app_ = create_app(seed="demo", api_keys=[KEY], limits=RateLimit(limit=100000, short_limit=100000), faults=Faults(rate_429=0.3, seed=3))
    with serve_in_thread(app_) as url:
        result = runner.invoke(app, ["snapshot", "--url", url, "--out", str(tmp_path / "s.duckdb"), "--rate", "100000", "--quiet", "--json", "--no-files"],
                               env={"TWENTY_API_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"] > 250
    assert app_.fault_layer.injected["429"] > 0


def test_snapshot_info_on_a_file_that_is_not_a_snapshot_exits_2(tmp_path: Path) -> None:
    bogus = tmp_path / "x.duckdb"
    bogus.write_text("hello")
    result = runner.invoke(app, ["snapshot-info", str(bogus)])
    assert result.exit_code == 2  # an input to change (README: usage error), not a failed run
    assert "not a twenty-migrate snapshot" in result.output


def test_snapshot_needs_exactly_one_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["snapshot", "--out", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2
    assert "exactly one of --url or --csv-dir" in result.output
