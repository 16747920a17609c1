"""The report of a failed audit, as a reader sees it (DESIGN, Checks and report; STYLE B9).

One audit runs on a migration whose target companies were renamed to an XSS corpus (hostile
record values are what a workspace may hold), so the field check fails and its evidence carries
those values into audit.html. The tests read that one report:

- the verdict comes first, then the counts, the run metadata (without any API key, in HTML or
  JSON), and the failing row with its evidence naming each record;
- every hostile value is text in the parsed HTML: no element or on* attribute comes from data;
- headless Chromium (Debian's `chromium`; `.ci/run` installs it) renders the file: a screenshot,
  and the DOM after scripts would have run, where the title is unchanged and the values are text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.checks.conftest import KEYS, AuditRun, MigrationFiles

pytest_plugins = ["pytester"]

Audit = Callable[..., AuditRun]
CHROMIUM = Path("/usr/bin/chromium")
TITLE = "Migration audit: FAIL"
XSS = (
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=\"document.title='pwned-img'\">",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "{{ 7*7 }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "javascript:alert(1)",
    "</td></tr></table><svg onload=\"document.title='pwned-svg'\">",
    "<a href=\"javascript:alert(1)\">click</a>",
)
FIELD_CHECK = "checks/test_records.py::test_every_field_holds_the_source_value[company]"


class Page(HTMLParser):
    """Elements, attributes, the title and the body's text of an HTML document, as a browser's
    parser splits them (character references decoded, as a reader sees them)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []
        self.title = ""
        self._open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag in ("title", "style", "body"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        where = self._open[-1] if self._open else None
        if where == "title":
            self.title += data
        elif where == "body" and data.strip():
            self.texts.append(data.strip())

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@pytest.fixture(scope="module")
def failed_audit(tmp_path_factory: pytest.TempPathFactory, clean_migration: MigrationFiles) -> dict[str, Any]:
    """A copy of the clean migration with the XSS corpus as company names (target id -> value).
    Module-scoped: `report` runs the audit on it once and keeps what it wrote here."""
    folder = tmp_path_factory.mktemp("xss")
    for name in ("source", "target", "state"):
        shutil.copyfile(getattr(clean_migration, name), folder / f"{name}.duckdb")
    files = MigrationFiles(folder)
    companies = [r[0] for r in files.sql("target", 'SELECT CAST(id AS VARCHAR) FROM records.company WHERE "deletedAt" IS NULL ORDER BY id')]
    renamed = dict(zip(companies, XSS, strict=False))
    assert len(renamed) == len(XSS), "the demo has fewer companies than the corpus has values"
    for company, value in renamed.items():
        files.sql("target", "UPDATE records.company SET name = ? WHERE CAST(id AS VARCHAR) = ?", [value, company])
    return {"files": files, "renamed": renamed, "report_dir": folder / "reports"}


@pytest.fixture
def report(failed_audit: dict[str, Any], run_checks: Audit, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The failed audit's reports. The first test to ask runs the audit (pytester is function-
    scoped), with the API keys in the environment to prove none reaches the report; later tests
    read what it wrote."""
    if "run" not in failed_audit:
        for name, key in zip(("TWENTY_SOURCE_API_KEY", "TWENTY_TARGET_API_KEY"), KEYS, strict=True):
            monkeypatch.setenv(name, key)
        monkeypatch.setenv("TWENTY_API_KEY", KEYS[1])
        run = run_checks(failed_audit["files"])
        assert run.result.ret == 1, run.result.stdout.str()[-3000:]
        failed_audit["run"] = run
        failed_audit["html"] = run.html
        failed_audit["json"] = (run.report_dir / "audit.json").read_text(encoding="utf-8")
        failed_audit["html_path"] = run.report_dir / "audit.html"
    return failed_audit


def test_the_verdict_comes_first_then_the_counts(report: dict[str, Any]) -> None:
    run: AuditRun = report["run"]
    page = Page(report["html"])
    assert page.title == TITLE
    assert page.texts[:2] == ["Migration audit", "FAIL"]
    verdict = next(attrs for tag, attrs in page.tags if ("id", "verdict") in attrs)
    assert ("class", "verdict FAIL") in verdict
    total = len(run.data["results"])
    skipped = sum(r["outcome"] == "skipped" for r in run.data["results"])  # the manual items, "to confirm"
    assert f"1 failed · {total - 1 - skipped} passed · {skipped} skipped" in " ".join(page.text.split())
    summary = page.texts.index("Failed checks")
    assert page.texts[summary + 1] == f"record fields: {run.outcome(FIELD_CHECK)['sentence']} (company)"
    assert summary < page.texts.index("Run") < page.texts.index("Checklist")
    assert list(run.data)[0] == "verdict" and run.data["verdict"] == "FAIL"
    assert run.data["counts"] == {"failed": 1, "passed": total - 1 - skipped, "skipped": skipped}


def test_the_run_metadata_names_the_inputs_and_no_key(report: dict[str, Any]) -> None:
    files: MigrationFiles = report["files"]
    metadata = report["run"].data["metadata"]
    assert metadata["source"]["url"] == "http://source.test"
    assert metadata["target"]["url"] == "http://target.test"
    assert metadata["source_file"] == str(files.source) and len(metadata["source_sha256"]) == 64
    assert metadata["journal"] == str(files.state)
    for text in (report["html"], report["json"]):
        assert "http://source.test" in text and metadata["target_sha256"] in text
        for key in KEYS:
            assert key not in text
    assert "No API key appears in this report." in report["html"]


def test_the_failing_row_shows_its_evidence_naming_each_record(report: dict[str, Any]) -> None:
    files: MigrationFiles = report["files"]
    run: AuditRun = report["run"]
    result = run.outcome(FIELD_CHECK)
    assert result["outcome"] == "failed"
    assert result["message"].startswith(f"company: {len(XSS)} records differ from the source (name)")
    samples = {s["target_id"]: s for s in result["evidence"]["samples"]}
    for company, value in report["renamed"].items():
        assert samples[company]["source_id"] == files.source_id("company", company)
        assert (samples[company]["field"], samples[company]["target"]) == ("name", value)
    page = Page(report["html"])
    rows = [attrs for tag, attrs in page.tags if tag == "tr" and ("class", "check-row failed") in attrs]
    assert len(rows) == 1
    text = page.text
    assert result["sentence"] in text
    for company in report["renamed"]:
        assert company in text and files.source_id("company", company) in text


def test_hostile_values_are_text_in_the_html(report: dict[str, Any]) -> None:
    """Every XSS value is shown as text; no element, on* attribute or javascript: URL comes from data."""
    html = report["html"]
    page = Page(html)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "img", "svg", "a", "iframe"}, tags
    for tag, attrs in page.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
    for value in XSS:
        assert any(value in text for text in page.texts), f"{value!r} is not shown as text"
    assert "&lt;script&gt;document.title=" in html
    assert not {"49", "looplooploop"} & set(page.texts), "a value was evaluated as a template"


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False, env={**os.environ, "HOME": str(profile)})


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs headless Chromium at /usr/bin/chromium (`.ci/run` installs Debian's chromium)")
def test_a_browser_shows_the_verdict_and_the_values_as_text(report: dict[str, Any], tmp_path: Path) -> None:
    """The report opened in headless Chromium: a screenshot of the page, and the DOM after load
    (scripts, onerror and onload handlers would have run by then): the title is unchanged, the
    verdict and the failing row are there, and the hostile values are text."""
    url = report["html_path"].resolve().as_uri()
    screenshot = tmp_path / "audit.png"
    shot = chromium(f"--screenshot={screenshot}", "--window-size=1200,2000", "--hide-scrollbars", url, profile=tmp_path / "profile-1")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
    dom = chromium("--dump-dom", "--virtual-time-budget=3000", url, profile=tmp_path / "profile-2")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page(dom.stdout)
    assert page.title == TITLE, f"a value ran as script: the title became {page.title!r}"
    assert "pwned" not in dom.stdout.split("</title>")[0]
    assert page.texts[:2] == ["Migration audit", "FAIL"]
    assert not {tag for tag, _ in page.tags} & {"script", "img", "svg", "a", "iframe"}
    assert "check-row failed" in dom.stdout and "Failed checks" in page.texts
    for value in XSS:
        assert any(value in text for text in page.texts), f"{value!r} is not shown as text"
    for company in report["renamed"]:
        assert company in page.text
