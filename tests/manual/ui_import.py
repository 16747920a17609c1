"""Test helper: import prepared files into an emulated target the way Twenty's UI import does.

A person follows README.txt; this helper follows the same instructions, read from the
`manifest.json` README.txt is written from (a test checks the two agree), file by file in the
written order, through the target's REST API. What it reproduces, from Twenty's source:
- which fields the import offers and under which label
  (`packages/twenty-shared/src/utils/spreadsheet-import/buildSpreadsheetImportFields.ts`,
  `constants/SpreadsheetImportCompositeSubFields.ts`, `getSpreadsheetImportRelationConnectSubFieldLabel.ts`,
  `packages/twenty-front/src/modules/object-record/spreadsheet-import/utils/spreadsheetImportFilterAvailableFieldMetadataItems.ts`):
  a README mapping to a label the target does not offer fails the test;
- one leading U+200D removed from every cell (`packages/twenty-shared/src/utils/csv/cleanZWJFromImportedValue.ts`);
- empty checkbox cells become false (`normalizeSpreadsheetImportRows.ts`), every other empty cell
  is left out of the record;
- the record built as `buildRecordFromImportedStructuredRow.ts` builds it: amounts × 10⁶ rounded,
  primary e-mails lower-cased, link URLs through `normalizeUrlOrigin`, JSON lists parsed (bad
  JSON -> []), RAW_JSON parsed or left out, dates to ISO, created-by `{source: IMPORT}`, and a
  many-to-one relation as `connect: {where: {<unique field>: value}}`;
- sequential batches of 200 sent with `upsert: true` (`useBatchCreateManyRecords.ts`,
  `SPREADSHEET_IMPORT_CREATE_RECORDS_BATCH_SIZE`); a connect to a record that does not exist
  fails its whole batch and stops the file (csv.md §2.7), like the server's
  `CONNECT_RECORD_NOT_FOUND`.
The emulator's REST API has no `connect`, so the helper resolves each `where` itself (by id, or
a member by e-mail) and sends the join column, which is what the server stores.

`ImportFaults` reproduces mistakes a person can make, for the audit's fault tests.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.errors import TwentyNotFound
from migrate.model import FieldMeta, ObjectMeta
from migrate.twenty.client import TwentyClient

BATCH = 200
ZWJ = "\u200d"
SUB_LABELS = {
    "CURRENCY": {"amountMicros": "Amount", "currencyCode": "Currency"},
    "EMAILS": {"primaryEmail": "Primary Email", "additionalEmails": "Additional Emails"},
    "LINKS": {"primaryLinkUrl": "Link URL", "primaryLinkLabel": "Link Label", "secondaryLinks": "Secondary Links"},
    "PHONES": {"primaryPhoneCallingCode": "Primary Phone Calling Code", "primaryPhoneCountryCode": "Primary Phone Country Code",
               "primaryPhoneNumber": "Primary Phone Number", "additionalPhones": "Additional Phones"},
    "FULL_NAME": {"firstName": "First Name", "lastName": "Last Name"},
    "ADDRESS": {"addressStreet1": "Address 1", "addressStreet2": "Address 2", "addressCity": "City", "addressState": "State",
                "addressCountry": "Country", "addressPostcode": "Post Code"},
    "RICH_TEXT_V2": {"markdown": "Markdown"},
}
"""Importable sub-fields only (no latitude/longitude, no BlockNote), labels of `CompositeFieldSubFieldLabels.ts`."""
UNIQUE_SUBS = {"EMAILS": ("primaryEmail",), "LINKS": ("primaryLinkUrl",)}
"""Composite unique fields connect by these sub-fields (`isIncludedInUniqueConstraint`)."""
SKIPPED_TYPES = {"ACTOR", "FILES", "POSITION", "TS_VECTOR", "MORPH_RELATION"}
_ORIGIN = re.compile(r"^[a-zA-Z][a-zA-Z\d+.-]*://[^/?#]+")


@dataclass(frozen=True, slots=True)
class ImportField:
    """A field the import offers: a plain field, a composite sub-field, or a relation connect."""

    field: FieldMeta
    sub: str | None = None
    unique: FieldMeta | None = None
    unique_sub: str | None = None


@dataclass(slots=True)
class ImportFaults:
    """Mistakes a person can make: rows a pass silently dropped (file -> data row numbers), a
    member e-mail swapped for another, a column left unmapped, a file imported a second time with
    its Id column unmapped (new ids: twins, unless a unique field matches)."""

    drop_rows: dict[str, set[int]] = field(default_factory=dict)
    swap_member: dict[str, str] = field(default_factory=dict)
    unmapped: set[tuple[str, str]] = field(default_factory=set)
    twice_without_ids: set[str] = field(default_factory=set)
    no_ids: bool = False
    """Every file imported with its Id column unmapped: records get new ids."""


@dataclass(slots=True)
class FileResult:
    file: str
    object: str
    rows: int = 0
    sent: int = 0
    error: str | None = None


class ImportRefused(AssertionError):
    """README.txt asks for something the UI's import does not allow."""


