"""REST ``filter=`` parsing and SQL compilation for the Twenty emulator.

The parser reproduces Twenty's REST parser (``rest/input-request-parsers/filter-parser-utils``),
quirks included, so that a client tested here fails where a real server fails. Validation and
coercion follow the common filter processor (``common/common-args-processors/
filter-arg-processor``), whose messages reach REST clients as 400 ``BadRequestException``.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

COMPARATORS: tuple[str, ...] = ("eq", "neq", "in", "containsAny", "containsExactly", "is", "gt",
                                "gte", "lt", "lte", "startsWith", "endsWith", "like", "ilike")
"""The REST grammar's comparators (`parse-base-filter.util.ts`, newest, in its order). No field type
lists `containsExactly` among its allowed operators (research note §2), so a leaf using it passes the
parser and is refused by the per-type check, as in Twenty."""

# Messages of the REST parser (filter-parser-utils/*.util.ts).
BRACKETS_MESSAGE = "'filter' invalid. {hint} missing in the query"
BASE_FILTER_MESSAGE = "'filter' invalid for '{filter}'. eg: price[gte]:10"
COMPARATOR_MESSAGE = "'filter' invalid for '{filter}', comparator {comparator} not in {allowed}"
ARRAY_VALUE_MESSAGE = (
    "'filter' invalid for '{comparator}' operator. Received '{value}' but array value expected "
    "eg: 'field[{comparator}]:[value_1,value_2]'"
)
NOT_ARITY_MESSAGE = (
    "'filter' invalid. 'not' conjunction should contain only 1 condition. eg: not(field[eq]:1)"
)
# Messages of the common filter processor (filter-arg-processor.service.ts and its utils).
# The caller's ``resolve`` raises the first two; ``object`` is the object's nameSingular.
UNKNOWN_FIELD_MESSAGE = "Object {object} doesn't have any \"{field}\" field."
UNKNOWN_SUB_FIELD_MESSAGE = 'Sub field "{sub_field}" not found for composite type: {field_type}'
OPERATOR_MESSAGE = (
    'Operator "{operator}" is not valid for field "{field}" of type {field_type}'
    " - Allowed operators: {allowed}"
)
IS_VALUE_MESSAGE = 'Invalid filter value for "is" operator. Expected "NULL" or "NOT_NULL"'
ARRAY_OPERATOR_MESSAGE = 'Filter operator "{operator}" requires an array value for field {field}'
NUMBER_MESSAGE = 'Invalid number value {value} for field "{field}"'
BOOLEAN_MESSAGE = 'Invalid boolean value {value} for field "{field}"'
UUID_MESSAGE = 'Invalid UUID value {value} for field "{field}"'
DATE_MESSAGE = "Invalid value {value} for date field \"{field}\". Expected format: 'YYYY-MM-DD'"
DATE_TIME_MESSAGE = (
    "Invalid value {value} for date-time field \"{field}\". Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"
)
SELECT_MESSAGE = 'Invalid select value "{value}" for field "{field}". Valid options: {options}'

_STRING_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "is", "like", "ilike",
               "startsWith", "endsWith")
_ORDERED_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "is")
_ENUM_OPS = ("eq", "neq", "in", "containsAny", "is", "isEmptyArray")
# Allowed operators per field type (filter-operators.constant.ts, get-operators-for-field-type).
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "TEXT": _STRING_OPS, "NUMBER": _ORDERED_OPS, "NUMERIC": _ORDERED_OPS,
    "POSITION": _ORDERED_OPS, "BOOLEAN": ("eq", "is"), "DATE": _ORDERED_OPS,
    "DATE_TIME": _ORDERED_OPS, "UUID": _ORDERED_OPS, "RELATION": _ORDERED_OPS,
    "MORPH_RELATION": _ORDERED_OPS, "ARRAY": ("containsIlike", "is", "isEmptyArray"),
    "MULTI_SELECT": ("containsAny", "is", "isEmptyArray"), "SELECT": _ENUM_OPS,
    "RATING": _ENUM_OPS, "RAW_JSON": ("is", "like"), "FILES": ("is", "like"),
    "RICH_TEXT": ("ilike",), "TS_VECTOR": ("eq", "neq", "is"),
}
COMPOSITE_TYPES = frozenset({"ACTOR", "ADDRESS", "CURRENCY", "EMAILS", "FULL_NAME", "LINKS",
                             "PHONES", "RICH_TEXT_V2"})
_NUMBER_TYPES = frozenset({"NUMBER", "NUMERIC", "POSITION"})
_UUID_TYPES = frozenset({"UUID", "RELATION", "MORPH_RELATION"})
_ARRAY_TYPES = frozenset({"ARRAY", "MULTI_SELECT"})
_SQL_COMPARE = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                      re.IGNORECASE)
_LINE = r"[^\n\r\u2028\u2029]"  # what a JavaScript ``.`` matches
_CONJUNCTION_RE = re.compile(rf"(and|or|not)\({_LINE}+\)")
_LEAF_RE = re.compile(rf"{_LINE}+\[{_LINE}+\]:{_LINE}+")


class FilterError(ValueError):
    """A bad ``filter``; ``message`` is Twenty's exact text, answered as a 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Leaf:
    """``field[op]:value``; ``value`` is a tuple exactly for ``in``/``containsAny``."""

    path: tuple[str, ...]
    operator: str
    value: str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Conjunction:
    """``and(...)``/``or(...)``/``not(...)``; ``not`` always holds one item."""

    kind: Literal["and", "or", "not"]
    items: tuple[Node, ...]


