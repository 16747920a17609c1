"""The configuration phase killed in the middle and run again: no duplicate, the same final state.

The phase runs alone (`apply_configuration`) from the demo snapshot of `clean_run` into a fresh
target, with a user token and `--workflows as-source`, so every kind of item is created: views and
their children, INDEX view updates, roles with permissions, member role assignments, workflows with
every version, trigger, step and activation, webhooks. The transport lets the server carry out the
N-th write, then raises before the migrator sees the answer (the worst moment: done in the target,
not yet in the journal). A second run on the same journal must end where an uninterrupted run
ends: the same configuration by name, the same number of rows in every configuration table, the
same manual steps. `CONFIG_KILL_ALL=1` (make soak) tries every N instead of a sample.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from migrate.apply import Journal
from migrate.apply.config import apply_configuration
from migrate.apply.manual_steps import manual_steps
from migrate.apply.rollback import rollback
from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.auth import ApiKey
from migrate.emulator.seed import SeedSpec, seed_workspace
from migrate.plan.config_plan import CONFIG_TABLES
from migrate.plan.plan import Plan
from migrate.settings import Endpoint, Secret
from migrate.snapshot.from_api import snapshot_from_api
from migrate.snapshot.reader import Snapshot
from migrate.twenty.client import TwentyClient
from tests.apply.conftest import Migration
from tests.apply.test_config_migration import TARGET_USER, config_of
from tests.plan.workspaces import FAST, NO_LIMIT, TARGET_KEY, TARGET_MEMBERS, TARGET_URL, make_plan, no_sleep


class Killed(BaseException):
    """The process dies: nothing in the migrator may catch it."""


class KillAfter(httpx.AsyncBaseTransport):
    """Counts the writes (REST POST/PATCH/DELETE, GraphQL mutations) of both clients; the `at`-th
    one reaches the server, then the run dies before its answer is read."""

    def __init__(self, app: Emulator, log: list[str], at: int | None) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.log = log
        self.at = at

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = request.content.decode("utf-8", "replace")
        mutation = re.search(r'"query":\s*"mutation \w*\s*(?:\([^)]*\))?\s*\{\s*(\w+)', body)
        if request.method != "GET" and (request.url.path.startswith("/rest") or mutation):
            path = request.url.path if request.method == "POST" else request.url.path.rsplit("/", 1)[0]
            self.log.append(mutation.group(1) if mutation else f"{request.method} {path}")
            if len(self.log) == self.at:
                raise Killed(f"killed after write {self.at}: {self.log[-1]}")
        return response


@dataclass
class Outcome:
    config: dict[str, Any]
    counts: dict[str, int]
    manual: list[tuple[str, str, str]]
    writes: list[str]


def new_target() -> Emulator:
    """Members only, as in the other apply tests (same seed, hence the same member ids), with a user token."""
    app = create_app(api_keys=[TARGET_KEY, ApiKey(TARGET_USER, user_session=True)], server_url=TARGET_URL, limits=NO_LIMIT)
    seed_workspace(app.workspace, SeedSpec(records=0, members=TARGET_MEMBERS, rng_seed=7, with_custom_objects=False))
    return app


async def run_config(plan: Plan, snapshot: Path, app: Emulator, state: Path, log: list[str], at: int | None) -> None:
    def client(key: str) -> TwentyClient:
        return TwentyClient(Endpoint(TARGET_URL, Secret(key)), FAST, transport=KillAfter(app, log, at), sleep=no_sleep)

    async with client(TARGET_KEY) as api, client(TARGET_USER) as user:
        with Journal(state) as journal, Snapshot(snapshot) as snap:
            await apply_configuration(plan, api, journal, snap, user_client=user, workflows="as-source")


async def outcome(app: Emulator, state: Path, writes: list[str]) -> Outcome:
    async with TwentyClient(Endpoint(TARGET_URL, Secret(TARGET_KEY)), FAST, transport=httpx.ASGITransport(app=app), sleep=no_sleep) as client:
        await snapshot_from_api(client, state.with_name("target.duckdb"), with_files=False)
    with Snapshot(state.with_name("target.duckdb")) as snap:
        counts = {t: int(snap.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in CONFIG_TABLES}  # type: ignore[index]
    with Journal(state) as journal:
        manual = manual_steps(journal)
    return Outcome(config_of(state.with_name("target.duckdb")), counts, manual, writes)


@pytest.fixture(scope="module")
def resume_setup(clean_run: Migration, tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Outcome]:
    """The plan (made against a fresh target) and what an uninterrupted configuration phase leaves."""
    workdir = tmp_path_factory.mktemp("config-reference")

    async def go() -> tuple[Plan, Outcome]:
        app = new_target()
        plan = await make_plan(clean_run.snapshot, app)
        log: list[str] = []
        await run_config(plan, clean_run.snapshot, app, workdir / "state.duckdb", log, None)
        return plan, await outcome(app, workdir / "state.duckdb", log)

    return asyncio.run(go())


KINDS = ("POST /rest/metadata/viewFilters", "updateWorkspaceMemberRole", "POST /rest/workflowVersions", "POST /rest/metadata/webhooks")
"""Where the default run kills: amid a view's children, a role assignment, a version of a workflow
with history, a webhook (each just done in the target, not yet in the journal)."""
EVERY = int(os.environ.get("CONFIG_KILL_ALL") or 0)
"""`CONFIG_KILL_ALL=1` (make soak): kill after each write in turn (points past the run's writes are skipped)."""


def test_the_reference_run_creates_every_kind_of_item(resume_setup: tuple[Plan, Outcome]) -> None:
    """The phase under test does create views, children, roles, assignments, workflow versions and
    webhooks (else killing it would prove little)."""
    _, ref = resume_setup
    assert len(ref.writes) > 40 and all(k in ref.writes for k in KINDS), ref.writes
    assert ref.counts["views"] > 10 and ref.counts["view_filters"] > 10 and ref.counts["webhooks"] == 2
    assert ref.counts["workflow_versions"] == 5 and {"Sales Rep", "Support"} <= set(ref.config["roles"])
    assert [v[1] for v in ref.config["workflows"]["Welcome new people"][:-1]] == ["ARCHIVED", "ACTIVE", "DRAFT"]


@pytest.mark.parametrize("kill", list(range(1, 400)) if EVERY else KINDS)
def test_a_config_phase_killed_after_a_write_and_run_again_ends_as_an_uninterrupted_one(
        kill: str | int, resume_setup: tuple[Plan, Outcome], clean_run: Migration, tmp_path: Path) -> None:
    """The killed run stops after that write (the first of its kind), the second run on the same
    journal finishes, and the target holds exactly the reference's configuration, row counts and
    manual steps."""
    plan, ref = resume_setup
    at = kill if isinstance(kill, int) else ref.writes.index(kill) + 1
    if at > len(ref.writes):
        pytest.skip(f"the run makes {len(ref.writes)} writes")
    state = tmp_path / "state.duckdb"

    async def go() -> Outcome:
        app = new_target()
        log: list[str] = []
        with pytest.raises(Killed):
            await run_config(plan, clean_run.snapshot, app, state, log, at)
        again: list[str] = []
        await run_config(plan, clean_run.snapshot, app, state, again, None)
        return await outcome(app, state, again)

    got = asyncio.run(go())
    where = f"killed after write {at} ({ref.writes[at - 1]})"
    assert got.counts == ref.counts, f"{where}: {json.dumps(got.counts)} != {json.dumps(ref.counts)}"
    assert got.config == ref.config, where
    assert got.manual == ref.manual, f"{where}: {set(got.manual) ^ set(ref.manual)}"
    # at most the three permission upserts of a role adopted after the kill are sent again (upserts: harmless)
    assert len(got.writes) <= len(ref.writes) - at + 3, f"{where}: the second run redid work ({len(got.writes)} writes)"


def test_a_rollback_after_a_killed_config_phase_removes_even_what_the_journal_did_not_record(
        resume_setup: tuple[Plan, Outcome], clean_run: Migration, tmp_path: Path) -> None:
    """Killed right after the server made the second webhook (its id only planned in the journal),
    then rolled back with the user token: the target's configuration is what it was before apply,
    the unrecorded webhook and the members' roles included."""
    plan, ref = resume_setup
    at = len(ref.writes) - ref.writes[::-1].index("POST /rest/metadata/webhooks")
    state = tmp_path / "state.duckdb"

    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        app = new_target()
        async with TwentyClient(Endpoint(TARGET_URL, Secret(TARGET_KEY)), FAST, transport=httpx.ASGITransport(app=app), sleep=no_sleep) as client:
            await snapshot_from_api(client, tmp_path / "before.duckdb", with_files=False)
            with pytest.raises(Killed):
                await run_config(plan, clean_run.snapshot, app, state, [], at)
            async with TwentyClient(Endpoint(TARGET_URL, Secret(TARGET_USER)), FAST, transport=httpx.ASGITransport(app=app), sleep=no_sleep) as user:
                with Journal(state) as journal:
                    assert journal.con.execute("SELECT count(*) FROM config_map WHERE kind = 'webhook_pending'").fetchone() == (1,)
                    await rollback(plan, client, journal, user_client=user)
            await snapshot_from_api(client, tmp_path / "after.duckdb", with_files=False)
        return config_of(tmp_path / "before.duckdb"), config_of(tmp_path / "after.duckdb")

    before, after = asyncio.run(go())
    assert after == before
    assert after["webhooks"] == [] and set(after["roles"]) == {"Admin", "Member"}
