"""The README's "Following Twenty's guide by hand" section: its commands exist with the options
it shows, and their help texts end with an example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### Following Twenty's guide by hand")
    return text[start:text.index("\n### ", start + 4)]


@pytest.mark.parametrize("command", ["export-csv", "prepare-csv"])
def test_the_manual_commands_have_help_with_an_example_and_are_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    assert f"twenty-migrate {command}" in _section()


def test_every_option_the_section_shows_is_an_option_of_its_command() -> None:
    runner = CliRunner()
    for line in re.findall(r"twenty-migrate ([a-z-]+)((?: [^`|\n]*)?)", _section().replace("\\\n", " ")):
        command, rest = line
        options = re.findall(r"(--[a-z-]+)", rest)
        help_text = runner.invoke(app, [command, "--help"], terminal_width=200).output
        for option in options:
            assert option in help_text, f"{command} has no {option}"
