"""The checklist needs an audit: `pytest checks/ --source S --target T [--state J]`.

The hooks below only make the audit faster: the diff starts as soon as the run is known to need
it (the whole checklist, or any check that reads it), in a thread, while pytest collects and runs
the checks that do not (see `AuditSession.prefetch`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

PLUGIN = "twenty-migrate-audit"
HERE = Path(__file__).resolve().parent
DIFFED = frozenset({"test_counts", "test_matching", "test_owners", "test_records", "test_relations", "test_targets"})
"""The modules whose checks read the diff or the dangling references."""


@pytest.hookimpl(trylast=True)  # after the audit plugin's, which opens the session
def pytest_configure(config: pytest.Config) -> None:
    """The whole checklist (`pytest checks/`, no -k/-m selection) reads the diff: start it now,
    while pytest collects. An audit does not use hypothesis: its pytest plugin (installed with the
    project's dev tools) would import hypothesis in its terminal summary, ~0.5 s of every run."""
    if config.getoption("--source", None) is None:
        return
    hypothesis = config.pluginmanager.get_plugin("hypothesispytest")
    if hypothesis is not None:
        config.pluginmanager.unregister(hypothesis)
    plugin = config.pluginmanager.get_plugin(PLUGIN)
    whole = all(Path(arg).resolve() == HERE for arg in config.args)
    if plugin is not None and whole and not (config.option.keyword or config.option.markexpr or config.option.collectonly):
        plugin.session.prefetch()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    plugin = config.pluginmanager.get_plugin(PLUGIN)
    if plugin is None and any("checks" in str(i.path) for i in items):
        raise pytest.UsageError("checks/ audits a migration: run `pytest checks/ --source source.duckdb --target target.duckdb "
                                "[--state state.duckdb]`.")
    if plugin is not None and any(i.path.stem in DIFFED for i in items):
        if not config.option.collectonly:
            plugin.session.prefetch()  # the diff runs while the checks that do not need it run
        items.sort(key=lambda i: i.path.stem in DIFFED)  # ... which run first (the sort keeps their order)
