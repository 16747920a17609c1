"""The journal's `config_map` as the configuration phase uses it: source item -> target id, and
whether this migration created it (rollback removes exactly those).

A create carries an id chosen and journaled before the request (`planned`, kind `<kind>_pending`):
a run killed between the server's answer and `done` finds that id in the target and adopts it, so
no item is made twice. `config_before` keeps what an existing target item looked like before apply
changed it (an INDEX view, its columns, a member's role), for `rollback`. Reads come from a copy in
memory loaded once; writes go to the journal at once, several in one transaction where they belong
together (the children of one view).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from migrate.apply.journal import Journal

Entry = tuple[str, str, str, bool]
"""(kind, source id, target id, created)"""


class ConfigMap:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.con = journal.con
        self.cache: dict[tuple[str, str], tuple[str, bool]] = {
            (str(k), str(s)): (str(t), bool(c)) for k, s, t, c in self.con.execute("SELECT kind, source_id, target_id, created FROM config_map").fetchall()}

    def get(self, kind: str, source_id: str) -> str | None:
        found = self.cache.get((kind, source_id))
        return None if found is None else found[0]

    def is_created(self, kind: str, source_id: str) -> bool:
        found = self.cache.get((kind, source_id))
        return bool(found and found[1])

    def put(self, kind: str, source_id: str, target_id: str, created: bool) -> None:
        self.write([(kind, source_id, target_id, created)])

    def write(self, entries: Iterable[Entry], done: Iterable[tuple[str, str]] = ()) -> None:
        """Record `entries` and forget the pending marks of `done` (kind, source id), in one transaction."""
        entries, done = list(entries), list(done)
        if not entries and not done:
            return
        self.con.execute("BEGIN TRANSACTION")
        try:
            if entries:
                self.con.executemany("INSERT OR REPLACE INTO config_map VALUES (?, ?, ?, ?)", [list(e) for e in entries])
            if done:
                self.con.executemany("DELETE FROM config_map WHERE kind = ? AND source_id = ?", [[f"{k}_pending", s] for k, s in done])
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")
        for kind, source_id, target_id, created in entries:
            self.cache[(kind, source_id)] = (target_id, created)
        for kind, source_id in done:
            self.cache.pop((f"{kind}_pending", source_id), None)

    def created(self, kind: str) -> list[str]:
        return [t for (k, _), (t, c) in sorted(self.cache.items()) if k == kind and c and t]

    def planned_if_any(self, kind: str, source_id: str) -> str | None:
        return self.get(f"{kind}_pending", source_id) or None

    def planned(self, kind: str, source_id: str) -> str:
        """The id the target item will have, journaled before the create is sent."""
        return self.plan_many([(kind, source_id)])[(kind, source_id)]

    def plan_many(self, items: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Planned ids of several creates, the new ones journaled together."""
        out: dict[tuple[str, str], str] = {}
        new: list[Entry] = []
        for kind, source_id in items:
            known = self.planned_if_any(kind, source_id)
            if known is None:
                known = str(uuid.uuid4())
                new.append((f"{kind}_pending", source_id, known, False))
            out[(kind, source_id)] = known
        self.write(new)
        return out

    def done(self, kind: str, source_id: str, target_id: str, created: bool) -> None:
        self.write([(kind, source_id, target_id, created)], [(kind, source_id)])

    def pending(self, kind: str) -> list[str]:
        """Ids of creates sent by a run that was killed before it could record them."""
        return [t for (k, _), (t, _) in sorted(self.cache.items()) if k == f"{kind}_pending" and t]

    def keep_before(self, kind: str, target_id: str, before: dict[str, Any]) -> None:
        """The first before-image wins: a repeated apply must not overwrite it with its own changes."""
        self.con.execute("INSERT OR IGNORE INTO config_before VALUES (?, ?, ?)", [kind, target_id, json.dumps(before, sort_keys=True)])

    def befores(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(str(t), json.loads(b)) for t, b in self.con.execute("SELECT target_id, body FROM config_before WHERE kind = ? ORDER BY target_id",
                                                                       [kind]).fetchall()]


__all__ = ["ConfigMap"]
