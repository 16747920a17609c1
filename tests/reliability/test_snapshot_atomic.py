"""The snapshot writer killed at its two most delicate instants, in a child process that SIGKILLs
itself there: right before the database is renamed into place (the files of the new snapshot
already moved in), and in the middle of pruning the old snapshot's files after it. Either way
the snapshot under the final name is complete with every file it refers to, and the `.partial`
left behind is refused by the reader with a clear error.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrate.errors import SnapshotError
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.writer import files_dir
from tests.apply.kill_helpers import REPO

WRITE = textwrap.dedent('''
    import os, signal, sys
    from datetime import datetime
    from pathlib import Path
    from migrate.snapshot import writer
    from migrate.snapshot.tables import FORMAT_VERSION

    out, payload, die_at = Path(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
    real_replace, real_unlink = os.replace, Path.unlink

    def replace(src, dst):
        if die_at == "rename" and str(src).endswith(".partial") and Path(dst) == out:
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)

    def unlink(self, missing_ok=False):
        if die_at == "prune" and self.parent.parent == writer.files_dir(out):
            os.kill(os.getpid(), signal.SIGKILL)
        real_unlink(self, missing_ok=missing_ok)

    writer.os.replace = replace
    Path.unlink = unlink
    with writer.SnapshotWriter(out) as w:
        w.write_schema([], set())
        w.write_members([])
        w.add_file("00000000-0000-4000-8000-000000000001", "f1", "file.bin", payload)
        w.finish({"format_version": FORMAT_VERSION, "origin": "api", "url": "http://source.test",
                  "taken_at": datetime.now().isoformat(sep=" "), "tool_version": "test", "twenty_version": None, "source_files": None})
''')


def _write(out: Path, payload: str, die_at: str = "") -> int:
    done = subprocess.run([sys.executable, "-c", WRITE, str(out), payload, die_at], cwd=REPO, capture_output=True, timeout=60, check=False)
    assert done.returncode in (0, -9), done.stderr.decode(errors="replace")
    return done.returncode


def _payload(out: Path) -> bytes:
    """The one file the snapshot refers to, checked against its sha256."""
    with Snapshot(out) as snap:
        rows = snap.con.execute("SELECT stored_as, sha256 FROM attachment_files").fetchall()
    assert len(rows) == 1, rows
    data = (files_dir(out) / rows[0][0]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == rows[0][1]
    return data


@pytest.mark.parametrize(("die_at", "survivor"), [("rename", b"old bytes"), ("prune", b"new bytes")])
def test_a_writer_killed_while_publishing_leaves_one_complete_snapshot_with_its_files(tmp_path: Path, die_at: str, survivor: bytes) -> None:
    out = tmp_path / "source.duckdb"
    assert _write(out, "old bytes") == 0 and _payload(out) == b"old bytes"
    assert _write(out, "new bytes", die_at) == -9
    assert _payload(out) == survivor
    for leftover in tmp_path.glob("*.partial"):
        with pytest.raises(SnapshotError, match="unfinished snapshot"):
            Snapshot(leftover)
    assert _write(out, "new bytes") == 0 and _payload(out) == b"new bytes"
    assert sorted(p.name for p in files_dir(out).rglob("*") if p.is_file()) == [hashlib.sha256(b"new bytes").hexdigest()]
    assert not list(tmp_path.glob("*.partial")) and not (tmp_path / "twenty-snapshot-source.duckdb.scratch").exists()
