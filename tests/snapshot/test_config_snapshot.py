"""The configuration tables of a snapshot: views and their parts, workflows and versions, roles,
permissions and assignments, webhooks, API keys and connected accounts, keyed by API names and
free of secrets (the demo seed holds all of it)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from migrate.plan.config_plan import CONFIG_TABLES
from migrate.snapshot.reader import Snapshot
from tests.plan.workspaces import SOURCE_KEY, SOURCE_URL, call, new_source, take_snapshot


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    source = new_source()
    path = asyncio.run(take_snapshot(source, tmp_path_factory.mktemp("config-snapshot") / "source.duckdb"))
    return path, source


def test_every_configuration_table_is_written_and_filled(demo_snapshot: tuple[Path, object]) -> None:
    """Each of the fourteen tables exists and holds the demo seed's configuration."""
    with Snapshot(demo_snapshot[0]) as snap:
        counts = {t: snap.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONFIG_TABLES}  # type: ignore[index]
    assert all(n > 0 for n in counts.values()), counts
    assert counts["workflows"] == 3 and counts["workflow_versions"] == 5 and counts["webhooks"] == 2 and counts["api_keys"] == 2


def test_views_and_permissions_name_objects_and_fields_by_api_name(demo_snapshot: tuple[Path, object]) -> None:
    """The kanban's group-by and aggregate fields, filters and field permissions read as names."""
    with Snapshot(demo_snapshot[0]) as snap:
        settings = json.loads(snap.con.execute("SELECT settings FROM views WHERE name = 'Pipeline by stage'").fetchone()[0])  # type: ignore[index]
        fields = {r[0] for r in snap.con.execute("SELECT DISTINCT field FROM view_filters").fetchall()}
        restricted = snap.con.execute("SELECT role, object, field FROM role_permissions WHERE kind = 'field' ORDER BY role").fetchall()
        private = snap.con.execute("SELECT count(*) FROM views WHERE visibility <> 'WORKSPACE'").fetchone()[0]  # type: ignore[index]
    assert settings["mainGroupByFieldMetadataId"] == "stage" and settings["kanbanAggregateOperationFieldMetadataId"] == "amount"
    assert {"employees", "name", "closeDate", "company"} <= fields and None not in fields
    assert restricted == [("Sales Rep", "company", "annualRecurringRevenue"), ("Support", "person", "phones")]
    assert private == 0, "an API key cannot list private views"


def test_no_secret_is_written(demo_snapshot: tuple[Path, object]) -> None:
    """Neither the webhooks' signing secrets nor any token reaches the snapshot file."""
    path, source = demo_snapshot
    hooks = asyncio.run(call(source, "GET", "/rest/metadata/webhooks", key=SOURCE_KEY, url=SOURCE_URL))  # type: ignore[arg-type]
    secrets = [w["secret"] for w in hooks]
    data = path.read_bytes()
    assert secrets and not any(s.encode() in data for s in secrets)
    with Snapshot(path) as snap:
        columns = {r[0] for r in snap.con.execute("SELECT column_name FROM information_schema.columns WHERE table_name IN "
                                                  "('webhooks', 'api_keys', 'connected_accounts')").fetchall()}
    assert not {"secret", "token", "accessToken", "refreshToken"} & columns
