"""Twenty's CSV export format, read back: header labels and cell values in every era.

Headers (`../shared/twenty/csv.md` §1.2, §8): a header names a whole field (`Job Title`), a
composite sub-field (`Name / First Name` from 2025-05, `Name FirstName` before), or a many-to-one
relation's join column (`Company Id`). The API names are accepted too (`jobTitle`,
`name.firstName`, `name_firstName`, `companyId`), so a hand-made file works. Headers are compared
after folding case and runs of spaces, a leading U+200D (the formula guard, §1.6) and the literal
quotes E3/E4a wrapped around escaped labels (§8.3) are removed.

Cells (§1.3, §8): the empty cell is null; strings lose one U+200D put before `= + - @ TAB CR`;
numbers may be in exponent form; currency amounts are in units (×10⁶ into micros) except under
an API-name header such as `amount_amountMicros`; lists are JSON arrays or E3's `{"0": "A"}`.
Every decoder raises `CellError` with a sentence saying what was expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from migrate.model import COMPOSITE_SUBFIELDS, RATING_VALUES, FieldMeta, ObjectMeta

ZWJ = "\u200d"
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
"""`CSV_DANGEROUS_CHARACTERS` in `packages/twenty-shared/src/utils/csv/sanitizeValueForCSVExport.ts`."""

SUBFIELD_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "CURRENCY": {"amountMicros": ("Amount",), "currencyCode": ("Currency",)},
    "EMAILS": {"primaryEmail": ("Primary Email",), "additionalEmails": ("Additional Emails",)},
    "LINKS": {"primaryLinkLabel": ("Link Label",), "primaryLinkUrl": ("Link URL",), "secondaryLinks": ("Secondary Links",)},
    "PHONES": {"primaryPhoneNumber": ("Primary Phone Number",), "primaryPhoneCountryCode": ("Primary Phone Country Code",),
               "primaryPhoneCallingCode": ("Primary Phone Calling Code",), "additionalPhones": ("Additional Phones",)},
    "FULL_NAME": {"firstName": ("First Name",), "lastName": ("Last Name",)},
    "ADDRESS": {"addressStreet1": ("Address 1",), "addressStreet2": ("Address 2",), "addressCity": ("City",),
                "addressState": ("State",), "addressCountry": ("Country",), "addressPostcode": ("Post Code",),
                "addressLat": ("Latitude",), "addressLng": ("Longitude",)},
    "ACTOR": {"source": ("Source",), "name": ("Name",), "workspaceMemberId": ("Workspace Member", "Workspace Member ID"),
              "context": ("Context",)},
    "RICH_TEXT_V2": {"blocknote": ("BlockNote",), "markdown": ("Markdown",)},
}
"""Sub-field labels, in E4b/E5 column order (`packages/twenty-shared/src/constants/CompositeFieldSubFieldLabels.ts`;
E2's actor label `Workspace Member ID`, csv.md §8). Twenty's newest `RICH_TEXT` is our `RICH_TEXT_V2`."""

Unit = Literal["units", "micros"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a CSV column goes in a wire record: a field, a composite sub-field, or a join column."""

    field: FieldMeta
    sub: str | None = None
    join: bool = False
    amount_unit: Unit = "units"

    @property
    def column(self) -> str:
        """The snapshot column name, used in messages."""
        if self.join:
            return self.field.join_column or f"{self.field.name}Id"
        return f"{self.field.name}_{self.sub}" if self.sub else self.field.name

    @property
    def kind(self) -> str:
        if self.join:
            return "uuid"
        if self.sub is None:
            return self.field.type
        return next(s.kind for s in COMPOSITE_SUBFIELDS[self.field.type] if s.name == self.sub)


def fold_header(header: str) -> str:
    """The comparable form of a header: no formula guard, no escaping quotes, case and spaces folded."""
    text = header.lstrip("\ufeff")
    if text.startswith(ZWJ):
        text = text[1:]
    parts = [_unquote(part.strip()) for part in text.split(" / ")]
    return " ".join(" / ".join(parts).split()).casefold()


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text


def _upper_first(name: str) -> str:
    return name[:1].upper() + name[1:]


def header_targets(obj: ObjectMeta, *, e1_amount_unit: Unit = "units") -> tuple[dict[str, Target], dict[str, list[Target]]]:
    """Every header (folded) that names a column of `obj`, and the ones that name two columns.

    Label forms: `<label>`, `<label> / <sub label>` (E2-E5), `<label> <SubKey>` (E1),
    `<label> Id` and `<label> / Id` for relations; API forms: `<name>`, `<name>.<sub>`,
    `<name>_<sub>`, `<name> / <sub>`, the join column. An E1 `AmountMicros` header holds units
    unless `e1_amount_unit` says the export came from a mid-2024 build that wrote raw micros
    (csv.md §8.2); an API-name amount header always holds micros.
    """
    candidates: dict[str, list[Target]] = {}

    def add(header: str, target: Target) -> None:
        bucket = candidates.setdefault(fold_header(header), [])
        if target not in bucket:
            bucket.append(target)

    for field in obj.fields:
        if not field.is_stored or not field.is_active:
            continue
        label = field.label or field.name
        if field.join_column:
            join = Target(field, join=True)
            for header in (f"{label} Id", f"{label} / Id", label, field.join_column, field.name, f"{field.name}.id"):
                add(header, join)
        elif field.type in COMPOSITE_SUBFIELDS:
            labels = SUBFIELD_LABELS.get(field.type, {})
            for sub in COMPOSITE_SUBFIELDS[field.type]:
                micros = sub.name == "amountMicros"
                units = Target(field, sub.name)
                for sub_label in labels.get(sub.name, ()):
                    add(f"{label} / {sub_label}", units)
                add(f"{label} {_upper_first(sub.name)}", Target(field, sub.name, amount_unit=e1_amount_unit) if micros else units)
                api = Target(field, sub.name, amount_unit="micros") if micros else units
                for header in (f"{field.name}.{sub.name}", f"{field.name}_{sub.name}", f"{field.name} / {sub.name}"):
                    add(header, api)
        elif field.type in SCALAR_DECODERS:
            for header in (label, field.name):
                add(header, Target(field))
    known = {h: ts[0] for h, ts in candidates.items() if len(ts) == 1}
    ambiguous = {h: ts for h, ts in candidates.items() if len(ts) > 1}
    return known, ambiguous


def export_headers(obj: ObjectMeta) -> list[str]:
    """The headers an E5 export of every field would carry, for "Known headers: …" in messages."""
    out = ["Id"]
    for field in obj.fields:
        if not field.is_stored or not field.is_active or field.name == "id":
            continue
        label = field.label or field.name
        if field.join_column:
            out.append(f"{label} Id")
        elif field.type in COMPOSITE_SUBFIELDS:
            out += [f"{label} / {labels[0]}" for labels in SUBFIELD_LABELS.get(field.type, {}).values()]
        elif field.type in SCALAR_DECODERS:
            out.append(label)
    return out


class CellError(ValueError):
    """A cell that cannot be read as its field's type; the message says what was expected."""


def strip_guard(text: str) -> str:
    """Remove the U+200D Twenty puts before a value starting with `= + - @ TAB CR` (csv.md §1.6).

    Only a ZWJ followed by one of those characters is removed: that is exactly what the export
    adds, so any other leading ZWJ is the user's own text and stays."""
    if text.startswith(ZWJ) and text[1:2] in DANGEROUS_FIRST and text[1:2]:
        return text[1:]
    return text


def _text(cell: str) -> str | None:
    return strip_guard(cell) if cell else None


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _uuid(cell: str) -> str | None:
    if not cell:
        return None
    if not _UUID.match(cell):
        raise CellError("is not a UUID (expected 8-4-4-4-12 hexadecimal digits)")
    return cell.lower()


def _number_text(cell: str) -> Decimal:
    try:
        value = Decimal(cell.strip())
    except InvalidOperation:
        raise CellError("is not a number (expected digits with '.' as decimal point, e.g. 12.5 or 1e-7)") from None
    if not value.is_finite():
        raise CellError("is not a finite number")
    return value


def _float(cell: str) -> float | None:
    if not cell:
        return None
    return float(_number_text(cell))


def _number(field: FieldMeta) -> Callable[[str], Any]:
    data_type = field.settings.get("dataType") if isinstance(field.settings, dict) else None

    def decode(cell: str) -> Any:
        if not cell:
            return None
        value = _number_text(cell)
        if data_type in ("int", "bigint"):
            if value != value.to_integral_value():
                raise CellError("is not a whole number (the field holds integers)")
            return int(value)
        return float(value)

    return decode


def _boolean(cell: str) -> bool | None:
    if not cell:
        return None
    folded = cell.strip().casefold()
    if folded in ("true", "yes"):
        return True
    if folded in ("false", "no"):
        return False
    raise CellError("is not a boolean (expected true or false)")


def _datetime(cell: str) -> str | None:
    if not cell:
        return None
    try:
        moment = datetime.fromisoformat(cell.strip())
    except ValueError:
        raise CellError("is not a date and time (expected ISO 8601 such as 2025-11-03T09:15:22.481Z; "
                        "day/month orders like 03/11/2025 are ambiguous)") from None
    if len(cell.strip()) == 10:
        raise CellError("is a date without a time (Twenty exports date-times in UTC, e.g. 2025-11-03T00:00:00.000Z)")
    if moment.tzinfo is None:
        raise CellError("has no time zone (Twenty exports UTC with a trailing Z, e.g. 2025-11-03T09:15:22.481Z)")
    return moment.isoformat()


def _date(cell: str) -> str | None:
    if not cell:
        return None
    text = cell.strip()
    try:
        return (date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()).isoformat()
    except ValueError:
        raise CellError("is not a date (expected YYYY-MM-DD)") from None


def _json(cell: str) -> Any:
    try:
        return json.loads(cell)
    except ValueError:
        raise CellError("is not valid JSON") from None


def _e3_list(value: Any) -> Any:
    """E3 wrote lists as `{"0": "A", "1": "B"}` and `{}` (csv.md §8, fixed by PR #16450)."""
    if isinstance(value, dict) and all(k.isdigit() for k in value):
        return [value[k] for k in sorted(value, key=int)]
    return value


def _string_list(cell: str) -> list[str] | None:
    """A JSON array of strings, or E3's `{"0": "A", "1": "B"}`."""
    if not cell:
        return None
    value = _e3_list(_json(cell))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CellError('is not a list of texts (expected a JSON array such as ["A","B"])')
    return [strip_guard(v) for v in value]


def _options(field: FieldMeta) -> dict[str, str]:
    """Option value by value and by label (values are what exports hold, csv.md §8.5)."""
    out: dict[str, str] = {}
    for option in field.options or ():
        if isinstance(option, dict) and isinstance(option.get("value"), str):
            out.setdefault(str(option.get("label")), option["value"])
    for option in field.options or ():
        if isinstance(option, dict) and isinstance(option.get("value"), str):
            out[option["value"]] = option["value"]
    return out


def _option_error(field: FieldMeta) -> CellError:
    values = [o["value"] for o in field.options or () if isinstance(o, dict) and "value" in o]
    return CellError(f"is not an option of {field.name} (options: {', '.join(values)}; if it is meant, add it to the field in Twenty "
                     "and save the schema again)")


def _select(field: FieldMeta) -> Callable[[str], Any]:
    options = _options(field)

    def decode(cell: str) -> str | None:
        text = _text(cell)
        if text is None or not options:
            return text
        if text not in options:
            raise _option_error(field)
        return options[text]

    return decode


def _multi_select(field: FieldMeta) -> Callable[[str], Any]:
    options = _options(field)

    def decode(cell: str) -> list[str] | None:
        values = _string_list(cell)
        if values is None or not options:
            return values
        if any(v not in options for v in values):
            raise _option_error(field)
        return [options[v] for v in values]

    return decode


def _rating(cell: str) -> str | None:
    if not cell:
        return None
    if cell not in RATING_VALUES:
        raise CellError(f"is not a rating (expected one of {', '.join(RATING_VALUES)})")
    return cell


def _json_value(cell: str) -> Any:
    return _json(cell) if cell else None


def _json_list(cell: str) -> Any:
    if not cell:
        return None
    value = _e3_list(_json(cell))
    if not isinstance(value, list):
        raise CellError("is not a JSON array")
    return value


def _files(cell: str) -> Any:
    if not cell:
        return None
    value = _e3_list(_json(cell))
    if not isinstance(value, list):
        raise CellError('is not a list of files (expected a JSON array such as [{"fileId": "…", "label": "…"}])')
    return value


SCALAR_DECODERS: dict[str, Callable[[FieldMeta], Callable[[str], Any]]] = {
    "UUID": lambda f: _uuid, "TEXT": lambda f: _text, "RICH_TEXT": lambda f: _text, "NUMBER": _number,
    "NUMERIC": lambda f: _float, "POSITION": lambda f: _float, "BOOLEAN": lambda f: _boolean,
    "DATE_TIME": lambda f: _datetime, "DATE": lambda f: _date, "SELECT": _select, "MULTI_SELECT": _multi_select,
    "RATING": lambda f: _rating, "ARRAY": lambda f: _string_list, "RAW_JSON": lambda f: _json_value, "FILES": lambda f: _files,
}
"""One decoder per stored scalar type (`columns._SCALAR_SQL`); the cell is the raw CSV text."""


def _amount(unit: Unit) -> Callable[[str], int | None]:
    def decode(cell: str) -> int | None:
        if not cell:
            return None
        value = _number_text(cell)
        micros = value * 1_000_000 if unit == "units" else value
        return int(micros.to_integral_value())

    return decode


def _sub_decoder(target: Target) -> Callable[[str], Any]:
    kind = target.kind
    if target.sub == "amountMicros":
        return _amount(target.amount_unit)
    if kind == "text":
        return _text
    if kind == "number":
        return _float
    if kind == "uuid":
        return _uuid
    if kind == "string_list":
        return _string_list
    if target.sub in ("secondaryLinks", "additionalPhones"):
        return _json_list
    return _json_value


def decoder_for(target: Target) -> Callable[[str], Any]:
    """The function that turns one raw cell into the wire value of `target`."""
    if target.join:
        return _uuid
    if target.sub is not None:
        return _sub_decoder(target)
    return SCALAR_DECODERS[target.field.type](target.field)


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to `word` (for "did you mean …?"), or None when nothing is near."""
    import difflib

    pool = list(choices)
    folded = {c.casefold(): c for c in pool}
    hits = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[hits[0]] if hits else None
