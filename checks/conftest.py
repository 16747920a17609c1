"""The checklist needs an audit: `pytest checks/ --source S --target T [--state J]`."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.pluginmanager.get_plugin("twenty-migrate-audit") is None and any("checks" in str(i.path) for i in items):
        raise pytest.UsageError("checks/ audits a migration: run `pytest checks/ --source source.duckdb --target target.duckdb "
                                "[--state state.duckdb]`.")


def pytest_configure(config: pytest.Config) -> None:
    """An audit does not use hypothesis: its pytest plugin (installed with the project's dev tools)
    would import hypothesis in its terminal summary, ~0.5 s of every `pytest checks/` run."""
    if config.getoption("--source", None) is not None:
        plugin = config.pluginmanager.get_plugin("hypothesispytest")
        if plugin is not None:
            config.pluginmanager.unregister(plugin)