Node = Leaf | Conjunction


@dataclass(frozen=True, slots=True)
class FieldRef:
    """How the caller stores a field: SQL expression, Twenty type, and SELECT options if any."""

    sql: str
    field_type: str
    options: tuple[str, ...] | None = None


# ---------------------------------------------------------------- parsing


def parse_filter(text: str) -> Node:
    """Parse a REST filter as Twenty does: bracket count, implicit ``and``, then recursion."""
    diff = text.count("(") - text.count(")")
    if diff:
        kind = "close" if diff > 0 else "open"
        hint = f"{abs(diff)} {kind} bracket{'s are' if abs(diff) > 1 else ' is'}"
        raise FilterError(BRACKETS_MESSAGE.format(hint=hint))
    if not ("(" in text and ")" in text):  # §14.7: only a parenthesis-free filter gets and(...)
        text = f"and({text})"
    return _parse(text)


def _parse(text: str) -> Node:
    match = _CONJUNCTION_RE.fullmatch(text)
    if match is None:
        return _parse_leaf(text)
    kind = match.group(1)
    items = tuple(_parse(part) for part in _split_members(text))
    if kind == "not" and len(items) > 1:
        raise FilterError(NOT_ARITY_MESSAGE)
    return Conjunction(kind, items)  # type: ignore[arg-type]


def _split_members(text: str) -> list[str]:
    """Members of ``conj(...)``: split on top-level commas outside brackets and quotes.

    Twenty toggles (does not count) square brackets and quotes, and counts parentheses even
    inside quotes; the same state machine is kept so odd inputs split the same way.
    """
    members: list[str] = []
    current: list[str] = []
    depth = 0
    in_brackets = in_double = in_single = False
    for char in text:
        keep = depth >= 1
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            keep = depth >= 1
        if char in "[]":
            in_brackets = not in_brackets
        elif char == '"':
            in_double = not in_double
        elif char == "'":
            in_single = not in_single
        if char == "," and depth == 1 and not (in_brackets or in_double or in_single):
            members.append("".join(current))
            current = []
            keep = False
        if keep:
            current.append(char)
    members.append("".join(current))
    return members


