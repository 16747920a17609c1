"""The checklist needs an audit: `pytest checks/ --source S --target T [--state J]`."""

from __future__ import annotations

import pytest


DIFFED = frozenset({"test_counts", "test_owners", "test_records", "test_relations", "test_targets"})
"""The modules whose checks read the diff or the dangling references."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    plugin = config.pluginmanager.get_plugin("twenty-migrate-audit")
    if plugin is None and any("checks" in str(i.path) for i in items):
        raise pytest.UsageError("checks/ audits a migration: run `pytest checks/ --source source.duckdb --target target.duckdb "
                                "[--state state.duckdb]`.")
    if plugin is not None and any(i.path.stem in DIFFED for i in items):
        plugin.session.prefetch()  # the diff runs while the checks that do not need it run


def pytest_configure(config: pytest.Config) -> None:
    """An audit does not use hypothesis: its pytest plugin (installed with the project's dev tools)
    would import hypothesis in its terminal summary, ~0.5 s of every `pytest checks/` run."""
    if config.getoption("--source", None) is not None:
        plugin = config.pluginmanager.get_plugin("hypothesispytest")
        if plugin is not None:
            config.pluginmanager.unregister(plugin)
