"""`snapshot` killed with SIGKILL at random points: nothing half-written is ever left looking
complete, and running it again writes the complete snapshot.

A real `python -m migrate.cli snapshot` reads the demo workspace (attachments with their bytes,
configuration) from an emulator on a socket. Kill points: half at the k-th request the source
sees (k drawn over what a clean run sends: data model, pages, file downloads, configuration),
half at a random time over a clean run's duration, so that the last stage (loading DuckDB,
moving the files, the rename) is hit too. After each kill the output is either absent (refused
by the reader with a clear error) or a complete snapshot with all of its files; every `.partial`
left is refused by the reader. The first half of the kills run with no snapshot there yet, the
rest over a complete one (that must survive whole).

SNAPSHOT_KILL_POINTS (default 4; `make soak` uses 50) sets the number of kills.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from migrate.emulator import create_app
from migrate.emulator.server import serve_in_thread
from migrate.errors import SnapshotError
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.writer import files_dir
from tests.apply.kill_helpers import REPO
from tests.plan.workspaces import NO_LIMIT, SOURCE_KEY

KILLS = int(os.environ.get("SNAPSHOT_KILL_POINTS", "4"))
SEED = int(os.environ.get("KILL_SEED", "7"))


def _argv(url: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "migrate.cli", "snapshot", "--url", url, "--out", str(out), "--rate", "1000000", "--quiet"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWENTY_")}
    env["TWENTY_API_KEY"] = SOURCE_KEY
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def content(path: Path) -> dict[str, Any]:
    """What a snapshot holds, without when it was taken: every table's rows, and the bytes of
    every file it refers to (which must all be there, with their sha256)."""
    with Snapshot(path) as snap:
        tables = [r[0] for r in snap.con.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                                                 "WHERE table_name <> 'snapshot_info' ORDER BY 1").fetchall()]
        out: dict[str, Any] = {t: sorted(map(repr, snap.con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
        for stored_as, sha256, size in snap.con.execute("SELECT stored_as, sha256, size FROM attachment_files").fetchall():
            data = (files_dir(path) / stored_as).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sha256 and len(data) == size, f"{stored_as} of {path} is not the file it refers to"
    return out


def _assert_nothing_looks_complete(out: Path, complete: dict[str, Any]) -> str:
    """The output is absent (and refused) or whole; every leftover `.partial` is refused."""
    for leftover in out.parent.glob("*.partial"):
        with pytest.raises(SnapshotError, match="unfinished snapshot"):
            Snapshot(leftover)
    if not out.exists():
        with pytest.raises(SnapshotError, match="does not exist"):
            Snapshot(out)
        return "absent"
    assert content(out) == complete, f"{out} exists but is not the complete snapshot"
    return "complete"


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_snapshot_killed_at_random_points_never_leaves_a_half_file_looking_complete(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    source = create_app(api_keys=[SOURCE_KEY], seed="demo", limits=NO_LIMIT)  # file URLs point at the socket
    seen = [0]
    fire: list[int] = [0]
    process: list[subprocess.Popen[bytes]] = []
    lock = threading.Lock()

    def observe(method: str, path: str, body: bytes) -> None:
        with lock:
            seen[0] += 1
            if fire[0] and seen[0] >= fire[0] and process:
                fire[0] = 0
                os.kill(process[0].pid, signal.SIGKILL)

    source.fault_layer.observers.append(observe)
    out = tmp_path / "source.duckdb"
    with serve_in_thread(source) as url:
        started = time.monotonic()
        subprocess.run(_argv(url, tmp_path / "clean.duckdb"), env=_env(), check=True, capture_output=True, timeout=120)
        clean_seconds, clean_requests = time.monotonic() - started, seen[0]
        complete = content(tmp_path / "clean.duckdb")
        assert complete["records.attachment"] and complete["main.attachment_files"], "the demo source has attachments with bytes"
        outcomes: dict[str, int] = {}
        killed = 0
        for n in range(KILLS):
            if n == KILLS // 2:  # the rest of the kills hit a run replacing a complete snapshot
                subprocess.run(_argv(url, out), env=_env(), check=True, capture_output=True, timeout=120)
            by_request = rng.random() < 0.5
            with lock:
                seen[0] = 0
                fire[0] = 1 + rng.randrange(clean_requests) if by_request else 0
                process[:] = [subprocess.Popen(_argv(url, out), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)]
            if not by_request:
                time.sleep(rng.uniform(0.2, 0.9 * clean_seconds))
                with lock:
                    process[0].send_signal(signal.SIGKILL)
                    writing = seen[0] >= clean_requests
            else:
                writing = False
            _, stderr = process[0].communicate(timeout=120)
            killed += process[0].returncode == -signal.SIGKILL
            assert process[0].returncode in (0, -signal.SIGKILL), stderr.decode(errors="replace")
            state = _assert_nothing_looks_complete(out, complete)
            stage = ("finished before the kill" if process[0].returncode == 0 else "killed after the last request (writing)" if writing
                     else "killed while reading" if seen[0] else "killed before the first request")
            outcomes[f"{stage}: {state}"] = outcomes.get(f"{stage}: {state}", 0) + 1
            if os.environ.get("SNAPSHOT_KILL_TRACE"):
                print(n, "request" if by_request else "time", process[0].returncode, seen[0], state)
        process.clear()
        subprocess.run(_argv(url, out), env=_env(), check=True, capture_output=True, timeout=120)
    assert content(out) == complete
    assert not list(tmp_path.glob("twenty-snapshot-source.duckdb.scratch")) and not list(tmp_path.glob("source.duckdb*.partial"))
    print(f"\nsnapshot kill points: {killed} of {KILLS} runs killed; output after a kill: {outcomes}; "
          f"clean run {clean_requests} requests in {clean_seconds:.1f} s")
    assert killed >= max(1, KILLS // 2), f"only {killed} of {KILLS} runs were killed before they finished"
