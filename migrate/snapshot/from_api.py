"""Snapshot a live workspace through its API into one DuckDB file.

Reads the version (refusing unsupported ones before anything is written), the data model, the
members, then every snapshotted object twice: live records, and soft-deleted ones
(`deletedAt[is]:NOT_NULL`, since lists hide them; api.md §2.4). Each pass is checked against the
server's `totalCount`. Objects are read concurrently, bounded by the client's requests in flight.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate import __version__
from migrate.errors import SnapshotError, TwentyError
from migrate.model import ObjectMeta
from migrate.progress import NULL_PROGRESS, Progress
from migrate.snapshot.config import read_configuration
from migrate.snapshot.tables import FORMAT_VERSION, snapshotted
from migrate.snapshot.writer import RecordSink, SnapshotWriter
from migrate.twenty.client import TwentyClient

ALL_RECORDS_FILTER = "or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)"
"""Lists hide soft-deleted records unless the filter names `deletedAt` (api.md §2.4): this one
names it and keeps every record, so one pass reads live and deleted records alike (one request
per full page, which is what the rate limit counts)."""


@dataclass(slots=True)
class SnapshotSummary:
    """What a snapshot holds, for the closing line of the command."""

    path: Path
    twenty_version: str | None
    counts: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    files: int = 0
    configuration: dict[str, int] = field(default_factory=dict)
    file_bytes: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return sum(self.counts.values())


async def _read_object(client: TwentyClient, obj: ObjectMeta, sink: RecordSink, progress: Progress,
                       writer: SnapshotWriter | None) -> None:
    task = progress.start(obj.name_plural, None)
    seen = 0
    total = 0
    first = True
    async for page, total_count in client.iter_pages(obj.name_plural, filter=ALL_RECORDS_FILTER):
        if first:
            total, first = total_count, False
            progress.set_total(task, total_count)
        sink.add(page)
        if writer is not None:
            await _save_files(client, writer, page)
        seen += len(page)
        progress.advance(task, len(page))
    if seen != total:
        raise SnapshotError(
            f"{obj.name_plural}: read {seen} records (live and soft-deleted) but the server reported {total}; the workspace "
            "changed during the snapshot. Take it again while nobody edits the workspace.")


async def _save_files(client: TwentyClient, writer: SnapshotWriter, page: list[dict[str, Any]]) -> None:
    """Download the bytes behind a page of attachments (their FILES items, or a signed
    `fullPath` URL on older servers); the signed URLs themselves are never stored."""
    for record in page:
        items = [(i.get("fileId"), i.get("label"), i.get("url")) for i in record.get("file") or () if isinstance(i, dict) and i.get("url")]
        full_path = record.get("fullPath") or ""
        if not items and full_path.startswith(("http://", "https://")):
            items = [(None, record.get("name"), full_path)]
        for file_id, label, url in items:
            writer.add_file(record["id"], file_id, label, await client.download(url))


async def snapshot_from_api(client: TwentyClient, out: Path, *, progress: Progress = NULL_PROGRESS, with_files: bool = True) -> SnapshotSummary:
    """Write a snapshot of the client's workspace to `out` (replaced only once complete)."""
    started = time.monotonic()
    version = await client.check_version()
    objects = await client.objects()
    members = await client.members()
    chosen = snapshotted(objects)
    summary = SnapshotSummary(path=Path(out), twenty_version=version)
    with SnapshotWriter(Path(out)) as writer:
        writer.write_schema(objects, {o.name_singular for o in chosen})
        writer.write_members(members)
        sinks = {o.name_singular: writer.sink(o) for o in chosen}
        await asyncio.gather(*(
            _read_object(client, o, sinks[o.name_singular], progress, writer if with_files and o.name_singular == "attachment" else None)
            for o in chosen))
        for name, sink in sinks.items():
            summary.counts[name] = sink.count
            summary.deleted[name] = sink.deleted
        summary.configuration = await read_configuration(client, writer, objects, members)
        summary.files = len(writer.file_rows)
        summary.file_bytes = sum(r["size"] for r in writer.file_rows)
        info: dict[str, Any] = {"format_version": FORMAT_VERSION, "origin": "api", "url": client.endpoint.url,
                                "taken_at": datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "), "tool_version": __version__,
                                "twenty_version": version, "source_files": None}
        writer.finish(info)
    summary.requests = client.requests_made
    summary.seconds = time.monotonic() - started
    return summary


__all__ = ["SnapshotSummary", "TwentyError", "snapshot_from_api"]
