"""The configuration checks and the manual items, on the clean migration and broken copies of it.

The clean migration (see conftest) leaves steps for a person in the journal (workflow steps and
an activation, role assignments, API keys, connected accounts, webhook secrets): the
configuration checks pass and say so in their evidence, and each manual item is "to confirm"
until a sign-off file confirms it. The faults follow test_fault_catalogue.py: break one copy,
run `pytest checks/`, assert exactly which checks fail and that the evidence names the culprit.
"""

from __future__ import annotations

from pathlib import Path

from tests.checks.conftest import MigrationFiles
from tests.checks.test_fault_catalogue import MANUAL, Audit, assert_named, assert_only, to_confirm

pytest_plugins = ["pytester"]

CONFIG = "checks/test_configuration.py::{}"
VIEWS = CONFIG.format("test_every_view_is_in_the_target_with_its_fields_filters_sorts_and_groups")
WORKFLOWS = CONFIG.format("test_every_workflow_is_in_the_target_with_its_trigger_steps_and_state")
ROLES = CONFIG.format("test_every_custom_role_has_its_permissions")
ASSIGNMENTS = CONFIG.format("test_every_member_has_their_role")
WEBHOOKS = CONFIG.format("test_every_webhook_is_in_the_target")
CONFIGURATION = (VIEWS, WORKFLOWS, ROLES, ASSIGNMENTS, WEBHOOKS)


def manual_item_ids(run_data: dict) -> list[str]:  # type: ignore[type-arg]
    return [r["evidence"]["samples"][0]["item"] for r in run_data["results"] if r["nodeid"].startswith(MANUAL)]


def test_a_clean_migration_passes_the_configuration_checks_and_leaves_manual_items_to_confirm(migration: MigrationFiles,
                                                                                               run_checks: Audit) -> None:
    run = run_checks(migration)
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    assert {n: run.outcome(n)["outcome"] for n in CONFIGURATION} == dict.fromkeys(CONFIGURATION, "passed")
    assert run.data["verdict"] == "PASS WITH WARNINGS"
    manual = {r["nodeid"] for r in run.data["results"] if r["nodeid"].startswith(MANUAL)}
    assert manual == to_confirm(run) and {r["outcome"] for r in run.data["results"] if r["nodeid"] not in manual} == {"passed"}
    ids = manual_item_ids(run.data)
    steps = migration.one("state", "SELECT count(*) FROM manual_steps")
    assert len(ids) == len(set(ids)) == steps
    assert {"api key: Zapier", "connected account: jane.doe@apple.dev", "role: Support for tim@apple.dev"} <= set(ids)
    # the differences the journal explains are passed with a note, not silently
    notes = " ".join(run.outcome(WORKFLOWS)["evidence"]["notes"])
    assert "Welcome new people" in notes and "active in the source" in notes and "add the step" in notes
    assert any("tim@apple.dev" in n for n in run.outcome(ASSIGNMENTS)["evidence"]["notes"])


def test_a_sign_off_confirming_every_item_passes(migration: MigrationFiles, run_checks: Audit, tmp_path: Path) -> None:
    ids = manual_item_ids(run_checks(migration).data)
    sign_off = tmp_path / "signoff.toml"
    sign_off.write_text("[confirmed]\n" + "".join(f'"{i}" = {{ by = "Jane Doe", at = 2026-11-29 }}\n' for i in ids), encoding="utf-8")
    run = run_checks(migration, "--sign-off", str(sign_off))
    assert run.result.ret == 0, run.result.stdout.str()[-3000:]
    run.result.assert_outcomes(passed=len(run.data["results"]))
    assert run.data["verdict"] == "PASS"
    evidence = run.outcome(f"{MANUAL}api key: Zapier]")["evidence"]
    assert evidence["observed"] == "confirmed by Jane Doe on 2026-11-29"


def test_a_malformed_sign_off_is_a_usage_error(migration: MigrationFiles, run_checks: Audit, tmp_path: Path) -> None:
    sign_off = tmp_path / "signoff.toml"
    sign_off.write_text('[confirmed]\n"api key: Zapier" = { by = "Jane Doe" }\n', encoding="utf-8")
    run = run_checks(migration, "--sign-off", str(sign_off))
    assert run.result.ret == 4
    run.result.stderr.fnmatch_lines(['*the confirmation of "api key: Zapier" needs who and when*'])


def test_a_view_deleted_from_the_target(migration: MigrationFiles, run_checks: Audit) -> None:
    """Delete the view 'Big accounts' of companies from the target: only the view check fails, naming it."""
    migration.sql("target", "DELETE FROM views WHERE object = 'company' AND name = 'Big accounts'")
    run = run_checks(migration)
    assert_only(run, {VIEWS: r"1 views or view settings of the source are missing in the target"})
    assert_named(run, VIEWS, view="company: Big accounts", target="missing")


def test_a_workflow_state_changed_in_the_target(migration: MigrationFiles, run_checks: Audit) -> None:
    """Make 'Opportunity follow-up' active in the target, though the journal created it a draft: the workflow check fails."""
    migration.sql("target", """UPDATE workflows SET statuses = '["ACTIVE"]' WHERE name = 'Opportunity follow-up'""")
    run = run_checks(migration)
    assert_only(run, {WORKFLOWS: r"1 workflow differences between the source and the target"})
    assert_named(run, WORKFLOWS, workflow="Opportunity follow-up", field="state", target="ACTIVE")


def test_a_role_assignment_removed(migration: MigrationFiles, run_checks: Audit) -> None:
    """Remove Tim's role in the target: the journal leaves his 'Support' role to a person, but a
    member without any role is not explained, so the role assignment check fails naming him."""
    migration.sql("target", "DELETE FROM role_assignments WHERE email = 'tim@apple.dev'")
    run = run_checks(migration)
    assert_only(run, {ASSIGNMENTS: r"1 members do not have their source role in the target: tim@apple.dev"})
    assert_named(run, ASSIGNMENTS, member="tim@apple.dev", target="no role")
