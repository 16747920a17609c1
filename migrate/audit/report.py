"""Writing the audit: `audit.html` for people, `audit.json` for machines, from one data dict.

All markup lives in `templates/report.html.jinja2`; this module passes data, never HTML, to a
jinja2 environment with autoescape on and StrictUndefined, so a record value such as
`<script>` is shown as text (STYLE B9). The HTML is one self-contained file, readable without
JavaScript.
"""

from __future__ import annotations

import json
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
    areas: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        areas.setdefault(result.area, []).append(result.to_dict())
    return {
        "verdict": verdict.label,
        "tolerated": list(session.tolerated),
        "counts": verdict.counts,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "metadata": session.metadata(),
        "areas": areas,
        "diffs": diffs,
        "results": [r.to_dict() for r in results],
    }


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("migrate.audit", "templates"), autoescape=select_autoescape(["html", "jinja2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["max_samples"] = MAX_SAMPLES_IN_REPORT
    return env


def render_html(data: dict[str, Any]) -> str:
    return _environment().get_template("report.html.jinja2").render(**data)


def write_reports(session: AuditSession) -> list[Path]:
    folder = session.inputs.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    data = report_data(session)
    html_path, json_path = folder / "audit.html", folder / "audit.json"
    for path, text in ((html_path, render_html(data)), (json_path, json.dumps(data, indent=2, ensure_ascii=False, default=str))):
        tmp = path.with_name(path.name + ".partial")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return [html_path, json_path]
