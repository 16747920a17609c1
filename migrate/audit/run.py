"""Running the checklist from Python (the `audit` command, the demo): `pytest checks/` in-process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from migrate.errors import ConfigError

CHECKS = Path(__file__).resolve().parents[2] / "checks"


def checks_dir() -> Path:
    if not (CHECKS / "test_records.py").exists():
        raise ConfigError(f"The checklist is not at {CHECKS}; run the audit from a checkout of twenty-migrate (pytest checks/ ...).")
    return CHECKS


def run_audit(source: Path | str, target: Path | str, *, state: Path | None = None, report_dir: Path = Path("reports"), quiet: bool = True,
              extra: list[str] | None = None, final: bool = False, objects: Sequence[str] | None = None,
              config: Path | None = None) -> int:
    """pytest's exit code: 0 every check passed, 1 a check failed, 4 usage error. pytest runs in
    its own process: a CLI that already imported httpx and anyio would defeat its assertion
    rewriting, and a clean interpreter is what `pytest checks/` gets when a person runs it.

    `source` and `target`: a snapshot, a URL (snapshotted by the plugin, keys from the environment)
    or a folder of CSV exports. Without `state`, records are matched by id, unique keys and the
    `[match]` keys of `config`; `final` and `objects` say which import pass this is."""
    import subprocess
    import sys

    report_dir = Path(report_dir).resolve()
    args = [sys.executable, "-m", "pytest", str(checks_dir()), "--source", _side(source), "--target", _side(target),
            "--report-dir", str(report_dir), "-p", "no:cacheprovider", "--junitxml", str(report_dir / "junit.xml")]
    if state is not None:
        args += ["--state", str(Path(state).resolve())]
    if config is not None:
        args += ["--audit-config", str(Path(config).resolve())]
    if final:
        args.append("--final")
    if objects:
        args += ["--objects", ",".join(objects)]
    if quiet:
        args += ["-q", "--no-header", "-rN"]
    return subprocess.run(args + list(extra or []), cwd=checks_dir().parent, check=False).returncode


def _side(value: Path | str) -> str:
    text = str(value)
    return text if text.startswith(("http://", "https://")) else str(Path(text).resolve())
