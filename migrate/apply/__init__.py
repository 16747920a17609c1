"""Carrying out a plan: data model, records, second pass, soft deletes; journaled, resumable."""

from __future__ import annotations

from migrate.apply.journal import Journal
from migrate.apply.runner import ApplySummary, apply_plan, dry_run

__all__ = ["ApplySummary", "Journal", "apply_plan", "dry_run"]
