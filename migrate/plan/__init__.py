"""Planning a migration: schema diff, member mapping, dependency order; nothing is written."""

from __future__ import annotations

from migrate.plan.plan import Plan, build_plan, load_plan, save_plan

__all__ = ["Plan", "build_plan", "load_plan", "save_plan"]
