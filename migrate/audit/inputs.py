"""What `--source` and `--target` of the audit may name: a snapshot, a URL, or a folder of CSV exports.

A URL is snapshotted first (the key from `TWENTY_SOURCE_API_KEY` / `TWENTY_TARGET_API_KEY`), a
folder of the UI's CSV exports is loaded through the same code as `snapshot --csv-dir`, typed by
`--csv-schema`, else a `schema.json` in the folder, else the other side's snapshot. Each becomes a
snapshot file in the run's folder, so the report points at what it compared.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from migrate.errors import ConfigError, InputError

KEY_VARIABLES = {"source": "TWENTY_SOURCE_API_KEY", "target": "TWENTY_TARGET_API_KEY"}


@dataclass(frozen=True, slots=True)
class Side:
    """One side as given, and what kind of input it is."""

    name: str
    """`source` or `target`."""
    given: str
    kind: str
    """`snapshot`, `url` or `csv`."""


def classify(name: str, given: str) -> Side:
    """Which kind of input `given` is; an InputError that says what to pass when it is none."""
    if given.startswith(("http://", "https://")):
        return Side(name, given, "url")
    path = Path(given)
    if path.is_dir():
        return Side(name, given, "csv")
    if path.is_file():
        return Side(name, given, "snapshot")
    raise InputError(f"--{name} {given} does not exist; take it with `twenty-migrate snapshot`, or pass the workspace's URL "
                     "or a folder of CSV files exported from Twenty.", path=given)


def snapshot_url(side: Side, out: Path, rate: float = 90.0) -> Path:
    """Snapshot the workspace at `side.given` into `out` with the key of its environment variable."""
    from migrate.settings import ClientSettings, Endpoint, api_key_from_env, check_base_url
    from migrate.snapshot.from_api import snapshot_from_api
    from migrate.twenty.client import TwentyClient

    check_base_url(side.given, name=f"--{side.name}")
    key = api_key_from_env(KEY_VARIABLES[side.name])

    async def go() -> None:
        async with TwentyClient(Endpoint(side.given, key), ClientSettings(requests_per_minute=rate)) as client:
            await snapshot_from_api(client, out)

    asyncio.run(go())
    return out


def csv_schema(side: Side, given: Path | None, other: Path | None) -> Path:
    """The data model a folder of CSV exports is read with."""
    if given is not None:
        return given
    inside = Path(side.given) / "schema.json"
    if inside.is_file():
        return inside
    if other is not None:
        return other
    raise ConfigError(f"--{side.name} {side.given} is a folder of CSV exports: its data model comes from --csv-schema "
                      "(a snapshot or schema.json), a schema.json in the folder, or the other side's snapshot.")


def resolve(source: str, target: str, folder: Path, schema: Path | None = None, *, rate: float = 90.0) -> tuple[Path, Path]:
    """Snapshot files for both sides, written into `folder` where they must be taken first."""
    sides = [classify("source", source), classify("target", target)]
    paths: dict[str, Path] = {}
    for side in sides:
        if side.kind == "snapshot":
            paths[side.name] = Path(side.given)
        elif side.kind == "url":
            folder.mkdir(parents=True, exist_ok=True)
            paths[side.name] = snapshot_url(side, folder / f"{side.name}.duckdb", rate)
    for side in sides:
        if side.kind == "csv":
            from migrate.snapshot.from_csv import snapshot_from_csv

            other = paths.get("target" if side.name == "source" else "source")
            folder.mkdir(parents=True, exist_ok=True)
            out = folder / f"{side.name}.duckdb"
            snapshot_from_csv(Path(side.given), csv_schema(side, schema, other), out)
            paths[side.name] = out
    return paths["source"], paths["target"]
