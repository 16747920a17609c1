"""Bad access: a wrong key, an expired key, a URL that is not Twenty, a snapshot file of another
tool version. Each is refused before anything is written, with exit 3 (Twenty unreachable or key
refused) or 2 (an input to change), and a sentence naming the server or file and what to do.

The client-level twins (every status and transport failure, the key never in a message) are in
`tests/twenty/test_client_errors.py`; a wrong key on `snapshot --url` is in `tests/test_cli_snapshot.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from migrate.emulator import create_app
from migrate.emulator.auth import ApiKey
from migrate.snapshot.from_csv import snapshot_from_csv
from migrate.snapshot.tables import FORMAT_VERSION
from tests.corpus.conftest import CORPUS, cli, served
from tests.plan.workspaces import NO_LIMIT, TARGET_KEY, new_target

WRONG_KEY = "tw-canary-corpus-wrong-0d5e"
EXPIRED_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjb3JwdXMifQ.expired-corpus-canary"


def test_a_wrong_key_stops_plan_before_anything_is_written(tmp_path: Path) -> None:
    """`plan` with a key the target does not know: exit 3, the server and the advice, no plan file."""
    source = tmp_path / "source.duckdb"
    snapshot_from_csv(CORPUS / "formula-cells", _schema(tmp_path), source)
    with served(new_target()) as url:
        run = cli("plan", "--source", str(source), "--target", url, "--out", str(tmp_path / "plan.json"), "--quiet",
                  env={"TWENTY_TARGET_API_KEY": WRONG_KEY})
    assert run.code == 3, run.output
    assert f"error: {url} refused the API key on POST {url}/metadata (No payload); check that the key is valid" in run.text
    assert WRONG_KEY not in run.output and not (tmp_path / "plan.json").exists()


def test_an_expired_key_says_it_expired_and_where_to_make_a_new_one(tmp_path: Path) -> None:
    """Twenty answers an expired key with 401 `Token has expired.` (`jwt-wrapper.service.ts`,
    `verifyJwtToken`: `TokenExpiredError` → `AuthException('Token has expired.', UNAUTHENTICATED)`)."""
    emulator = create_app(api_keys=[ApiKey(EXPIRED_KEY, expires_at="2026-01-01T00:00:00.000Z")], limits=NO_LIMIT)
    out = tmp_path / "source.duckdb"
    with served(emulator) as url:
        run = cli("snapshot", "--url", url, "--out", str(out), "--quiet", env={"TWENTY_API_KEY": EXPIRED_KEY})
    assert run.code == 3, run.output
    assert f"error: {url} refused the API key on POST {url}/metadata (Token has expired.): the key has expired" in run.text
    assert "Create a new key in Twenty (Settings → APIs & Webhooks)" in run.text
    assert EXPIRED_KEY not in run.output and list(tmp_path.iterdir()) == []


def _not_twenty(kind: str) -> Starlette:
    """Servers people mistake for Twenty: a web server's page, a JSON API that knows no such path, a JSON API that answers anything."""
    async def page(request: Request) -> Response:
        if kind == "html":
            return HTMLResponse("<!doctype html><title>Welcome to nginx!</title>")
        if kind == "json-404":
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return JSONResponse({"status": "ok", "version": "2.1.0"})

    app = Starlette()
    app.add_route("/{path:path}", page, methods=["GET", "POST"])
    return app


@pytest.fixture(params=["html", "json-404", "json-anything", "twenty-url-with-a-path"])
def not_twenty_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "twenty-url-with-a-path":
        with served(create_app(api_keys=[TARGET_KEY], limits=NO_LIMIT)) as url:
            yield url + "/rest"
        return
    with served(_not_twenty(request.param)) as url:
        yield url


def test_a_url_that_is_not_twenty_exits_3_asking_for_the_right_address(not_twenty_url: str, tmp_path: Path) -> None:
    """GET /client-config is the first request (public, `client-config.controller.ts`); what answers
    it without Twenty's configuration is not Twenty: exit 3, nothing written, a hint about the URL."""
    run = cli("snapshot", "--url", not_twenty_url, "--out", str(tmp_path / "s.duckdb"), "--quiet", env={"TWENTY_API_KEY": TARGET_KEY})
    assert run.code == 3, run.output
    assert run.text.startswith(f"error: {not_twenty_url}")
    assert "is this a Twenty server?" in run.text or ("does not look like a Twenty server" in run.text and "Check the URL" in run.text)
    assert list(tmp_path.iterdir()) == []


def _schema(tmp_path: Path) -> Path:
    """The schema of an emulated workspace, as a snapshot file (the form `--schema` also reads)."""
    import asyncio

    from tests.plan.workspaces import take_snapshot

    source = create_app(api_keys=["migrate-test-source-key"], server_url="http://source.test", limits=NO_LIMIT)
    return asyncio.run(take_snapshot(source, tmp_path / "schema.duckdb"))


@pytest.mark.parametrize("version, tool, advice", [
    (FORMAT_VERSION + 1, "9.9.9", "or upgrade twenty-migrate to 9.9.9 or later to read this one."),
    (FORMAT_VERSION - 1, "0.0.1", "Take the snapshot again with this version (`twenty-migrate snapshot`)."),
], ids=["newer", "older"])
def test_a_snapshot_of_another_tool_version_is_refused_naming_both_versions(version: int, tool: str, advice: str, tmp_path: Path) -> None:
    """`snapshot-info` and `plan` refuse it the same way: exit 2 (a file to replace), the file, its format and tool, ours, and what to do."""
    old = _schema(tmp_path)
    with duckdb.connect(str(old)) as con:
        con.execute("UPDATE snapshot_info SET format_version = ?, tool_version = ?", [version, tool])
    expected = f"error: {old} was written in snapshot format {version} (tool {tool}); this twenty-migrate"
    info = cli("snapshot-info", str(old))
    with served(new_target()) as url:
        plan = cli("plan", "--source", str(old), "--target", url, "--out", str(tmp_path / "plan.json"), env={"TWENTY_TARGET_API_KEY": TARGET_KEY})
    for run in (info, plan):
        assert run.code == 2, run.output
        assert run.text.startswith(expected) and f"reads format {FORMAT_VERSION}" in run.text and run.text.endswith(advice)
    assert not (tmp_path / "plan.json").exists()
