"""Test fixture: write wire records as Twenty's "⋮ → Export view" writes them.

Written from Twenty's source, not copied:
- E5 (newest, `../shared/twenty/csv.md` §8): `packages/twenty-shared/src/utils/csv/buildRecordExportColumns.ts`
  (an `Id` column first; composite → `<label> / <sub label>`; many-to-one → `<label> Id`),
  `formatRecordExportHeader.ts` (U+FEFF, `\\n`), `formatRecordExportRow.ts` (amount ÷ 10⁶, RAW_JSON
  strings encoded again, `\\n` after every row), `formatValueForCSV.ts` (null → empty, strings as
  they are, the rest `JSON.stringify`, quoted only for `, " CR LF`), `sanitizeValueForCSVExport.ts`
  (U+200D before a string starting with `= + - @ TAB CR`); used by
  `packages/twenty-front/src/modules/object-record/record-index/export/utils/csvDownloader.ts`.
- E3 (Sep–Dec 2025, json-2-csv) and E1 (2024 – May 2025): csv.md §1.2, §8 — no BOM, no final line
  break, LINKS and ACTOR sub-columns in GraphQL selection order, amounts ÷ 10⁶ with an empty amount
  written `0` (§8.2), E1 headers `<label> <SubKey>` with labels written raw, E3 lists as
  `{"0": "A"}` and sub-headers escaped twice, E3's guard one level down (§8.4).

It is a fixture, not product code: the migrator never writes Twenty's export format.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from migrate.model import COMPOSITE_SUBFIELDS, FieldMeta, ObjectMeta
from migrate.snapshot.csv_format import SUBFIELD_LABELS

Era = Literal["E1", "E3", "E5"]
ZWJ = "\u200d"
_OLD_ORDER = {"LINKS": ("primaryLinkUrl", "primaryLinkLabel", "secondaryLinks"),
              "ACTOR": ("source", "workspaceMemberId", "name", "context")}
"""E1–E4a sub-column order: the GraphQL selection of `mapFieldMetadataToGraphQLQuery.ts` (csv.md §1.2)."""


def js_number(value: float | int) -> str:
    """`Number.prototype.toString()` of a number (ECMAScript Number::toString, radix 10)."""
    number = float(value)
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    digits_tuple = Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple.digits))
    k = len(digits)
    n = int(digits_tuple.exponent) + k
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        body = (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + body


def js_json(value: Any) -> str:
    """`JSON.stringify` for JSON-shaped values (no spaces; floats as JS writes them)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(js_json(v) for v in value) + "]"
    return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + js_json(v) for k, v in value.items()) + "}"


def guard(text: str) -> str:
    return ZWJ + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and text else text


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


def exported_fields(obj: ObjectMeta) -> list[FieldMeta]:
    """The fields of an "all fields" view: stored and active, without what views hide
    (`position`, `deletedAt`, search vectors; csv.md §1.3) and without one-to-many relations (§1.4)."""
    return [f for f in obj.fields if f.is_stored and f.is_active and f.name not in ("id", "position", "deletedAt")
            and f.type not in ("TS_VECTOR", "POSITION")]


def _sub_names(field: FieldMeta, era: Era) -> Sequence[str]:
    if era != "E5" and field.type in _OLD_ORDER:
        return _OLD_ORDER[field.type]
    if era == "E5":
        return list(SUBFIELD_LABELS[field.type])
    return [s.name for s in COMPOSITE_SUBFIELDS[field.type]]


def columns(obj: ObjectMeta, era: Era = "E5") -> list[tuple[str, FieldMeta | None, str | None]]:
    """(header, field, sub-field) per column; the `Id` column first."""
    out: list[tuple[str, FieldMeta | None, str | None]] = [("Id", None, None)]
    for field in exported_fields(obj):
        label = field.label or field.name
        if field.join_column:
            out.append((f"{label} Id", field, None))
        elif field.type in COMPOSITE_SUBFIELDS:
            for sub in _sub_names(field, era):
                if era == "E1":
                    out.append((f"{label} {sub[:1].upper()}{sub[1:]}", field, sub))
                else:
                    sub_label = SUBFIELD_LABELS[field.type][sub][0]
                    out.append((f"{quote(label) if era == 'E3' else label} / {sub_label}", field, sub))
        else:
            out.append((label, field, None))
    return out


def _cell(value: Any, field: FieldMeta | None, sub: str | None, era: Era) -> str:
    if field is not None and field.type == "CURRENCY" and sub == "amountMicros":
        if value is None and era != "E5":
            value = 0  # null ÷ 1e6 in json-2-csv eras (csv.md §8.2)
        elif value is not None:
            value = float(Decimal(int(value)) / Decimal(1_000_000))
    if field is not None and field.type == "RAW_JSON" and isinstance(value, str) and era == "E5":
        value = js_json(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return quote(guard(value) if era != "E1" else value)
    text_list = field is not None and (field.type in ("MULTI_SELECT", "ARRAY") or sub == "additionalEmails")
    if era == "E3" and text_list and isinstance(value, list):
        return quote(js_json({str(i): guard(v) for i, v in enumerate(value)}))
    return quote(js_json(value))


def _value(record: dict[str, Any], field: FieldMeta | None, sub: str | None) -> Any:
    if field is None:
        return record.get("id")
    if field.join_column:
        return record.get(field.join_column)
    value = record.get(field.name)
    if sub is not None:
        return value.get(sub) if isinstance(value, dict) else None
    return value


def export_csv(obj: ObjectMeta, records: Iterable[dict[str, Any]], era: Era = "E5") -> str:
    """The file text of an export of `records` (wire form, depth 0) with every exportable field."""
    cols = columns(obj, era)
    if era == "E5":
        header = "\ufeff" + ",".join(quote(guard(h)) for h, _, _ in cols)
    elif era == "E3":
        header = ",".join(quote(guard(h)) for h, _, _ in cols)
    else:
        header = ",".join(h for h, _, _ in cols)  # E1 wrote labels raw (csv.md §8.3)
    lines = [header]
    lines += [",".join(_cell(_value(r, f, s), f, s, era) for _, f, s in cols) for r in records]
    return "\n".join(lines) + ("\n" if era == "E5" else "")


def write_export(folder: Path, obj: ObjectMeta, records: Iterable[dict[str, Any]], era: Era = "E5",
                 file_name: str | None = None) -> Path:
    """Write `<nameSingular>.csv` (the UI's file name, csv.md §1.5) into `folder`."""
    path = folder / (file_name or f"{obj.name_singular}.csv")
    path.write_bytes(export_csv(obj, records, era).encode("utf-8"))
    return path
