"""Docs as tests: generated files are current, every command is documented with an example."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from migrate.cli import app
from migrate.emulator.coverage import render

ROOT = Path(__file__).resolve().parents[1]


def test_emulator_coverage_file_is_current() -> None:
    """EMULATOR_COVERAGE.md is what `python -m migrate.emulator.coverage` prints now."""
    assert (ROOT / "EMULATOR_COVERAGE.md").read_text(encoding="utf-8") == render(), \
        "run: python -m migrate.emulator.coverage > EMULATOR_COVERAGE.md"


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    commands = ["snapshot", "snapshot-info", "plan", "apply", "rollback", "id-map", "audit", "demo",
                "export-csv", "prepare-csv"]
    for command in commands:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Example:" in result.output, f"{command} --help has no example"
        assert f"twenty-migrate {command}" in readme or f"`{command}" in readme, f"README does not mention {command}"
