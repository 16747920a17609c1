"""Root conftest: wires the audit plugin for `pytest checks/` run from the repository root.

The plugin does nothing unless `--source`/`--target` are given, so the project's own tests
(`tests/`) are unaffected. Installing twenty-migrate registers the same plugin through its
`pytest11` entry point, under the same name, for checks run from elsewhere.
"""

pytest_plugins = ["migrate.audit.plugin"]
