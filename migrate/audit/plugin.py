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
PENDING_KEY = pytest.StashKey[str]()
SESSION_NAME = "twenty-migrate-audit"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("twenty-migrate", "twenty-migrate audit")
    group.addoption("--source", help="The source: a snapshot (.duckdb), a URL (key in TWENTY_SOURCE_API_KEY) or a folder of CSV exports.")
    group.addoption("--target", help="The target after the migration: a snapshot, a URL (key in TWENTY_TARGET_API_KEY) or a folder of CSV exports.")
    group.addoption("--state", help="The apply journal (state.duckdb), to explain counts and map ids.")
    group.addoption("--report-dir", default="reports", help="Where audit.html and audit.json are written (default: reports).")
    group.addoption("--sign-off", help="signoff.toml confirming the manual items.")
    group.addoption("--audit-config", help="audit.toml: per-check thresholds ([thresholds] check = N or {object = N}), "
                    "matching keys ([match] opportunity = [\"name\", \"company\"]), final = true.")
    group.addoption("--final", action="store_true", default=False,
                    help="The import is complete: an object with no records in the target fails instead of being pending.")
    group.addoption("--objects", help="Audit only these objects (comma-separated, e.g. company,person): what has been imported so far.")
    group.addoption("--csv-schema", help="With a folder of CSV exports: the snapshot or schema.json that types it.")
    group.addoption("--rate", type=float, default=90.0, help="Requests per minute when --source/--target is a URL (default 90).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "checklist(area): the checklist area a check belongs to")
    config.addinivalue_line("markers", "manual: an item a person confirms in the sign-off file")
    config.addinivalue_line("markers", "audit_objects(*names): the objects a check needs; pending until they are imported")
    source, target = config.getoption("--source", None), config.getoption("--target", None)
    if source is None and target is None:
        return
    if not source or not target:
        raise pytest.UsageError("The audit needs both --source and --target snapshots.")
    for name, value in (("--state", config.getoption("--state")), ("--csv-schema", config.getoption("--csv-schema"))):
        if value is not None and not Path(value).exists():
            raise pytest.UsageError(f"{name} {value} does not exist; take it with `twenty-migrate snapshot` (or run apply for --state).")
    if hasattr(config, "workerinput"):
        return
    from migrate.audit.inputs import resolve
    from migrate.audit.passes import pass_options
    from migrate.audit.report import new_run_dir
    from migrate.errors import MigrateError

    option = config.getoption
    report_dir = Path(option("--report-dir"))
    audit_config = Path(option("--audit-config")) if option("--audit-config") else None
    if option("--sign-off"):
        load_sign_off(Path(option("--sign-off")))  # a malformed sign-off file is a usage error, before any check runs
    run_dir, existed = None, report_dir.exists()
    try:
        passes = pass_options(audit_config, final=bool(option("--final")), objects=option("--objects"))
        run_dir = new_run_dir(report_dir)
        source_path, target_path = resolve(source, target, run_dir, Path(option("--csv-schema")) if option("--csv-schema") else None,
                                           rate=float(option("--rate")))
        inputs = AuditInputs(source_path, target_path, Path(option("--state")) if option("--state") else None, report_dir,
                             Path(option("--sign-off")) if option("--sign-off") else None,
                             command=" ".join(shlex.quote(a) for a in ["pytest", *sys.argv[1:]]), config=audit_config,
                             passes=passes, run_dir=run_dir)
        session = AuditSession(inputs)
    except MigrateError as exc:
        for folder in (run_dir, None if existed else report_dir):  # a usage error leaves no report folder behind
            if folder is not None and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
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
        from migrate.audit.report import keep_junit

        keep_junit(plugin.session, getattr(config.option, "xmlpath", None))
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

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """An object not imported yet (or left out by --objects) is pending: its checks wait for a later pass."""
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        names = [str(params[k]) for k in ("object_name", "link") if k in params]
        names += [str(n) for marker in item.iter_markers("audit_objects") for n in marker.args]
        for name in names:
            reason = self.session.pending(name)
            if reason is not None:
                item.stash[PENDING_KEY] = reason
                pytest.skip(reason)

    @pytest.hookimpl(wrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> Generator[None, object, object]:
        """A failed check is a finding, not a bug in a check: pytest shows its sentence (the
        evidence is in the report), not a traceback, whose source listing costs more to build than
        most checks take to run. With `--full-trace` it is shown; any other exception keeps its own."""
        try:
            return (yield)
        except AssertionError as exc:
            if pyfuncitem.config.getoption("fulltrace", False):
                raise
            raise pytest.fail.Exception(str(exc), pytrace=False) from None

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
            if status == "skipped" and PENDING_KEY in item.stash:
                status = "pending"
            message = ""
            if status == "failed" and call.excinfo is not None and isinstance(call.excinfo.value, pytest.fail.Exception):
                message = str(call.excinfo.value)  # the check's own sentence (see pytest_pyfunc_call)
            elif report.longrepr is not None and status in ("failed", "error", "skipped", "pending"):
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
