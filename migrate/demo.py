"""The demo: a whole migration between two emulated workspaces on 127.0.0.1.

The source is the `demo` seed (every field type, custom objects with a cycle and a
self-reference, notes and tasks with several targets, attachments, soft-deleted records); the
target is empty but for its members, one of whom is missing, so the plan needs the fallback
owner. Every step is the library call the CLI makes, over real HTTP.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from migrate.apply import Journal, apply_plan
from migrate.apply.rejects import write_rejects
from migrate.apply.runner import ApplySummary
from migrate.emulator import create_app
from migrate.emulator.limits import RateLimit
from migrate.emulator.seed import DEMO_MEMBERS, SeedSpec, seed_workspace
from migrate.emulator.server import serve_in_thread
from migrate.plan import Plan, build_plan, save_plan
from migrate.progress import NULL_PROGRESS, Progress
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.snapshot.from_api import SnapshotSummary, snapshot_from_api
from migrate.twenty.client import TwentyClient

FALLBACK_OWNER = DEMO_MEMBERS[0].email
DEMO_RATE = 6000
"""Requests per minute the demo's emulators allow (Twenty's default, 100, would make it take minutes)."""


@dataclass(slots=True)
class DemoRun:
    """Where the demo's workspaces live and what it wrote."""

    source_url: str
    target_url: str
    source_key: Secret
    target_key: Secret
    workdir: Path
    """The keys are throwaway keys of the two emulated workspaces, made for this run."""
    source_snapshot: SnapshotSummary | None = None
    target_snapshot: SnapshotSummary | None = None
    plan: Plan | None = None
    applied: ApplySummary | None = None
    files: dict[str, Path] = field(default_factory=dict)
    verdict: str = ""


@contextmanager
def demo_workspaces(source_port: int = 3000, target_port: int = 3001, *, rng_seed: int = 0, source_key: str | None = None,
                    target_key: str | None = None) -> Iterator[tuple[str, str, str, str]]:
    """Serve the two demo workspaces; yields their URLs and the test keys they accept (made
    for this run, plain strings since they are no one's secret), stops them on exit."""
    source_key = source_key or f"demo-source-{secrets.token_hex(8)}"
    target_key = target_key or f"demo-target-{secrets.token_hex(8)}"
    limits = RateLimit(limit=DEMO_RATE, short_limit=DEMO_RATE)
    source = create_app(seed="demo", rng_seed=rng_seed, api_keys=[source_key], limits=limits)
    target = create_app(api_keys=[target_key], limits=limits)
    seed_workspace(target.workspace, SeedSpec(records=0, members=DEMO_MEMBERS[:-1], rng_seed=rng_seed + 1, with_custom_objects=False))
    with ExitStack() as stack:
        source_url = stack.enter_context(serve_in_thread(source, port=source_port))
        target_url = stack.enter_context(serve_in_thread(target, port=target_port))
        yield source_url, target_url, source_key, target_key


async def run_migration(run: DemoRun, progress: Progress = NULL_PROGRESS) -> DemoRun:
    """snapshot source -> plan -> apply -> snapshot target, writing every artefact in `run.workdir`."""
    work = run.workdir
    work.mkdir(parents=True, exist_ok=True)
    settings = ClientSettings(requests_per_minute=DEMO_RATE * 0.9)
    files = {"source": work / "source.duckdb", "plan": work / "plan.json", "state": work / "state.duckdb",
             "rejects": work / "rejects.csv", "target": work / "target.duckdb"}
    for stale in ("state", "target"):
        files[stale].unlink(missing_ok=True)
    async with TwentyClient(Endpoint(run.source_url, run.source_key), settings) as source:
        run.source_snapshot = await snapshot_from_api(source, files["source"], progress=progress)
    async with TwentyClient(Endpoint(run.target_url, run.target_key), settings) as target:
        version = await target.check_version()
        run.plan = build_plan(files["source"], await target.objects(), await target.members(), target_url=target.endpoint.url,
                              target_version=version, fallback_owner=FALLBACK_OWNER)
        save_plan(run.plan, files["plan"])
        with Journal(files["state"]) as journal:
            run.applied = await apply_plan(run.plan, target, journal, progress=progress)
            write_rejects(files["rejects"], journal.rejects())
        run.target_snapshot = await snapshot_from_api(target, files["target"], progress=progress)
    run.files = files
    return run


def audit_migration(run: DemoRun) -> int:
    """`pytest checks/` over the demo's snapshots and journal; writes `<workdir>/reports/`."""
    import json

    from migrate.audit.run import run_audit

    report_dir = run.workdir / "reports"
    code = run_audit(run.files["source"], run.files["target"], state=run.files["state"], report_dir=report_dir)
    run.files["report"] = report_dir / "audit.html"
    run.verdict = json.loads((report_dir / "audit.json").read_text(encoding="utf-8")).get("verdict", "FAIL")
    return code
