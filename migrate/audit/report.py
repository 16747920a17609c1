"""Writing the audit: `audit.html` for people, `audit.json` for machines, from one data dict.

Each run writes into its own folder, `reports/<timestamp>/` (audit.html, audit.json, junit.xml when
pytest writes one), copies them to `reports/audit.html` and `reports/audit.json` (the latest run,
where earlier versions wrote them), and rewrites `reports/index.html`: every pass with its verdict
and counts, newest first, so the sign-off shows how a migration done in passes progressed.

All markup lives in `templates/report.html.jinja2`; this module passes data, never HTML, to a
jinja2 environment with autoescape on and StrictUndefined, so a record value such as
`<script>` is shown as text (STYLE B9). The HTML is one self-contained file, readable without
JavaScript.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from migrate.audit.evidence import MAX_SAMPLES_IN_REPORT
from migrate.audit.session import AuditSession
from migrate.audit.verdict import verdict_of


def report_data(session: AuditSession) -> dict[str, Any]:
    results = session.results
    verdict = verdict_of(results, session.tolerated)
    diffs = {name: asdict(diff) for name, diff in session._diffs.items()}
    checks = [r.to_dict() for r in results]
    areas: dict[str, list[dict[str, Any]]] = {}
    for result, check in zip(results, checks, strict=True):
        areas.setdefault(result.area, []).append(check)
    return {
        "verdict": verdict.label,
        "tolerated": list(session.tolerated),
        "counts": verdict.counts,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "metadata": session.metadata(),
        "areas": areas,
        "diffs": diffs,
        "results": checks,
        "matching": matching_data(session),
        "not_compared": dict(session.not_compared),
        "pass": {"final": session.inputs.passes.final, "objects": list(session.inputs.passes.objects or []),
                 "folder": session.inputs.run_dir.name if session.inputs.run_dir else None,
                 "pending": sorted({r.item for r in results if r.outcome == "pending" and r.item})},
    }


def matching_data(session: AuditSession) -> dict[str, Any]:
    """Which matching each object used: the journal's id map, or the matching without a journal."""
    if session.inputs.state is not None:
        return {"source": "journal", "objects": {name: {"method": "journal id map"} for name in session.objects}}
    if session._matching is None:  # no check needed the records (a run of configuration checks only)
        return {"source": "none", "objects": {}}
    members = session._matching.members
    return {"source": "matching", "members": asdict(members),
            "objects": {name: {**{k: v for k, v in asdict(m).items() if k not in ("deleted_ids", "unmatched_ids")}, "method": m.method}
                        for name, m in session._matching.objects.items()}}


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("migrate.audit", "templates"), autoescape=select_autoescape(["html", "jinja2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["max_samples"] = MAX_SAMPLES_IN_REPORT
    return env


def render_html(data: dict[str, Any]) -> str:
    return _environment().get_template("report.html.jinja2").render(**data)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def new_run_dir(report_dir: Path) -> Path:
    """A new `<report_dir>/<UTC timestamp>/` folder (a suffix when two runs start in the same second)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    report_dir.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = report_dir / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"{report_dir}: cannot create a folder for this run's report")


def write_reports(session: AuditSession) -> list[Path]:
    folder = session.inputs.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    data = report_data(session)
    # The JSON has each check once, in "results"; "areas" groups the same dicts for the HTML.
    html, text = render_html(data), json.dumps({k: v for k, v in data.items() if k != "areas"}, indent=2, ensure_ascii=False, default=str)
    run_dir = session.inputs.run_dir
    if run_dir is not None:
        _write(run_dir / "audit.html", html)
        _write(run_dir / "audit.json", text)
    html_path, json_path = folder / "audit.html", folder / "audit.json"
    _write(html_path, html)
    _write(json_path, text)
    written = [html_path, json_path]
    if run_dir is not None:
        written += [run_dir / "audit.html", write_index(folder)]
    return written


def keep_junit(session: AuditSession, xmlpath: str | None) -> None:
    """Copy pytest's JUnit file (written after the report) into this run's folder."""
    run_dir = session.inputs.run_dir
    if xmlpath and run_dir is not None and Path(xmlpath).is_file() and Path(xmlpath).resolve() != (run_dir / "junit.xml").resolve():
        shutil.copyfile(xmlpath, run_dir / "junit.xml")


def passes(report_dir: Path) -> list[dict[str, Any]]:
    """Every run under `report_dir/<timestamp>/audit.json`, newest first: verdict, counts, what it covered."""
    out = []
    for path in sorted(Path(report_dir).glob("*/audit.json"), key=lambda p: p.parent.name, reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        step = data.get("pass") or {}
        out.append({"folder": path.parent.name, "generated_at": data.get("generated_at", ""), "verdict": data.get("verdict", "?"),
                    "counts": data.get("counts", {}), "final": bool(step.get("final")), "objects": step.get("objects") or [],
                    "pending": step.get("pending") or [],
                    "failed": [f"{r.get('area')}: {r.get('name')}" + (f" [{r['item']}]" if r.get("item") else "")
                               for r in data.get("results", []) if r.get("outcome") in ("failed", "error")]})
    return out


def write_index(report_dir: Path) -> Path:
    """`report_dir/index.html`: the list of every pass (self-contained, escaped)."""
    path = Path(report_dir) / "index.html"
    _write(path, _environment().get_template("index.html.jinja2").render(passes=passes(report_dir)))
    return path
