"""A whole migration through a storm: 30 % of requests answered 429, 5 % 5xx, 5 % connections
dropped mid-response (after the server did the work), 0-4 ms of latency on every request, and
the target's server restarted twice while `apply` runs (once in the records, once in the
configuration phase; down 0.2 s each, in-flight requests cut off, then back on the same port
over the same SQLite file). The result is the clean run's: records, configuration, journal; the
audit passes.

About 20 s on the 2-core machine; it runs in `make test` (issue 7 asks for it there) and in
`make soak`.

`apply` runs in-process over a real socket; its waits (backoff, Retry-After) pass 200 times
faster than written (`quick`, and the rate limiter's clock with them), so the storm costs
seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from migrate.apply import Journal, apply_plan
from migrate.audit.run import run_audit
from migrate.emulator.app import Emulator
from migrate.emulator.faults import Faults
from migrate.emulator.server import ServedApp
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.snapshot.from_api import snapshot_from_api
from migrate.twenty.client import TwentyClient
from migrate.twenty.limiter import RateLimiter
from tests.plan.workspaces import TARGET_KEY, connect
from tests.reliability.phases import phase_of
from tests.reliability.workbench import Reference, differences_from, journal_differences, new_target, plan_for

STORM = Faults(rate_429=0.30, rate_5xx=0.05, drop_rate=0.05, latency_min=0.0, latency_max=0.004)
RESTART_AT = (("records", 1), ("config", 60))
"""(phase, n): restart the server when it sees the n-th request of that phase."""
DOWN_FOR = 0.2


SPEED = 200.0


async def quick(seconds: float) -> None:
    """Backoff and Retry-After, 200 times faster: the client's policy, not the clock, is tested."""
    await asyncio.sleep(seconds / SPEED)


def quick_clock() -> float:
    """The rate limiter's clock, as fast as its sleep (a pause after a 429 passes in 1/200 of it)."""
    return time.monotonic() * SPEED


class Storm:
    """The target behind `ServedApp`, rebuilt over one SQLite file at each restart, with the
    storm's faults and an observer that restarts it at the chosen requests."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.workspace_id = str(uuid.uuid4())
        self.apps: list[Emulator] = []
        self.seen: Counter[str] = Counter()
        self.pending = list(RESTART_AT)
        self.restarting: list[threading.Thread] = []
        self.served = ServedApp(self.make_app)

    def make_app(self) -> Emulator:
        app = new_target(workspace_id=self.workspace_id, db_path=str(self.db), seed=not self.apps)
        app.fault_layer.configure(replace(STORM, seed=len(self.apps)))
        app.fault_layer.observers.append(self.observe)
        self.apps.append(app)
        return app

    def observe(self, method: str, path: str, body: bytes) -> None:
        phase = phase_of(method, path, body)
        if phase is None:
            return
        self.seen[phase] += 1
        if self.pending and (phase, self.seen[phase]) == self.pending[0]:
            self.pending.pop(0)
            thread = threading.Thread(target=self.served.restart, args=(DOWN_FOR,), daemon=True)
            self.restarting.append(thread)
            thread.start()

    def injected(self) -> Counter[str]:
        return sum((Counter(app.fault_layer.injected) for app in self.apps), Counter())

    def calm(self) -> None:
        for thread in self.restarting:
            thread.join(timeout=30)
        self.served.app.fault_layer.configure(Faults())


@pytest.mark.slow
def test_a_migration_through_a_storm_and_two_restarts_ends_as_the_clean_run(reference: Reference, tmp_path: Path) -> None:
    storm = Storm(tmp_path / "target.sqlite")
    state = tmp_path / "state.duckdb"
    settings = ClientSettings(requests_per_minute=1e9)

    async def migrate(url: str) -> int:
        limiter = RateLimiter(settings.requests_per_minute, burst=5, clock=quick_clock, sleep=quick)
        async with TwentyClient(Endpoint(url, Secret(TARGET_KEY)), settings, sleep=quick, limiter=limiter) as client:
            plan = await plan_for(reference.snapshot, client, url)
            with Journal(state) as journal:
                await apply_plan(plan, client, journal)
            storm.calm()
            retries = client.retries
        async with connect(None, url=url) as client:
            problems = await differences_from(reference, client, plan)
            assert not problems, "\n".join(problems)
            await snapshot_from_api(client, tmp_path / "target.duckdb")
        return retries

    started = time.monotonic()
    with storm.served as served:
        retries = asyncio.run(migrate(served.url))
        injected = storm.injected()
        answered = sum(sum(app.request_counts.values()) for app in storm.apps)
    migrated = time.monotonic() - started
    print(f"\nstorm: {answered} requests, injected {dict(injected)}, {served.restarts} restarts, "
          f"{retries} client retries; migrated and compared in {migrated:.1f} s")
    assert served.restarts == len(RESTART_AT) and not storm.pending
    assert injected["429"] > 50 and injected["5xx"] > 5 and injected["drop"] > 5
    assert journal_differences(reference.journal, state) == []
    assert run_audit(reference.snapshot, tmp_path / "target.duckdb", state=state, report_dir=tmp_path / "reports") == 0
