"""Benchmark: matching without a journal (`migrate.diff.matching`) on N records a side.

Run by hand: `.venv/bin/python bench/bench_matching.py [--records 200000]`. The demo's source
snapshot is inflated with DuckDB SQL (companies with unique domains, people with unique e-mails
and a company, opportunities matched by the config key name + company), then "imported" the way
the UI's import leaves a target (`tests/checks/ui_import.py`: every id new). Timed: the matching
alone, in this process; printed: records a side, seconds, peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migrate.diff.matching import match_snapshots  # noqa: E402
from tests.checks.ui_import import ui_import  # noqa: E402
from tests.plan.workspaces import new_source, take_snapshot  # noqa: E402

SHARE = {"company": 0.2, "person": 0.6, "opportunity": 0.2}


def inflate(path: Path, records: int) -> None:
    n = {name: int(records * share) for name, share in SHARE.items()}
    with duckdb.connect(str(path)) as con:
        con.execute(f"""INSERT INTO records.company (id, name, "domainName_primaryLinkUrl")
                        SELECT uuid(), 'Company ' || i, 'https://c' || i || '.example.com' FROM range({n['company']}) t(i)""")
        con.execute("CREATE TEMP TABLE cids AS SELECT id, row_number() OVER () - 1 AS k FROM records.company")
        count = con.execute("SELECT count(*) FROM cids").fetchone()[0]  # type: ignore[index]
        con.execute(f"""INSERT INTO records.person (id, "name_firstName", "name_lastName", "emails_primaryEmail", "companyId")
                        SELECT uuid(), 'P', 'N' || i, 'p' || i || '@example.com', c.id FROM range({n['person']}) t(i)
                        JOIN cids c ON c.k = i % {count}""")
        con.execute(f"""INSERT INTO records.opportunity (id, name, "companyId")
                        SELECT uuid(), 'Deal ' || i, c.id FROM range({n['opportunity']}) t(i) JOIN cids c ON c.k = i % {count}""")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-matching-"))
    source = asyncio.run(take_snapshot(new_source(), folder / "source.duckdb"))
    inflate(source, args.records)
    ui_import(source, folder / "target.duckdb", ["company", "person", "opportunity"])
    started = time.monotonic()
    result = match_snapshots(source, folder / "target.duckdb", folder / "map.duckdb", {"company": ["name"], "person": ["name", "company"], "opportunity": ["name", "company"]},
                             objects=["company", "person", "opportunity"])
    seconds = time.monotonic() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name, found in result.objects.items():
        print(f"{name}: {found.source_records} source, {found.method}; {found.ambiguous} ambiguous, {found.unmatched_source} unmatched")
    print(f"matching of {sum(f.source_records for f in result.objects.values())} records a side: {seconds:.1f} s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
