"""Benchmark: the audit report of a failed run with 10 000 differing records, its size and load time in Chromium.

Run by hand: `.venv/bin/python bench/bench_report.py [--records 100000] [--differences 10000] [--runs 5]`.
Targets: `reports/audit.html` under 5 MB, and it opens in Chromium in under 2 seconds.

The inputs are `bench_audit.py`'s generated snapshots and journal (`--differences` records differ:
changed fields, lost relations, swapped owners, missing records), audited with `pytest checks/` in
a child process. Two measures, each alternating the report with a one-line page in the same run:

- from outside: `chromium --headless --dump-dom` (a fresh profile each time) loads the page and
  prints its DOM; the one-line page is what starting Chromium costs here, and "load" is the
  report's median minus that baseline's;
- from inside (`chromium_timing.py`, the DevTools protocol over `--remote-debugging-pipe`):
  Chromium started on about:blank, then the wall time from `Page.navigate` to the load event,
  and the page's own Navigation/Paint Timing (DOMContentLoaded, load event end, first
  contentful paint) after a forced layout of the whole page. "Opens in" is start + navigate.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_audit import ROOT, build, compile_project, demo_snapshot
from chromium_timing import PageTiming, open_page

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def open_in_chromium(chromium: str, page: Path) -> tuple[float, str]:
    """Seconds until Chromium has loaded `page` and printed its DOM, and the DOM."""
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
        start = time.perf_counter()
        done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=120, check=True)
        return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records per side (default 100000)")
    parser.add_argument("--differences", type=int, default=10_000, help="differing records (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="Chromium loads of each page (default 5)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/twenty-migrate-bench-report"))
    parser.add_argument("--demo", type=Path, help="a snapshot whose data model to use (default: run the demo into --workdir/demo)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    compile_project()
    source, target, state, summary = build(args.workdir, args.demo or demo_snapshot(args.workdir), args.records, args.differences)
    reports = args.workdir / "reports"
    start = time.perf_counter()
    audit = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "checks"), "--source", str(source), "--target", str(target),
                            "--state", str(state), "--report-dir", str(reports), "-p", "no:cacheprovider", "-q", "--no-header", "-rN"],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    audit_seconds = time.perf_counter() - start
    html, data = reports / "audit.html", reports / "audit.json"
    last = [line for line in audit.stdout.splitlines() if line.strip()][-1]
    print(f"audit of {summary['records']} records a side, {summary['changed'] + summary['missing']} differing "
          f"({summary['changed']} changed, {summary['missing']} missing): exit {audit.returncode} in {audit_seconds:.1f} s ({last.strip()})")
    print(f"  audit.html {html.stat().st_size / 1e6:.2f} MB, audit.json {data.stat().st_size / 1e6:.2f} MB")

    blank = args.workdir / "blank.html"
    blank.write_text("<!doctype html><title>blank</title><p>blank</p>\n", encoding="utf-8")
    report_times, blank_times = [], []
    dom = ""
    for _ in range(args.runs):
        seconds, _ = open_in_chromium(args.chromium, blank)
        blank_times.append(seconds)
        seconds, dom = open_in_chromium(args.chromium, html)
        report_times.append(seconds)
    if 'id="verdict"' not in dom:
        raise SystemExit("Chromium did not render the report (no verdict in the DOM)")
    report, baseline = statistics.median(report_times), statistics.median(blank_times)
    load = report - baseline
    print(f"Chromium --dump-dom, median of {args.runs}: report {report:.2f} s, one-line page {baseline:.2f} s (Chromium's start); "
          f"report load = {load:.2f} s = {report / baseline:.2f}x the one-line page; DOM {len(dom) / 1e6:.2f} MB")

    inside: dict[str, list[PageTiming]] = {"report": [], "blank": []}
    for _ in range(args.runs):
        inside["blank"].append(open_page(args.chromium, blank))
        inside["report"].append(open_page(args.chromium, html))
    if not all(t.timing["verdict"] for t in inside["report"]):
        raise SystemExit("Chromium did not render the report (no verdict element)")

    def median(kind: str, value: Any) -> float:
        return statistics.median(value(t) for t in inside[kind])

    start = median("report", lambda t: t.start)
    navigate = median("report", lambda t: t.navigate)
    blank_navigate = median("blank", lambda t: t.navigate)
    fcp = median("report", lambda t: t.timing["firstContentfulPaint"] or 0)
    loaded = median("report", lambda t: t.timing["loadEventEnd"])
    ready = median("report", lambda t: t.timing["domContentLoaded"])
    print(f"DevTools protocol, median of {args.runs}: Chromium start {start:.2f} s; navigate -> load event: report {navigate:.3f} s, "
          f"one-line page {blank_navigate:.3f} s; report's own timing: first contentful paint {fcp:.0f} ms, "
          f"DOMContentLoaded {ready:.0f} ms, load event end {loaded:.0f} ms ({inside['report'][0].timing['nodes']} elements, "
          f"{inside['report'][0].timing['height']} px tall)")
    opens = start + navigate
    size_ok = html.stat().st_size < 5e6
    print(f"targets: audit.html < 5 MB -> {'OK' if size_ok else 'MISSED'}; opens in < 2 s: the page alone {navigate:.2f} s (DevTools) / "
          f"{load:.2f} s (--dump-dom difference) -> {'OK' if max(navigate, load) < 2.0 else 'MISSED'}; counting Chromium's start "
          f"{opens:.2f} s (DevTools) / {report:.2f} s (--dump-dom) -> {'OK' if max(opens, report) < 2.0 else 'MISSED'}")

if __name__ == "__main__":
    main()
