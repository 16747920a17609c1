"""An API snapshot holds exactly what the server holds, and is written all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from migrate.emulator import create_app
from migrate.emulator.app import Emulator
from migrate.emulator.faults import Faults
from migrate.errors import SnapshotError, TwentyAuthError
from migrate.settings import ClientSettings, Endpoint, Secret
from migrate.snapshot.from_api import snapshot_from_api
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.writer import files_dir
from migrate.twenty.client import TwentyClient

pytestmark = pytest.mark.anyio

KEY = "snapshot-test-key"
FAST = ClientSettings(requests_per_minute=1e9, max_attempts=6)


async def _no_sleep(seconds: float) -> None:
    return None


def _client(app: Emulator, key: str = KEY) -> TwentyClient:
    return TwentyClient(Endpoint("http://source.test", Secret(key)), FAST, transport=httpx.ASGITransport(app=app), sleep=_no_sleep)


async def _server_records(app: Emulator, plural: str) -> dict[str, dict[str, Any]]:
    """Every record as the server returns it (live and soft-deleted), read with plain httpx."""
    out: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://source.test",
                                 headers={"Authorization": f"Bearer {KEY}"}) as http:
        for extra in ({}, {"filter": "deletedAt[is]:NOT_NULL"}):
            cursor = None
            while True:
                params: dict[str, Any] = {"limit": 200, **extra, **({"starting_after": cursor} if cursor else {})}
                body = (await http.get(f"/rest/{plural}", params=params)).json()
                for record in body["data"][plural]:
                    out[record["id"]] = record
                if not body["pageInfo"]["hasNextPage"]:
                    break
                cursor = body["pageInfo"]["endCursor"]
    return out


def _without_signed_urls(record: dict[str, Any]) -> dict[str, Any]:
    """FILES items carry a signed, expiring `url` on read; a snapshot keeps the file, not the URL."""
    return {k: ([{i: x for i, x in item.items() if i != "url"} for item in v] if k == "file" else v) for k, v in record.items()}


@pytest.fixture
def seeded() -> Emulator:
    return create_app(api_keys=[KEY], seed="demo", server_url="http://source.test")


async def test_snapshot_of_a_seeded_workspace_equals_the_server_field_by_field(seeded: Emulator, tmp_path: Path) -> None:
    """Every record of every snapshotted object, custom ones included, decodes to the value the
    REST API returns, sub-field by sub-field (reads as in `rest-api-find-many.handler.ts`)."""
    out = tmp_path / "source.duckdb"
    async with _client(seeded) as client:
        summary = await snapshot_from_api(client, out)
    with Snapshot(out) as snap:
        objects = {o.name_singular: o for o in snap.objects()}
        assert {"project", "contract", "invoice"} <= set(summary.counts), "custom objects are snapshotted"
        compared = 0
        for name, count in summary.counts.items():
            obj = objects[name]
            server = await _server_records(seeded, obj.name_plural)
            mine = {r["id"]: r for r in snap.records(obj)}
            assert set(mine) == set(server), name
            assert count == len(server)
            for record_id, record in server.items():
                expected = _without_signed_urls(record)
                for key, value in expected.items():
                    assert mine[record_id][key] == value, f"{name} {record_id} {key}"
                    compared += 1
        assert compared > 4000, "the comparison covered every field of ~300 records"
        assert sum(summary.deleted.values()) > 0, "soft-deleted records are in the snapshot"


async def test_snapshot_keeps_attachment_bytes_with_their_sha256(seeded: Emulator, tmp_path: Path) -> None:
    """Attachment bytes are downloaded from the signed URL of each FILES item and stored beside
    the snapshot under their sha256 (`file-url.service.ts`, research note §1)."""
    import hashlib

    out = tmp_path / "source.duckdb"
    async with _client(seeded) as client:
        summary = await snapshot_from_api(client, out)
    assert summary.files > 0
    with Snapshot(out) as snap:
        rows = snap.con.execute("SELECT attachment_id, file_id, size, sha256, stored_as FROM attachment_files").fetchall()
    for _attachment, file_id, size, sha, stored_as in rows:
        data = (files_dir(out) / stored_as).read_bytes()
        assert len(data) == size and hashlib.sha256(data).hexdigest() == sha
        original = seeded.workspace.store.get_file(file_id=file_id)
        assert original is not None and original[4] == data


async def test_snapshot_survives_a_storm_of_429_and_5xx(seeded: Emulator, tmp_path: Path) -> None:
    """Faults change nothing in the result: the same counts as a clean run."""
    clean = tmp_path / "clean.duckdb"
    async with _client(seeded) as client:
        expected = await snapshot_from_api(client, clean, with_files=False)
    seeded.fault_layer.configure(Faults(rate_429=0.3, rate_5xx=0.05, seed=7))
    stormy = tmp_path / "stormy.duckdb"
    async with _client(seeded) as client:
        got = await snapshot_from_api(client, stormy, with_files=False)
        assert client.retries > 0
    assert got.counts == expected.counts and got.deleted == expected.deleted


async def test_a_refused_key_leaves_no_file_behind(seeded: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "source.duckdb"
    async with _client(seeded, key="not-the-key") as client:
        with pytest.raises(TwentyAuthError):
            await snapshot_from_api(client, out)
    assert list(tmp_path.iterdir()) == []


async def test_a_failure_mid_snapshot_leaves_no_file_looking_complete(seeded: Emulator, tmp_path: Path) -> None:
    """A snapshot is written under a temporary name and renamed at the end: a run that dies
    half-way (here every request after the metadata fails for good) leaves nothing behind."""
    out = tmp_path / "source.duckdb"
    async with _client(seeded) as client:
        await client.objects()
        seeded.fault_layer.configure(Faults(rate_5xx=1.0))
        with pytest.raises(Exception) as caught:
            await snapshot_from_api(client, out)
    assert "TwentyServerError" in type(caught.value).__name__
    assert not out.exists() and not out.with_name(out.name + ".partial").exists() and not files_dir(out).exists()


def test_a_file_that_is_not_a_snapshot_is_refused_with_a_sentence(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_bytes(b"not a database")
    with pytest.raises(SnapshotError, match="not a twenty-migrate snapshot"):
        Snapshot(bogus)
    with pytest.raises(SnapshotError, match="does not exist"):
        Snapshot(tmp_path / "missing.duckdb")


async def test_a_snapshot_of_another_format_version_is_refused(seeded: Emulator, tmp_path: Path) -> None:
    import duckdb

    out = tmp_path / "source.duckdb"
    async with _client(seeded) as client:
        await snapshot_from_api(client, out, with_files=False)
    con = duckdb.connect(str(out))
    con.execute("UPDATE snapshot_info SET format_version = 99, tool_version = '9.9.9'")
    con.close()
    with pytest.raises(SnapshotError, match="format 99 .*tool 9.9.9.*Take the snapshot again"):
        Snapshot(out)
