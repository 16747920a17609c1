"""twenty-migrate: move a Twenty CRM workspace between instances and prove the move.

The public surface grows issue by issue; `__all__` is pinned by `tests/test_public_api.py`.
"""

from __future__ import annotations

from migrate.errors import ConfigError, EmulatorError, MigrateError

__version__ = "0.1.0"

__all__ = ["ConfigError", "EmulatorError", "MigrateError", "__version__"]
