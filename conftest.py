"""Root conftest: wires the audit plugin for `pytest checks/` run from the repository root.

The plugin (`migrate.audit.plugin`) arrives with the audit issue; until then this file only
marks the root so that `pytest` finds the project's packages from a plain checkout.
"""
