"""What the kill tests share: a migration prepared in the test process, `apply` run as a real
subprocess against a target emulator on a socket, and the checks that nothing was lost or twinned.

The source is seeded in-process and snapshotted through `httpx.ASGITransport`; the target is one
emulator on 127.0.0.1 for the whole test (it must outlive every killed `apply`), with its rate
limit off. Verification snapshots the target through the API with the product's own
`snapshot_from_api`, then compares the two DuckDB files, and reads the journal file.

FILES: the source is snapshotted without attachment bytes, because the emulator's download
route cannot send a file whose name is not Latin-1 (`Content-Disposition` in
`emulator/routes/files.py`), and the seed names some files in Japanese or Arabic.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.limits import RateLimit
from migrate.emulator.server import serve_in_thread
from migrate.plan.plan import Plan, build_plan, save_plan
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.snapshot.from_api import snapshot_from_api
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_table
from migrate.twenty.client import TwentyClient

SOURCE_KEY = "kill-test-source-key"
TARGET_KEY = "kill-test-target-key"
FAST = ClientSettings(requests_per_minute=1e9)
UNLIMITED = RateLimit(enabled=False)
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Migration:
    """A prepared migration: snapshot and plan written, journal not yet created."""

    workdir: Path
    source_snapshot: Path
    plan_path: Path
    state: Path
    rejects: Path
    target_url: str
    plan: Plan


@contextmanager
def running_target() -> Iterator[tuple[Emulator, str]]:
    """An empty target workspace (members only) on a real socket, without a rate limit."""
    app = create_app(seed="empty", api_keys=[TARGET_KEY], limits=UNLIMITED)
    with serve_in_thread(app) as url:
        yield app, url


def prepare_migration(workdir: Path, records: int, target_url: str, *, rng_seed: int = 0) -> Migration:
    """Seed a source with `records` records, snapshot it, and plan its move to the target."""
    source = create_app(seed=str(records), rng_seed=rng_seed, api_keys=[SOURCE_KEY], limits=UNLIMITED, server_url="http://source.test")
    snapshot_path = workdir / "source.duckdb"
    plan_path = workdir / "plan.json"

    async def go() -> Plan:
        transport = httpx.ASGITransport(app=source)
        async with TwentyClient(Endpoint("http://source.test", Secret(SOURCE_KEY)), FAST, transport=transport) as client:
            await snapshot_from_api(client, snapshot_path, with_files=False)  # file bytes: see FILES
        async with TwentyClient(Endpoint(target_url, Secret(TARGET_KEY)), FAST) as client:
            return build_plan(snapshot_path, await client.objects(), await client.members(), target_url=target_url)

    plan = asyncio.run(go())
    assert not plan.blocking, plan.blocking
    save_plan(plan, plan_path)
    return Migration(workdir, snapshot_path, plan_path, workdir / "state.duckdb", workdir / "rejects.csv", target_url, plan)


def apply_argv(migration: Migration) -> list[str]:
    return [sys.executable, "-m", "migrate.cli", "apply", str(migration.plan_path), "--state", str(migration.state),
            "--rejects", str(migration.rejects), "--rate", "1000000", "--quiet"]


def apply_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWENTY_")}
    env["TWENTY_TARGET_API_KEY"] = TARGET_KEY
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_apply(migration: Migration) -> subprocess.Popen[bytes]:
    return subprocess.Popen(apply_argv(migration), cwd=migration.workdir, env=apply_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill(process: subprocess.Popen[bytes]) -> tuple[int | None, str]:
    """SIGKILL, then reap. Returns the exit code if the run had already ended by itself (else
    None), and what it wrote on stderr."""
    ended = process.poll()
    if ended is None:
        process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate(timeout=30)
    return ended, stderr.decode(errors="replace")


def run_apply_to_completion(migration: Migration, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(apply_argv(migration), cwd=migration.workdir, env=apply_env(), capture_output=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"apply exited {done.returncode}:\n{done.stdout.decode()}\n{done.stderr.decode()}"
    return done


def snapshot_target(migration: Migration) -> Path:
    out = migration.workdir / "target.duckdb"

    async def go() -> None:
        async with TwentyClient(Endpoint(migration.target_url, Secret(TARGET_KEY)), FAST) as client:
            await snapshot_from_api(client, out, with_files=False)

    asyncio.run(go())
    return out


def assert_migrated_exactly_once(migration: Migration) -> dict[str, Any]:
    """Every source record is in the target once, under the id the journal says, with its
    second-pass columns set and its soft delete done; no reject speaks of a duplicate."""
    target_path = snapshot_target(migration)
    plan = migration.plan
    deferred: dict[str, list[str]] = {}
    for d in plan.deferred:
        deferred.setdefault(d["object"], []).append(d["join_column"])
    with duckdb.connect(str(migration.state), read_only=True) as journal:
        id_rows = journal.execute("SELECT object, source_id, target_id, status FROM id_map").fetchall()
        rejects = journal.execute("SELECT object, source_id, phase, message FROM rejects").fetchall()
        in_flight = journal.execute("SELECT count(*) FROM in_flight").fetchone()[0]  # type: ignore[index]
    assert not [r for r in rejects if "duplicate" in str(r[3]).lower()], rejects[:5]
    assert rejects == [], f"{len(rejects)} rejects, e.g. {rejects[:5]}"
    assert in_flight == 0
    statuses = {r[3] for r in id_rows}
    assert statuses <= {"created"}, f"the target was empty, yet the journal says {statuses}: a landed batch was taken for someone else's"
    id_map: dict[str, dict[str, str]] = {}
    for obj, source_id, target_id, _status in id_rows:
        assert source_id not in id_map.setdefault(obj, {}), f"{obj} {source_id} twice in the id map"
        id_map[obj][source_id] = target_id
    totals = {"records": 0, "deleted": 0, "second_pass": 0}
    with Snapshot(migration.source_snapshot) as source, Snapshot(target_path) as target:
        for name in plan.order:
            table = record_table(name)
            src = dict(source.con.execute(f"SELECT CAST(id AS VARCHAR), \"deletedAt\" IS NOT NULL FROM {table}").fetchall())
            rows = target.con.execute(f"SELECT CAST(id AS VARCHAR), \"deletedAt\" IS NOT NULL FROM {table}").fetchall()
            tgt_ids = [r[0] for r in rows]
            assert len(tgt_ids) == len(set(tgt_ids)), f"{name}: an id twice in the target"
            tgt = dict(rows)
            mapping = id_map.get(name, {})
            assert set(mapping) == set(src), f"{name}: id map has {len(mapping)} ids, the source {len(src)}"
            assert len(tgt) == len(src), f"{name}: {len(tgt)} records in the target, {len(src)} in the source"
            assert sorted(mapping.values()) == sorted(tgt), f"{name}: target ids are not the id map's"
            wrong_deleted = [s for s, deleted in src.items() if tgt[mapping[s]] != deleted]
            assert not wrong_deleted, f"{name}: {len(wrong_deleted)} records live/deleted unlike the source, e.g. {wrong_deleted[:3]}"
            totals["records"] += len(src)
            totals["deleted"] += sum(src.values())
            for column in deferred.get(name, []):
                want = dict(source.con.execute(f"SELECT CAST(id AS VARCHAR), CAST(\"{column}\" AS VARCHAR) FROM {table} "
                                               f"WHERE \"{column}\" IS NOT NULL").fetchall())
                have = dict(target.con.execute(f"SELECT CAST(id AS VARCHAR), CAST(\"{column}\" AS VARCHAR) FROM {table}").fetchall())
                unset = [s for s, ref in want.items() if have.get(mapping[s]) != id_map_any(id_map, ref)]
                assert not unset, f"{name}.{column}: {len(unset)} second-pass values not set, e.g. {unset[:3]}"
                totals["second_pass"] += len(want)
    return totals


def id_map_any(id_map: dict[str, dict[str, str]], source_id: str) -> str:
    for mapping in id_map.values():
        if source_id in mapping:
            return mapping[source_id]
    return source_id

