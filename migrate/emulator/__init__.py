"""A Twenty-compatible server for tests, demos and benchmarks (see `create_app`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["create_app"]


def create_app(**kwargs: Any) -> Starlette:
    """Build an emulated workspace; the arguments are those of `migrate.emulator.app.create_app`."""
    from migrate.emulator.app import create_app as _create_app

    return _create_app(**kwargs)