def _parse_leaf(text: str) -> Leaf:
    if _LEAF_RE.fullmatch(text) is None:
        raise FilterError(BASE_FILTER_MESSAGE.format(filter=text))
    fields: list[str] = []
    comparator: list[str] = []
    value: list[str] = []
    in_fields, in_comparator, in_value = True, False, False
    for char in text:  # the first ':' after the comparator starts the value, even in fields
        if in_value:
            value.append(char)
        if char == "]" and not in_value:
            in_comparator = False
        if char == ":" and not in_comparator:
            in_value = True
        if in_comparator:
            comparator.append(char)
        if char == "[" and in_fields:
            in_fields, in_comparator = False, True
        if in_fields:
            fields.append(char)
    operator = "".join(comparator)
    if operator not in COMPARATORS:
        raise FilterError(COMPARATOR_MESSAGE.format(
            filter=text, comparator=operator, allowed=", ".join(COMPARATORS)))
    raw = "".join(value)
    path = tuple("".join(fields).split("."))
    if operator in ("in", "containsAny"):
        if not (raw[:1] == "[" and raw[-1:] == "]") or len(raw) < 2:
            raise FilterError(ARRAY_VALUE_MESSAGE.format(comparator=operator, value=raw))
        return Leaf(path, operator, tuple(_unquote(item) for item in raw[1:-1].split(",")))
    return Leaf(path, operator, raw if operator == "is" else _unquote(raw))


def _unquote(value: str) -> str:
    """Strip one pair of surrounding quotes; Twenty accepts mixed pairs such as ``"x'``."""
    if len(value) >= 2 and value[0] in "\"'" and value[-1] in "\"'":
        return value[1:-1]
    return value


def mentions_field(node: Node, name: str) -> bool:
    """True when a leaf filters on ``name`` (soft-deleted rows show only if deletedAt is named)."""
    if isinstance(node, Leaf):
        return node.path[0] == name
    return any(mentions_field(item, name) for item in node.items)


# ---------------------------------------------------------------- compiling


def compile_filter(
    node: Node, resolve: Callable[[tuple[str, ...]], FieldRef]
) -> tuple[str, list[object]]:
    """SQL boolean expression with ``?`` parameters, validated as Twenty's filter processor does.

    ``resolve`` is called with ``(field,)`` and, when that field is composite, with
    ``(field, sub_field)``; it raises FilterError with UNKNOWN_FIELD_MESSAGE or
    UNKNOWN_SUB_FIELD_MESSAGE. like/ilike/startsWith/endsWith need register_sql_functions.
    """
    params: list[object] = []
    return _compile(node, resolve, params), params


def _compile(node: Node, resolve: Callable[[tuple[str, ...]], FieldRef],
             params: list[object]) -> str:
    if isinstance(node, Leaf):
        return _compile_leaf(node, resolve, params)
    parts = [_compile(item, resolve, params) for item in node.items]
    if node.kind == "not":
        if len(parts) != 1:
            raise FilterError(NOT_ARITY_MESSAGE)
        return f"NOT ({parts[0]})"
    if not parts:
        return "1" if node.kind == "and" else "0"
    return "(" + f" {node.kind.upper()} ".join(parts) + ")"


