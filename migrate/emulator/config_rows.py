"""Workspace configuration rows (views, roles, API keys, webhooks…) kept as JSON in SQLite.

Twenty keeps these in `core.*` tables (config.md §1.2, §3.1, §4); the emulator keeps one table
`_config(kind, id, data)` in the workspace's own database, so a reset (a new `Store`) empties it
as it empties the records. Rules live in `views.py`, `roles.py`, `integrations.py`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from migrate.emulator.envelopes import TwentyHTTPError, bad_request
from migrate.emulator.store import Store


def new_id(given: Any = None) -> str:
    """An id given on create (checked as a UUID, `@IsUUID()` on the inputs) or a fresh one."""
    if given is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(given)))
    except ValueError:
        raise bad_request("id must be a UUID") from None


class ConfigRows:
    """Rows of one workspace's configuration, by kind."""

    def __init__(self, store: Store) -> None:
        self.conn = store.conn
        self.conn.execute("CREATE TABLE IF NOT EXISTS _config (kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, "
                          "PRIMARY KEY (kind, id))")

    def all(self, kind: str, where: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        rows = [json.loads(d) for (d,) in self.conn.execute("SELECT data FROM _config WHERE kind = ? ORDER BY rowid", (kind,))]
        return [r for r in rows if where is None or where(r)]

    def get(self, kind: str, row_id: str) -> dict[str, Any] | None:
        found = self.conn.execute("SELECT data FROM _config WHERE kind = ? AND id = ?", (kind, row_id)).fetchone()
        return None if found is None else json.loads(found[0])

    def insert(self, kind: str, row: dict[str, Any]) -> dict[str, Any]:
        if self.get(kind, row["id"]) is not None:
            raise bad_request(f'duplicate key value violates unique constraint "PK_{kind}": id {row["id"]} already exists')
        self.conn.execute("INSERT INTO _config VALUES (?, ?, ?)", (kind, row["id"], json.dumps(row, ensure_ascii=False)))
        return row

    def save(self, kind: str, row: dict[str, Any]) -> dict[str, Any]:
        self.conn.execute("INSERT OR REPLACE INTO _config VALUES (?, ?, ?)", (kind, row["id"], json.dumps(row, ensure_ascii=False)))
        return row

    def delete(self, kind: str, row_id: str) -> None:
        self.conn.execute("DELETE FROM _config WHERE kind = ? AND id = ?", (kind, row_id))

    def one(self, kind: str, row_id: Any, error: TwentyHTTPError) -> dict[str, Any]:
        row = self.get(kind, str(row_id)) if row_id else None
        if row is None or row.get("deletedAt"):
            raise error
        return row


def config_rows(ws: Any) -> ConfigRows:
    """The workspace's configuration rows (created on first use, kept on the workspace)."""
    rows = getattr(ws, "_config_rows", None)
    if rows is None:
        rows = ConfigRows(ws.store)
        ws._config_rows = rows
    return rows  # type: ignore[no-any-return]
