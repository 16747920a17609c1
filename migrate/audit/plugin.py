"""The pytest plugin behind `pytest checks/`: options, fixtures, evidence, the report.

It does nothing unless an audit option is given (it also loads in the project's own tests).
Registered from the root `conftest.py` (`pytest_plugins`) and by the `pytest11` entry point of
the same name, `migrate.audit.plugin`.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from migrate.audit.evidence import CheckResult, Evidence
from migrate.audit.session import AuditInputs, AuditSession

EVIDENCE_KEY = pytest.StashKey[Evidence]()
SESSION_NAME = "twenty-migrate-audit"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("twenty-migrate", "twenty-migrate audit")
    group.addoption("--source", help="Source snapshot (.duckdb) of the migration.")
    group.addoption("--target", help="Target snapshot (.duckdb), taken after the migration.")
    group.addoption("--state", help="The apply journal (state.duckdb), to explain counts and map ids.")
    group.addoption("--report-dir", default="reports", help="Where audit.html and audit.json are written (default: reports).")
    group.addoption("--sign-off", help="signoff.toml confirming the manual items.")
    group.addoption("--audit-config", help="audit.toml: per-check thresholds ([thresholds] check = N or {object = N}).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "checklist(area): the checklist area a check belongs to")
    config.addinivalue_line("markers", "manual: an item a person confirms in the sign-off file")
    source, target = config.getoption("--source", None), config.getoption("--target", None)
    if source is None and target is None:
        return
    if not source or not target:
        raise pytest.UsageError("The audit needs both --source and --target snapshots.")
    for name, value in (("--source", source), ("--target", target), ("--state", config.getoption("--state"))):
        if value is not None and not Path(value).exists():
            raise pytest.UsageError(f"{name} {value} does not exist; take it with `twenty-migrate snapshot` (or run apply for --state).")
    if hasattr(config, "workerinput"):
        return
    from migrate.errors import MigrateError

    inputs = AuditInputs(Path(source), Path(target), Path(config.getoption("--state")) if config.getoption("--state") else None,
                         Path(config.getoption("--report-dir")),
                         Path(config.getoption("--sign-off")) if config.getoption("--sign-off") else None,
                         command=" ".join(shlex.quote(a) for a in ["pytest", *sys.argv[1:]]),
                         config=Path(config.getoption("--audit-config")) if config.getoption("--audit-config") else None)
    if inputs.sign_off is not None:
        load_sign_off(inputs.sign_off)  # a malformed sign-off file is a usage error, before any check runs
    try:
        session = AuditSession(inputs)
    except MigrateError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(AuditPlugin(session), SESSION_NAME)


def load_sign_off(path: Path) -> dict[str, dict[str, str]]:
    """`signoff.toml`: `[confirmed]` with `"<item id>" = { by = "name", at = 2026-11-29 }`; {item id: {by, at}}."""
    import datetime
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise pytest.UsageError(f"Cannot read the sign-off file {path}: {exc}.") from None
    table = data.get("confirmed", {})
    if not isinstance(table, dict):
        raise pytest.UsageError(f'{path}: [confirmed] must be a table of "<item id>" = {{ by = "name", at = 2026-11-29 }}.')
    out = {}
    for item, entry in table.items():
        at = entry.get("at") if isinstance(entry, dict) else None
        if isinstance(at, str):
            try:
                at = datetime.date.fromisoformat(at)
            except ValueError:
                at = None
        by = entry.get("by") if isinstance(entry, dict) else None
        if not (isinstance(by, str) and by.strip()) or not isinstance(at, datetime.date):
            raise pytest.UsageError(f'{path}: the confirmation of "{item}" needs who and when: "{item}" = {{ by = "name", at = 2026-11-29 }}.')
        out[item] = {"by": by.strip(), "at": at.isoformat()}
    return out


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(SESSION_NAME)
    if plugin is not None:
        plugin.session.close()
        config.pluginmanager.unregister(plugin)


@pytest.fixture(scope="session")
def audit(request: pytest.FixtureRequest) -> AuditSession:
    """The audit's inputs (source, target, journal) and its diff, opened once per run."""
    plugin = request.config.pluginmanager.get_plugin(SESSION_NAME)
    if plugin is None:
        raise pytest.UsageError("This check needs an audit: pass --source and --target snapshots.")
    return plugin.session  # type: ignore[no-any-return]


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """Where a check puts what it observed; the report shows it beside the result."""
    found = Evidence()
    request.node.stash[EVIDENCE_KEY] = found
    return found


class AuditPlugin:
    """Hooks of one audit run."""

    def __init__(self, session: AuditSession) -> None:
        self.session = session

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "object_name" in metafunc.fixturenames:
            wanted = getattr(metafunc.function, "objects", None)
            names = [n for n in self.session.objects if wanted is None or n in wanted]
            metafunc.parametrize("object_name", names, ids=names)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            marker = item.get_closest_marker("checklist")
            area = marker.args[0] if marker and marker.args else item.module.__name__.rsplit("test_", 1)[-1] if item.module else "checks"
            doc = (getattr(item, "function", None).__doc__ or "").strip() if getattr(item, "function", None) else ""
            status = "xfailed" if hasattr(report, "wasxfail") else report.outcome
            if report.when == "setup" and report.outcome == "failed":
                status = "error"
            message = ""
            if report.longrepr is not None and status in ("failed", "error", "skipped"):
                message = report.longrepr[2] if isinstance(report.longrepr, tuple) else getattr(report.longrepr, "reprcrash", None) and report.longrepr.reprcrash.message or str(report.longrepr)[:2000]
            callspec = getattr(item, "callspec", None)
            self.session.results.append(CheckResult(
                nodeid=item.nodeid, area=area, name=getattr(item, "originalname", item.name), sentence=doc.splitlines()[0] if doc else item.name,
                item=str(callspec.params.get("object_name")) if callspec and "object_name" in callspec.params else None,
                outcome=status, evidence=item.stash.get(EVIDENCE_KEY, Evidence()), message=str(message), duration=report.duration,
            ))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from migrate.audit.report import write_reports

        self.paths = write_reports(self.session)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from migrate.audit.verdict import verdict_of

        verdict = verdict_of(self.session.results, self.session.tolerated)
        terminalreporter.write_sep("=", f"twenty-migrate audit: {verdict.label}")
        for path in getattr(self, "paths", []):
            terminalreporter.write_line(f"report: {path}")