def _compile_leaf(leaf: Leaf, resolve: Callable[[tuple[str, ...]], FieldRef],
                  params: list[object]) -> str:
    ref = resolve(leaf.path[:1])
    name, rest = leaf.path[0], leaf.path[1:]
    if ref.field_type in COMPOSITE_TYPES:
        if not rest:  # Twenty reads the operator as the sub-field name
            raise FilterError(UNKNOWN_SUB_FIELD_MESSAGE.format(
                sub_field=leaf.operator, field_type=ref.field_type))
        ref = resolve(leaf.path[:2])
        name, rest = f"{name}.{rest[0]}", rest[1:]
    operator = rest[0] if rest else leaf.operator
    allowed = OPERATORS_BY_TYPE.get(ref.field_type)
    if rest or (allowed is not None and operator not in allowed):
        raise FilterError(OPERATOR_MESSAGE.format(
            operator=operator, field=name, field_type=ref.field_type,
            allowed=", ".join(allowed or COMPARATORS)))
    value, column = leaf.value, ref.sql
    if operator == "is":
        if value not in ("NULL", "NOT_NULL"):
            raise FilterError(IS_VALUE_MESSAGE)
        return f"{column} IS NULL" if value == "NULL" else f"{column} IS NOT NULL"
    if operator in ("in", "containsAny"):
        if not isinstance(value, tuple):
            raise FilterError(ARRAY_OPERATOR_MESSAGE.format(operator=operator, field=name))
        items = [_coerce(item, ref, name) for item in value] if operator == "in" else list(value)
        params.extend(items)
        marks = ", ".join("?" * len(items))
        if operator == "containsAny" and ref.field_type in _ARRAY_TYPES:
            return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value IN ({marks}))"
        return f"{column} IN ({marks})"
    text = value if isinstance(value, str) else ",".join(value)
    if operator in _SQL_COMPARE:
        params.append(_coerce(text, ref, name))
        return f"{column} {_SQL_COMPARE[operator]} ?"
    pattern = {"startsWith": f"{text}%", "endsWith": f"%{text}"}.get(operator, text)
    params.append(pattern)
    function = "twenty_ilike" if operator == "ilike" else "twenty_like"
    return f"{function}({column}, ?)"


def _coerce(raw: str, ref: FieldRef, name: str) -> object:
    """Coerce a REST string to the stored form, or raise Twenty's validation message."""
    kind = ref.field_type
    if kind in _NUMBER_TYPES:
        number = _js_parse_float(raw)
        if not math.isfinite(number):
            shown = "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
            raise FilterError(NUMBER_MESSAGE.format(value=shown, field=name))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "BOOLEAN":
        if raw not in ("true", "false"):
            raise FilterError(BOOLEAN_MESSAGE.format(value=js_inspect(raw), field=name))
        return 1 if raw == "true" else 0
    if kind in _UUID_TYPES:
        if _UUID_RE.fullmatch(raw) is None:
            raise FilterError(UUID_MESSAGE.format(value=js_inspect(raw), field=name))
        return raw.lower()
    if kind in ("DATE", "DATE_TIME"):
        moment = _parse_moment(raw, with_time=kind == "DATE_TIME")
        if moment is None:
            template = DATE_MESSAGE if kind == "DATE" else DATE_TIME_MESSAGE
            raise FilterError(template.format(value=js_inspect(raw), field=name))
        return moment
    if kind in ("SELECT", "MULTI_SELECT") and ref.options and raw not in ref.options:
        raise FilterError(SELECT_MESSAGE.format(
            value=raw, field=name, options=", ".join(ref.options)))
    return raw


_FLOAT_RE = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def _js_parse_float(raw: str) -> float:
    """JavaScript ``parseFloat``: the longest numeric prefix after whitespace, else NaN."""
    match = _FLOAT_RE.match(raw.lstrip())
    if match is None:
        return math.nan
    return float(match.group(0).replace("Infinity", "inf"))


