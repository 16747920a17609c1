"""What `prepare-csv` needs to know of the source besides its files: the data model (headers are
labels, so types and relations come from it), the members (id -> e-mail), and how many records
the UI's export leaves out (soft-deleted ones, note and task targets, attachments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from migrate.model import Member, ObjectMeta
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.schema_file import load_schema
from migrate.snapshot.tables import snapshotted
from migrate.twenty.client import TwentyClient

LINK_OBJECTS = ("noteTarget", "taskTarget", "attachment")


@dataclass(frozen=True, slots=True)
class SourceModel:
    """The source's objects and members; live and soft-deleted record counts by singular name
    (`counted` is False when read from a schema.json, which holds no records)."""

    objects: list[ObjectMeta]
    members: list[Member]
    live: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    counted: bool = True


def model_from_file(path: Path) -> SourceModel:
    """From a snapshot (`.duckdb`, with counts) or a `schema.json` (without)."""
    objects, members = load_schema(Path(path))
    live: dict[str, int] = {}
    deleted: dict[str, int] = {}
    counted = Path(path).suffix.lower() != ".json"
    if counted:
        by_plural = {o.name_plural: o.name_singular for o in objects}
        with Snapshot(Path(path)) as snap:
            for plural, (records, gone) in snap.counts().items():
                live[by_plural[plural]] = records - gone
                deleted[by_plural[plural]] = gone
    return SourceModel(objects, members, live, deleted, counted)


async def model_from_api(client: TwentyClient) -> SourceModel:
    """From the live source: one small request per object for its counts."""
    objects = await client.objects()
    members = await client.members()
    live: dict[str, int] = {}
    deleted: dict[str, int] = {}
    for obj in snapshotted(objects):
        live[obj.name_singular] = await _count(client, obj.name_plural, None)
        deleted[obj.name_singular] = await _count(client, obj.name_plural, "deletedAt[is]:NOT_NULL")
    return SourceModel(objects, members, live, deleted)


async def _count(client: TwentyClient, plural: str, filter_text: str | None) -> int:
    params: dict[str, object] = {"limit": 1}
    if filter_text:
        params["filter"] = filter_text
    body = await client.request("GET", f"/rest/{plural}", params=params, object_name=plural)
    return int(body.get("totalCount") or 0)
