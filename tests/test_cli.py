"""The `twenty-migrate` command answers `--version` and `--help`, and serves an emulator a client can reach.

Follows STYLE B3/B4 (one message on stderr, documented exit codes, results on stdout) and the
emulator's own docs (`migrate/emulator/server.py`); the emulator it serves answers as
`rest/core/controllers/rest-api-core.controller.ts` does.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from migrate import __version__

COMMAND = Path(sys.executable).parent / "twenty-migrate"
"""The console script the project installs (there is no `migrate/__main__.py` for `python -m migrate`)."""

URL = re.compile(r"http://127\.0\.0\.1:\d+")


def run(*args: str, timeout: float = 60, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False)


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"twenty-migrate {__version__}"


@pytest.mark.parametrize("args", [("--help",), ("emulator", "--help"), ("emulator", "serve", "--help")])
def test_help_exits_zero(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_help_says_keys_come_only_from_the_environment_or_a_prompt() -> None:
    """Issue 7: keys come only from the environment or a prompt, and `--help` says so."""
    text = " ".join(run("--help").stdout.replace("│", " ").split())
    assert "API keys come only from the environment" in text and "TWENTY_SOURCE_API_KEY" in text
    assert "hidden prompt" in text and "never from an argument" in text


def test_emulator_serve_help_shows_an_example_and_its_options() -> None:
    """Help texts are complete: an example command and every option (STYLE B6 docs-as-tests)."""
    text = run("emulator", "serve", "--help").stdout
    assert "Example" in text and "twenty-migrate emulator serve --port" in text
    for option in ("--port", "--seed", "--api-key", "--rng-seed", "--rate-limit", "--db"):
        assert option in text


def read_url(process: subprocess.Popen[str], deadline: float) -> tuple[str, str]:
    """Read stderr until the base URL appears; returns it and what was read."""
    assert process.stderr is not None
    seen = ""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            line = process.stderr.readline()
            if not line:
                break
            seen += line
            if match := URL.search(line):
                return match.group(0), seen
    raise AssertionError(f"no URL on stderr within the deadline; read so far:\n{seen}")


@pytest.fixture
def served() -> Iterator[tuple[str, str]]:
    """`twenty-migrate emulator serve --port 0 --seed empty --api-key k` as a real process."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen([str(COMMAND), "emulator", "serve", "--port", "0", "--seed", "empty", "--api-key", "cli-test-key"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        yield read_url(process, time.monotonic() + 30)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_emulator_serve_prints_its_url_and_answers_with_the_key(served: tuple[str, str]) -> None:
    """The URL goes to stderr; the served workspace answers `GET /rest/companies` with the key
    (200, Twenty's envelope) and refuses it without (403)."""
    url, banner = served
    assert "cli-test-key" not in banner, "the key must never be printed"
    # The socket is bound before the banner but listens a moment later: retry the connect only.
    with httpx.Client(base_url=url, transport=httpx.HTTPTransport(retries=5), timeout=10) as c:
        response = c.get("/rest/companies", headers={"Authorization": "Bearer cli-test-key"})
        assert response.status_code == 200, response.text
        assert response.json()["data"]["companies"] == []
        assert c.get("/rest/companies").status_code == 403


def test_a_bad_seed_exits_2_with_one_line() -> None:
    """An unknown `--seed` is a usage error: exit 2 and one line on stderr, even on a narrow
    terminal, and no traceback (STYLE B3)."""
    seed = pytest.importorskip("migrate.emulator.seed")
    if not hasattr(seed, "spec_for"):
        pytest.skip("migrate.emulator.seed.spec_for is not written yet (the seed module is in development)")
    result = run("emulator", "serve", "--port", "0", "--seed", "not-a-seed", columns=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "not-a-seed" in lines[0] and "Traceback" not in result.stderr


# twenty-migrate audit: passes of an import by hand ---------------------------------------------
def test_audit_help_shows_final_and_objects_with_an_example() -> None:
    result = run("audit", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "--final" in text and "--objects" in text
    assert "twenty-migrate audit --source exports/ --target https://crm.example.com --objects company,person" in text


@pytest.mark.parametrize(("args", "expected"), [
    ([], {"final": False, "objects": None, "config": None, "state": None}),
    (["--final"], {"final": True, "objects": None}),
    (["--objects", "company, person,", "--config", "{config}"], {"final": False, "objects": ["company", "person"], "config": "{config}"}),
])
def test_audit_passes_final_objects_and_config_to_the_checklist(args: list[str], expected: dict[str, object], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The options reach `run_audit` (which turns them into `pytest checks/ --final --objects ...`)."""
    from typer.testing import CliRunner

    import migrate.audit.run
    from migrate.cli import app

    for name in ("source.duckdb", "target.duckdb", "audit.toml"):
        (tmp_path / name).write_bytes(b"")
    seen: dict[str, object] = {}

    def fake(source: object, target: object, **kwargs: object) -> int:
        seen.update(kwargs, source=source, target=target)
        return 0

    monkeypatch.setattr(migrate.audit.run, "run_audit", fake)
    config = str(tmp_path / "audit.toml")
    result = CliRunner().invoke(app, ["audit", "--source", str(tmp_path / "source.duckdb"), "--target", str(tmp_path / "target.duckdb"),
                                      "--report-dir", str(tmp_path / "r"), *(a.replace("{config}", config) for a in args)])
    assert result.exit_code == 0, result.output
    for key, value in expected.items():
        got = seen[key]
        assert (str(got) if isinstance(got, Path) else got) == (value.replace("{config}", config) if isinstance(value, str) else value)
    assert f"every pass: {tmp_path / 'r' / 'index.html'}" in result.output


def test_audit_objects_with_no_name_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "s.duckdb").write_bytes(b"")
    result = run("audit", "--source", str(tmp_path / "s.duckdb"), "--target", str(tmp_path / "s.duckdb"), "--objects", " , ")
    assert result.returncode == 2 and "--objects needs at least one object name" in result.stderr