def js_inspect(value: str) -> str:
    """Node's ``util.inspect`` of a string, which Twenty puts in its validation messages."""
    quote = "'"
    if "'" in value:
        quote = '"' if '"' not in value else ("`" if "`" not in value else "'")
    escapes = {quote: "\\" + quote, "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r",
               "\b": "\\b", "\f": "\\f", "\v": "\\v"}
    escaped = (escapes.get(c) or (f"\\x{ord(c):02X}" if ord(c) < 0x20 or ord(c) == 0x7F else c)
               for c in value)
    return quote + "".join(escaped) + quote


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTH = r"(?P<mon>[A-Za-z]+)"
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{1,2})"
# Date-time formats accepted by validate-date-time-field-or-throw.util.ts (date-fns patterns).
_DATE_TIME_FORMATS = tuple(re.compile(p) for p in (
    rf"(?P<y>\d{{1,4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})T{_TIME}:(?P<S>\d{{1,2}})"
    r"(?:\.(?P<f>\d{1,3}))?(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?",
    rf"(?P<y>\d{{1,4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}) {_TIME}"
    r"(?::(?P<S>\d{1,2})(?:\.(?P<f>\d{1,3}))?)?",
))
_DATE_FORMATS = tuple(re.compile(p) for p in (
    r"(?P<y>\d{1,4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})", r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
    r"(?P<y>\d{1,4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})",
    r"(?P<y>\d{1,4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",
    r"(?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<y>\d{1,4})",
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{1,4})",
    r"(?P<m>\d{1,2})\.(?P<d>\d{1,2})\.(?P<y>\d{1,4})",
    rf"{_MONTH} (?P<d>\d{{1,2}}), (?P<y>\d{{1,4}})", rf"(?P<d>\d{{1,2}}) {_MONTH} (?P<y>\d{{1,4}})",
    rf"(?P<d>\d{{1,2}})-{_MONTH}-(?P<y>\d{{1,4}})", rf"(?P<y>\d{{1,4}})-{_MONTH}-(?P<d>\d{{1,2}})",
))


def _parse_moment(raw: str, *, with_time: bool) -> str | None:
    """Validate a date (or date-time) and normalise it to the stored ISO form, UTC.

    Values without an offset are read as UTC, as on a Twenty server running in UTC.
    """
    formats = (_DATE_TIME_FORMATS + _DATE_FORMATS) if with_time else _DATE_FORMATS
    for pattern in formats:
        match = pattern.fullmatch(raw)
        if match is None:
            continue
        parts = match.groupdict()
        try:
            month = int(parts["m"]) if parts.get("m") else _month_number(parts["mon"])
            moment = datetime(
                int(parts["y"]), month, int(parts["d"]), int(parts.get("H") or 0),
                int(parts.get("M") or 0), int(parts.get("S") or 0),
                int((parts.get("f") or "0").ljust(3, "0")) * 1000, tzinfo=_offset(parts.get("tz")),
            ).astimezone(timezone.utc)
        except (ValueError, OverflowError):
            continue
        day = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        if not with_time:
            return day
        return (f"{day}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}."
                f"{moment.microsecond // 1000:03d}Z")
    return None


def _month_number(name: str) -> int:
    """English month name or its three-letter abbreviation (date-fns ``MMMM``/``MMM``)."""
    lowered = name.lower()
    for number, month in enumerate(_MONTHS, start=1):
        if lowered in (month, month[:3]):
            return number
    raise ValueError(name)


def _offset(text: str | None) -> timezone:
    digits = (text or "Z")[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2] or 0), minutes=int(digits[2:] or 0))
    return timezone(-delta if text and text[0] == "-" else delta)


# ---------------------------------------------------------------- SQL functions


def _like_regex(pattern: str) -> re.Pattern[str]:
    """PostgreSQL LIKE: ``%`` any run, ``_`` one character, backslash escapes."""
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, bytes):
        return None
    return str(value)


def _like(value: object, pattern: object, fold: bool = False) -> int | None:
    text, pat = _as_text(value), _as_text(pattern)
    if text is None or pat is None:
        return None
    if fold:
        text, pat = text.lower(), pat.lower()
    return int(_like_regex(pat).fullmatch(text) is not None)


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """Add ``twenty_like``/``twenty_ilike``: SQLite's own LIKE ignores ASCII case, PostgreSQL's
    does not, and SQLite lower() is ASCII-only."""
    conn.create_function("twenty_like", 2, _like, deterministic=True)
    conn.create_function("twenty_ilike", 2, lambda v, p: _like(v, p, True), deterministic=True)
