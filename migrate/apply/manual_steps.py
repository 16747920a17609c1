"""What a migration cannot move, per item: kept in the journal's `manual_steps` table (so the
checks can track each one) and written as `manual-steps.md` next to the journal.

Kinds: `api key` (re-issue), `connected account` (reconnect), `workflow` (activate, add steps, point
a step at something the target lacks), `view` (a filter, sort or column left out), `role` (an
assignment to make), `webhook` (give the new secret to the receiver).
"""

from __future__ import annotations

from pathlib import Path

from migrate.apply.journal import Journal

FILE_NAME = "manual-steps.md"
TITLES = {"api key": "API keys to re-issue", "connected account": "E-mail and calendar connections", "workflow": "Workflows",
          "view": "Views", "role": "Roles and assignments", "webhook": "Webhooks"}


def add_manual_step(journal: Journal, kind: str, item: str, action: str) -> None:
    """One thing a person must do; recorded once however often `apply` runs."""
    journal.con.execute("INSERT OR IGNORE INTO manual_steps VALUES (?, ?, ?)", [kind, item, action])


def clear_manual_steps(journal: Journal, kind: str, item: str, prefix: str) -> None:
    """A step a later run did itself (with a user token) is no longer manual."""
    journal.con.execute("DELETE FROM manual_steps WHERE kind = ? AND item = ? AND starts_with(action, ?)", [kind, item, prefix])


def manual_steps(journal: Journal) -> list[tuple[str, str, str]]:
    return [(str(k), str(i), str(a)) for k, i, a in journal.con.execute(
        "SELECT kind, item, action FROM manual_steps ORDER BY kind, item, action").fetchall()]


def manual_steps_path(journal: Journal) -> Path:
    return journal.path.with_name(FILE_NAME)


def write_manual_steps(journal: Journal, path: Path | None = None, *, secrets: dict[str, str] | None = None) -> Path:
    """`manual-steps.md`: a checklist per kind, one line per item. `secrets`: the new webhook
    signing secrets by target URL, written in this file only (never in the journal)."""
    out = path or manual_steps_path(journal)
    steps = manual_steps(journal)
    lines = ["# Manual steps after the migration", "",
             ("What twenty-migrate could not do through the API. Tick each item once done; the audit lists them as "
              "\"to confirm\" until signed off."), ""]
    if not steps:
        lines.append("Nothing: every item of the configuration was migrated.")
    for kind in sorted({k for k, _, _ in steps}, key=lambda k: list(TITLES).index(k) if k in TITLES else len(TITLES)):
        lines += [f"## {TITLES.get(kind, kind)}", ""]
        lines += [f"- [ ] **{_md(item)}**: {_md(action)}" + (f" New secret: `{secrets[item]}`" if kind == "webhook" and (secrets or {}).get(item) else "")
                  for k, item, action in steps if k == kind]
        lines.append("")
    tmp = out.with_name(out.name + ".partial")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def _md(text: str) -> str:
    """Names come from a workspace: keep them from turning into markup."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;").replace("\n", " ")


__all__ = ["add_manual_step", "manual_steps", "manual_steps_path", "write_manual_steps"]