def offered_fields(obj: ObjectMeta, objects: dict[str, ObjectMeta]) -> dict[str, ImportField]:
    """The import's column-matching choices for `obj`, by label."""
    join_columns = {f.join_column for f in obj.fields if f.join_column}
    out: dict[str, ImportField] = {}
    for f in obj.fields:
        if not f.is_active or (f.is_system and f.name != "id") or f.name == "deletedAt" or f.name in join_columns:
            continue
        if f.type in SKIPPED_TYPES or (f.relation_type is not None and f.relation_type != "MANY_TO_ONE"):
            continue
        label = f.label or f.name
        if f.relation_type == "MANY_TO_ONE":
            target = objects.get(f.target_object or "")
            if target is None:
                continue
            for unique in _unique_fields(target):
                if unique.type in UNIQUE_SUBS:
                    for sub in UNIQUE_SUBS[unique.type]:
                        out[f"{label} / {unique.label} / {SUB_LABELS[unique.type][sub]}"] = ImportField(f, None, unique, sub)
                else:
                    out[f"{label} / {unique.label}"] = ImportField(f, None, unique)
        elif f.type in SUB_LABELS:
            for sub, sub_label in SUB_LABELS[f.type].items():
                out[f"{label} / {sub_label}"] = ImportField(f, sub)
        else:
            out[label] = ImportField(f)
    return out


def _unique_fields(obj: ObjectMeta) -> list[FieldMeta]:
    """`getUniqueConstraintsFields`: `id` and every unique field. The emulator's metadata does not
    flag workspaceMember.userEmail unique; Twenty does (`workspace-member.workspace-entity.ts`,
    `@WorkspaceIsUnique()`), so it is added here."""
    return [f for f in obj.fields if f.name == "id" or f.is_unique or (obj.name_singular == "workspaceMember" and f.name == "userEmail")]


def _clean(cell: str) -> str:
    return cell[1:] if cell.startswith(ZWJ) else cell


def normalize_url_origin(url: str) -> str:
    match = _ORIGIN.match(url)
    if match is None:
        return url
    text = match.group(0).lower() + url[match.end():]
    return text.removesuffix("/")


