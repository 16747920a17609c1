"""Benchmark: `twenty-migrate snapshot` of workspaces of several sizes from a rate-limited emulator.

Run by hand: `.venv/bin/python bench/bench_snapshot.py [--sizes 10000,100000] [--rate 5]`.
Targets: a 100 000-record snapshot reaches >= 95 % of the bound R x 200 (page size) records/s;
peak RSS at the largest size < 2x that at 10 000. Each workspace is seeded once into a SQLite
file (`emulator serve --db`, kept in --cache so that seeding is never timed), then served by
`twenty-migrate emulator serve --rate-limit 60R` and snapshotted by `twenty-migrate snapshot
--rate 0.97 x 60R`, each in its own process; peak RSS is the snapshot process's own (wait4).
Baselines measured in the same run: the same snapshot from an unlimited emulator (what this
machine manages), and the peak RSS of a process that only imports what `snapshot` imports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "migrate.cli"]
KEY = "bench-key"
PAGE = 200


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("TWENTY_")}
    out["TWENTY_API_KEY"] = KEY
    out["PYTHONPATH"] = str(ROOT)
    return out


def start_emulator(db: Path, seed: str, rate_limit: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([*CLI, "emulator", "serve", "--port", "0", "--db", str(db), "--seed", seed, "--api-key", KEY,
                                "--rate-limit", str(rate_limit)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env())
    for line in process.stderr:  # type: ignore[union-attr]
        if " at http://" in line:
            return process, line.split(" at ", 1)[1].split()[0]
    raise SystemExit(f"the emulator did not start: exit {process.wait()}")


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=60)


def seeded(cache: Path, records: int, seed: int) -> tuple[Path, float]:
    db = cache / f"source-{records}-{seed}.sqlite"
    done = db.with_suffix(".seeded")  # SQLite keeps side files (-wal): mark completion, never rename
    if done.exists():
        return db, 0.0
    for stale in cache.glob(db.name + "*"):
        stale.unlink()
    start = time.perf_counter()
    process, _ = start_emulator(db, str(records), 100)
    stop(process)
    done.touch()
    return db, time.perf_counter() - start


def run_measured(argv: list[str]) -> tuple[float, str]:
    """Run a command and return its own peak RSS in MB (from wait4) and its stdout."""
    out_path = ROOT / ".bench_snapshot_stdout"
    with out_path.open("w") as handle:
        process = subprocess.Popen(argv, stdout=handle, stderr=subprocess.PIPE, env=env())
        _, status, usage = os.wait4(process.pid, 0)
        err = process.stderr.read().decode() if process.stderr else ""  # type: ignore[union-attr]
    text = out_path.read_text()
    out_path.unlink()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(argv)} failed:\n{err}")
    return usage.ru_maxrss / 1024, text


def snapshot(db: Path, workdir: Path, rate_limit: int, client_rate: float) -> dict[str, Any]:
    process, url = start_emulator(db, "empty", rate_limit)
    try:
        out = workdir / f"{db.stem}.duckdb"
        rss, text = run_measured([*CLI, "snapshot", "--url", url, "--out", str(out), "--rate", str(client_rate), "--quiet", "--json", "--no-files"])
        out.unlink(missing_ok=True)
        result: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
        result["peak_rss_mb"] = rss
        return result
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated record counts (default 10000,100000)")
    parser.add_argument("--rate", type=float, default=5.0, help="R: requests per second the emulator allows (default 5)")
    parser.add_argument("--client-share", type=float, default=0.97, help="the client's --rate as a share of R (default 0.97)")
    parser.add_argument("--seed", type=int, default=0, help="rng seed of the workspaces")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/twenty-migrate-bench"), help="where seeded SQLite files are kept")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unlimited snapshots")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    args.cache.mkdir(parents=True, exist_ok=True)
    rate_limit = round(args.rate * 60)
    client_rate = rate_limit * args.client_share
    bound = args.rate * PAGE

    import_rss, _ = run_measured([sys.executable, "-c", "import migrate.cli, migrate.snapshot.from_api, migrate.twenty.client, duckdb, httpx"])
    print(f"emulator limit R = {args.rate:g} requests/s (--rate-limit {rate_limit}/min); snapshot --rate {client_rate:.0f}/min; "
          f"bound R x {PAGE} = {bound:.0f} records/s")
    print(f"baseline RSS: a process importing what `snapshot` imports peaks at {import_rss:.0f} MB")
    rows = []
    for size in sizes:
        db, seed_seconds = seeded(args.cache, size, args.seed)
        lim = snapshot(db, args.cache, rate_limit, client_rate)
        base = None if args.no_baseline else snapshot(db, args.cache, 10**9, 10**9)
        rate = lim["records"] / lim["seconds"]
        rows.append((size, lim["peak_rss_mb"]))
        print(f"{lim['records']:>8} records (seeded {'before' if not seed_seconds else f'in {seed_seconds:.0f} s, not counted'}): "
              f"{lim['seconds']:6.1f} s, {lim['requests']} requests, {rate:6.0f} records/s = {rate / bound:.1%} of the bound; "
              f"peak RSS {lim['peak_rss_mb']:.0f} MB = {lim['peak_rss_mb'] / import_rss:.2f}x the import baseline")
        if base:
            brate = base["records"] / base["seconds"]
            print(f"{'':>8} unlimited baseline: {base['seconds']:6.1f} s, {brate:6.0f} records/s = {brate / bound:.1f}x the bound; "
                  f"limited / unlimited = {rate / brate:.2f}; peak RSS {base['peak_rss_mb']:.0f} MB")
    if len(rows) > 1:
        (small, small_rss), (big, big_rss) = rows[0], rows[-1]
        print(f"peak RSS at {big} / at {small} = {big_rss / small_rss:.2f}x (target < 2x)")


if __name__ == "__main__":
    main()
