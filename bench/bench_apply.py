"""Benchmark: `apply` of N records into a target emulator limited to R requests a window.

Run by hand: `.venv/bin/python bench/bench_apply.py [--records 20000] [--rate 600] [--window 60]`.
Target: the creation phase reaches >= 95 % of the bound R x 200 (batch size) records per window.
Each step runs in its own process: the target emulator (uvicorn on 127.0.0.1), and `apply` (the
library's `apply_plan`, so that its phases are timed and its peak RSS is its own). The source is
seeded without custom objects, and snapshotted without files: custom-object cycles add a
second pass of one PATCH per record and attachments one upload each, which measure something
else (see bench/README.md). The baseline, measured in the same run, is the same apply into an
unlimited target: what this machine's client and emulator manage when the limit is not the bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

KEY = "bench-key"
BATCH = 200


def serve(rate: int, window: float, limited: bool) -> None:
    """Child: an empty target (members only) on 127.0.0.1; prints its URL, serves until killed."""
    import uvicorn

    from migrate.emulator import create_app
    from migrate.emulator.limits import RateLimit

    limits = RateLimit(limit=rate, window_seconds=window, short_limit=max(rate, 100)) if limited else RateLimit(enabled=False)
    app = create_app(seed="empty", api_keys=[KEY], limits=limits)
    # IPPROTO_TCP, so that asyncio sets TCP_NODELAY on accepted connections (make_server's
    # socket has proto 0, and small responses then wait ~40 ms for a delayed ACK; README).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off", access_log=False)).run(sockets=[sock])


def run_apply(plan_path: str, state: str, client_rate: float) -> None:
    """Child: apply the plan; print timings, requests and peak RSS as JSON."""
    from migrate.apply import Journal, apply_plan
    from migrate.plan.plan import load_plan
    from migrate.settings import ClientSettings, Endpoint, Secret
    from migrate.twenty.client import TwentyClient

    class Clock:
        """A Progress that notes when the record phase starts and when its last batch settled."""

        first: float | None = None
        last: float = 0.0

        def start(self, name: str, total: int | None) -> int:
            self.first = self.first or time.perf_counter()
            return 0

        def advance(self, task: int, amount: int = 1) -> None:
            self.last = time.perf_counter()

        def set_total(self, task: int, total: int) -> None:
            pass

        def note(self, message: str) -> None:
            pass

    plan = load_plan(Path(plan_path))
    clock = Clock()

    async def go() -> dict[str, Any]:
        async with TwentyClient(Endpoint(plan.target_url, Secret(KEY)), ClientSettings(requests_per_minute=client_rate)) as client:
            with Journal(Path(state)) as journal:
                started = time.perf_counter()
                summary = await apply_plan(plan, client, journal, progress=clock)
                return {"seconds": time.perf_counter() - started, "created": summary.total("created"),
                        "create_seconds": clock.last - (clock.first or started), "requests": client.requests_made,
                        "retries": client.retries, "soft_deleted": summary.soft_deleted, "second_pass": summary.second_pass}

    result = asyncio.run(go())
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def make_snapshot(records: int, seed: int, out: Path) -> dict[str, int]:
    from migrate.emulator import create_app
    from migrate.emulator.limits import RateLimit
    from migrate.emulator.seed import SeedSpec, seed_workspace
    from migrate.settings import ClientSettings, Endpoint, Secret
    from migrate.snapshot.from_api import snapshot_from_api
    from migrate.twenty.client import TwentyClient

    source = create_app(api_keys=[KEY], limits=RateLimit(enabled=False), server_url="http://source.test")
    seed_workspace(source.workspace, SeedSpec(records, rng_seed=seed, with_custom_objects=False))

    async def go() -> dict[str, int]:
        transport = httpx.ASGITransport(app=source)
        async with TwentyClient(Endpoint("http://source.test", Secret(KEY)), ClientSettings(requests_per_minute=1e9), transport=transport) as c:
            summary = await snapshot_from_api(c, out, with_files=False)
        return {"records": summary.records, "deleted": sum(summary.deleted.values())}

    return asyncio.run(go())


def plan_for(snapshot: Path, url: str, out: Path) -> None:
    from migrate.plan.plan import build_plan, save_plan
    from migrate.settings import ClientSettings, Endpoint, Secret
    from migrate.twenty.client import TwentyClient

    async def go() -> None:
        async with TwentyClient(Endpoint(url, Secret(KEY)), ClientSettings(requests_per_minute=1e9)) as client:
            plan = build_plan(snapshot, await client.objects(), await client.members(), target_url=url)
        assert not plan.blocking, plan.blocking
        save_plan(plan, out)

    asyncio.run(go())


def measure(snapshot: Path, workdir: Path, *, rate: int, window: float, limited: bool, client_rate: float) -> dict[str, Any]:
    """One apply into a fresh target; returns the apply's figures and the target's counts."""
    me = [sys.executable, str(Path(__file__).resolve())]
    server = subprocess.Popen([*me, "_serve", str(rate), str(window), "1" if limited else "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the target emulator did not start"
                time.sleep(0.1)
        name = "limited" if limited else "unlimited"
        plan_path, state = workdir / f"plan-{name}.json", workdir / f"state-{name}.duckdb"
        plan_for(snapshot, url, plan_path)
        before = httpx.get(f"{url}/_emulator/stats").json()["requests"]
        done = subprocess.run([*me, "_apply", str(plan_path), str(state), str(client_rate)], capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"apply failed:\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        after = httpx.get(f"{url}/_emulator/stats").json()["requests"]
        seen = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        result["server_requests"] = sum(seen.values())
        result["429s"] = sum(n for k, n in seen.items() if k.endswith(" 429"))
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records in the source (default 20000)")
    parser.add_argument("--rate", type=int, default=300, help="R: requests the target allows per window (default 300)")
    parser.add_argument("--window", type=float, default=60.0, help="the window in seconds (default 60)")
    parser.add_argument("--client-share", type=float, default=0.97, help="the client's --rate as a share of R (default 0.97)")
    parser.add_argument("--baseline-records", type=int, default=None, help="records for the unlimited baseline (default: --records)")
    parser.add_argument("--seed", type=int, default=0, help="rng seed of the source")
    args = parser.parse_args()

    per_minute = args.rate * 60 / args.window
    client_rate = per_minute * args.client_share
    bound = args.rate / args.window * BATCH
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        start = time.perf_counter()
        counts = make_snapshot(args.records, args.seed, workdir / "source.duckdb")
        prep = time.perf_counter() - start
        baseline_snapshot = workdir / "source.duckdb"
        if args.baseline_records and args.baseline_records != args.records:
            make_snapshot(args.baseline_records, args.seed, workdir / "baseline.duckdb")
            baseline_snapshot = workdir / "baseline.duckdb"
        base = measure(baseline_snapshot, workdir, rate=args.rate, window=args.window, limited=False, client_rate=1e9)
        lim = measure(workdir / "source.duckdb", workdir, rate=args.rate, window=args.window, limited=True, client_rate=client_rate)

    def rates(r: dict[str, Any]) -> tuple[float, float]:
        return r["created"] / r["create_seconds"], r["created"] / r["seconds"]

    base_create, base_whole = rates(base)
    lim_create, lim_whole = rates(lim)
    print(f"source: {counts['records']} records ({counts['deleted']} soft-deleted), seeded and snapshotted in {prep:.0f} s (not counted)")
    print(f"target limit R = {args.rate} requests / {args.window:g} s; client --rate {client_rate:.0f}/min "
          f"({args.client_share:.0%} of R); bound R x {BATCH} / window = {bound:.0f} records/s")
    print(f"limited run     creation {lim_create:7.0f} records/s = {lim_create / bound:.1%} of the bound  "
          f"(whole run {lim_whole:.0f} records/s = {lim_whole / bound:.1%}, {lim['seconds']:.1f} s)")
    print(f"                requests {lim['requests']} (server saw {lim['server_requests']}), 429s {lim['429s']}, "
          f"retries {lim['retries']}, soft deletes {lim['soft_deleted']}, peak RSS {lim['peak_rss_mb']:.0f} MB")
    print(f"baseline        unlimited target, {base['created']} records: creation {base_create:.0f} records/s "
          f"= {base_create / bound:.1f}x the bound (whole run {base_whole:.0f} records/s, {base['seconds']:.1f} s), "
          f"peak RSS {base['peak_rss_mb']:.0f} MB")
    print(f"limited creation / unlimited creation = {lim_create / base_create:.2f}")
    verdict = "OK" if lim_create >= 0.95 * bound else ("MACHINE-BOUND" if base_create < bound else "SLOW")
    print(f"target: creation >= 95% of the bound -> {verdict}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        serve(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1")
    elif len(sys.argv) > 1 and sys.argv[1] == "_apply":
        run_apply(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        os.environ.pop("TWENTY_TARGET_API_KEY", None)
        main()