def _json_list(text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _number(text: str) -> Any:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _scalar(f: FieldMeta, text: str) -> tuple[bool, Any]:
    kind = f.type
    if kind == "BOOLEAN":
        return True, text.strip().lower() in ("true", "yes")
    if not text:
        return False, None
    if kind in ("NUMBER", "NUMERIC"):
        return True, _number(text)
    if kind == "DATE_TIME":
        moment = datetime.fromisoformat(text).astimezone(UTC)
        return True, moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if kind in ("ARRAY", "MULTI_SELECT"):
        values = _json_list(text) if text.startswith("[") else [v.strip() for v in text.split(",") if v.strip()]
        return True, [v for v in values if isinstance(v, str)]
    if kind == "RAW_JSON":
        try:
            return True, json.loads(text)
        except ValueError:
            return False, None
    return True, text


def _sub(f: FieldMeta, sub: str, text: str) -> Any:
    if f.type == "CURRENCY" and sub == "amountMicros":
        micros = round(float(text) * 1_000_000)
        return micros if micros else text
    if sub == "primaryEmail":
        return text.lower()
    if sub == "primaryLinkUrl":
        return normalize_url_origin(text)
    if sub in ("additionalEmails", "secondaryLinks", "additionalPhones"):
        return _json_list(text)
    return text


class UiImport:
    """One person importing prepared files into one target workspace."""

    def __init__(self, client: TwentyClient, faults: ImportFaults | None = None) -> None:
        self.client = client
        self.faults = faults or ImportFaults()
        self.objects: dict[str, ObjectMeta] = {}
        self.members: dict[str, str] = {}

    async def run(self, folder: Path, steps: Collection[int] | None = None) -> list[FileResult]:
        """Import the files of `folder` in the README's order (only those of `steps`, for an import
        in several passes); stop at the first failed file."""
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.objects = {o.name_singular: o for o in await self.client.objects()}
        self.members = {m.email: m.id for m in await self.client.members() if m.email}
        results = []
        for entry in manifest["files"]:
            if steps is not None and entry["step"] not in steps:
                continue
            if self.faults.no_ids:
                entry = {**entry, "columns": [{**c, "map_to": None} if c["map_to"] == "Id" else c for c in entry["columns"]]}
            results.append(await self.import_file(folder / entry["file"], entry))
            if entry["file"] in self.faults.twice_without_ids:
                again = {**entry, "columns": [{**c, "map_to": None} if c["map_to"] == "Id" else c for c in entry["columns"]]}
                results.append(await self.import_file(folder / entry["file"], again))
            if results[-1].error:
                break
        return results

    async def import_file(self, path: Path, entry: dict[str, Any]) -> FileResult:
        obj = self.objects[entry["object"]]
        offered = offered_fields(obj, self.objects)
        result = FileResult(path.name, obj.name_singular)
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            rows = [r for r in csv.reader(io.StringIO(handle.read(), newline="")) if r]
        header, rows = rows[0], rows[1:]
        plan = self._columns(path.name, header, entry["columns"], offered)
        dropped = self.faults.drop_rows.get(path.name, set())
        records = [self._record(plan, row) for number, row in enumerate(rows, start=1) if number not in dropped]
        result.rows = len(records)
        for start in range(0, len(records), BATCH):
            batch = records[start:start + BATCH]
            try:
                payload = [await self._connect(obj, r) for r in batch]
            except LookupError as exc:
                result.error = f"batch {start // BATCH + 1}: {exc}"
                return result
            await self.client.request("POST", f"/rest/batch/{obj.name_plural}", params={"upsert": "true"}, json=payload,
                                      object_name=obj.name_plural)
            result.sent += len(batch)
        return result

    def _columns(self, file: str, header: list[str], columns: list[dict[str, Any]], offered: dict[str, ImportField]
                 ) -> list[tuple[int, ImportField]]:
        if [c["header"] for c in columns] != header:
            raise ImportRefused(f"{file}: the README describes columns {[c['header'] for c in columns]}, the file has {header}")
        plan: list[tuple[int, ImportField]] = []
        taken: set[str] = set()
        for index, column in enumerate(columns):
            label = column["map_to"]
            if label is None or (file, column["header"]) in self.faults.unmapped:
                continue
            if label not in offered:
                raise ImportRefused(f"{file}: README maps '{column['header']}' to '{label}', which the import does not offer "
                                    f"(offered: {', '.join(sorted(offered))})")
            if label in taken:
                raise ImportRefused(f"{file}: '{label}' is mapped twice; the import takes a field once")
            taken.add(label)
            plan.append((index, offered[label]))
        return plan

    def _record(self, plan: list[tuple[int, ImportField]], row: list[str]) -> dict[str, Any]:
        record: dict[str, Any] = {"createdBy": {"source": "IMPORT"}}
        for index, target in plan:
            text = _clean(row[index])
            f = target.field
            if target.unique is not None:
                if text:
                    where = record.setdefault(f.name, {"connect": {"where": {}}})["connect"]["where"]
                    if target.unique_sub:
                        where.setdefault(target.unique.name, {})[target.unique_sub] = text
                    else:
                        where[target.unique.name] = text
            elif target.sub is not None:
                if text:
                    record.setdefault(f.name, {})[target.sub] = _sub(f, target.sub, text)
            else:
                present, value = _scalar(f, text)
                if present:
                    record[f.name] = value
        return record

    async def _connect(self, obj: ObjectMeta, record: dict[str, Any]) -> dict[str, Any]:
        """Resolve each `connect.where` to the join column the server would store."""
        out = dict(record)
        for name, value in record.items():
            if isinstance(value, dict) and "connect" in value:
                relation = obj.field(name)
                assert relation is not None and relation.join_column
                del out[name]
                out[relation.join_column] = await self._find(relation.target_object or "", value["connect"]["where"])
        return out

    async def _find(self, target: str, where: dict[str, Any]) -> str:
        if target == "workspaceMember" and set(where) == {"userEmail"}:
            email = self.faults.swap_member.get(where["userEmail"], where["userEmail"])
            if email not in self.members:
                raise LookupError(f"Can't connect to workspaceMember. No unique record found with condition: userEmail = {email}")
            return self.members[email]
        if set(where) == {"id"}:
            plural = self.objects[target].name_plural
            try:
                await self.client.request("GET", f"/rest/{plural}/{where['id']}", object_name=plural, retry=False)
            except TwentyNotFound:
                raise LookupError(f"Can't connect to {target}. No unique record found with condition: id = {where['id']}") from None
            return str(where["id"])
        raise ImportRefused(f"connect by {where} is not reproduced by this helper")


async def ui_import(folder: Path, client: TwentyClient, faults: ImportFaults | None = None,
                    steps: Collection[int] | None = None) -> list[FileResult]:
    """Import a prepared folder file by file, as a person following README.txt would; `steps`
    limits a pass to some of the README's steps (e.g. `{1, 2}`: companies, then the next object)."""
    return await UiImport(client, faults).run(folder, steps)


__all__ = ["FileResult", "ImportFaults", "ImportRefused", "offered_fields", "ui_import"]
