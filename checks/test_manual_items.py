"""Manual items: what the migration left for a person (API keys to re-issue, e-mail and calendar
connections to make again, every step of the journal's `manual_steps`) is done, as the sign-off
file says.

An item is "to confirm" (skipped: the verdict says PASS WITH WARNINGS) until `--sign-off
signoff.toml` confirms it with who and when:

    [confirmed]
    "api key: Zapier" = { by = "Jane Doe", at = 2026-11-29 }

The item id is `<kind>: <item>`, followed by ` #<6 hex digits>` where one item has several steps;
the skip message of each item gives it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from migrate.audit.evidence import Evidence
from migrate.audit.plugin import SESSION_NAME, load_sign_off
from migrate.audit.session import AuditSession
from migrate.plan.config_plan import has_configuration, rows

pytestmark = [pytest.mark.checklist("manual items"), pytest.mark.manual]
NOTHING = "nothing to confirm"


@dataclass(frozen=True, slots=True)
class ManualItem:
    id: str
    kind: str
    item: str
    action: str


def manual_items(audit: AuditSession) -> list[ManualItem]:
    """Every manual item: the journal's steps, and the source's API keys and connected accounts
    (which need a person even when no journal is given)."""
    steps: dict[tuple[str, str], list[str]] = {}
    if audit.journal is not None:
        for kind, item, action in audit.journal.con.execute("SELECT kind, item, action FROM manual_steps ORDER BY kind, item, action").fetchall():
            steps.setdefault((str(kind), str(item)), []).append(str(action))
    if has_configuration(audit.source):
        for key in rows(audit.source, "api_keys", "name"):
            steps.setdefault(("api key", key["name"]), [f"re-issue it in the target with role '{key['role']}' and give the new key to its user"])
        for account in rows(audit.source, "connected_accounts", "handle"):
            steps.setdefault(("connected account", account["handle"]), [
                f"{account['owner_email'] or account['owner_id']} reconnects this {account['provider']} account in Settings > Accounts"])
    out = []
    for (kind, item), actions in sorted(steps.items()):
        for action in actions:
            suffix = f" #{hashlib.sha1(action.encode()).hexdigest()[:6]}" if len(actions) > 1 else ""
            out.append(ManualItem(f"{kind}: {item}{suffix}", kind, item, action))
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "manual_item" not in metafunc.fixturenames:
        return
    plugin = metafunc.config.pluginmanager.get_plugin(SESSION_NAME)
    items = manual_items(plugin.session) if plugin is not None else []
    ids = [i.id for i in items] or [NOTHING]
    metafunc.parametrize("manual_item", items or [None], ids=ids)


@pytest.fixture(scope="session")
def sign_off(audit: AuditSession) -> dict[str, dict[str, str]]:
    """The confirmations of `--sign-off` (checked when the audit started), by item id."""
    return load_sign_off(audit.inputs.sign_off) if audit.inputs.sign_off is not None else {}


def test_manual_item_is_confirmed(manual_item: ManualItem | None, sign_off: dict[str, dict[str, str]], evidence: Evidence) -> None:
    """Each thing the migration left for a person is done, as the sign-off file confirms (who and when)."""
    if manual_item is None:
        evidence.set(observed=NOTHING, expected=NOTHING)
        return
    evidence.add(item=manual_item.id, kind=manual_item.kind, action=manual_item.action)
    confirmation = sign_off.get(manual_item.id)
    if confirmation is None:
        evidence.set(observed="not confirmed", expected="confirmed in the sign-off file")
        pytest.skip(f"to confirm: {manual_item.kind} {manual_item.item}: {manual_item.action} "
                    f'(sign off with [confirmed] "{manual_item.id}" = {{ by = "name", at = YYYY-MM-DD }})')
    evidence.set(observed=f"confirmed by {confirmation['by']} on {confirmation['at']}", expected="confirmed in the sign-off file")
    evidence.note(f"{manual_item.id}: confirmed by {confirmation['by']} on {confirmation['at']}")
