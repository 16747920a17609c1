"""REST ``order_by`` parsing, ORDER BY compilation and keyset cursors for the Twenty emulator.

Parsing follows Twenty's ``rest/input-request-parsers/order-by-parser-utils``; cursors follow
``graphql-query-runner/utils/cursors.util.ts`` (base64 of JSON holding the order-by values and
the id). The keyset condition is written here so that paging with any NULLS FIRST/LAST mix visits
every row exactly once, which is what a migration's export loop depends on.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from migrate.emulator.filters import FieldRef

Direction = Literal["AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"]
DIRECTIONS: tuple[str, ...] = get_args(Direction)
DEFAULT_DIRECTION: Direction = "AscNullsFirst"
DIRECTION_MESSAGE = (
    "'order_by' direction '{direction}' invalid. Allowed values are 'AscNullsFirst', "
    "'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. "
    "eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3"
)
# cursors.util.ts (newest): `Invalid cursor: ${cursor}`; REST tests only check 'Invalid cursor'.
INVALID_CURSOR_MESSAGE = "Invalid cursor: {cursor}"
_REVERSED: dict[str, Direction] = {
    "AscNullsFirst": "DescNullsLast", "AscNullsLast": "DescNullsFirst",
    "DescNullsFirst": "AscNullsLast", "DescNullsLast": "AscNullsFirst",
}


class OrderByError(ValueError):
    """A bad ``order_by``; ``message`` is Twenty's exact text, answered as a 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CursorError(ValueError):
    """A ``starting_after``/``ending_before`` that does not decode; answered as a 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class OrderTerm:
    """One ``field[Direction]`` item; ``path`` has two parts for a composite sub-field."""

    path: tuple[str, ...]
    direction: Direction


ID_TERM = OrderTerm(("id",), DEFAULT_DIRECTION)


def parse_order_by(text: str | None) -> tuple[OrderTerm, ...]:
    """Parse ``order_by`` as Twenty does, appending ``id AscNullsFirst`` unless id is ordered.

    Items are split on every comma; an item with both ``[`` and ``]`` takes the text between
    the first ``[`` and the next ``[`` (its first ``]`` removed) as the direction.
    """
    if text is None:
        return (ID_TERM,)
    terms: list[OrderTerm] = []
    for item in text.split(","):
        field, direction = item, DEFAULT_DIRECTION
        if "[" in item and "]" in item:
            pieces = item.split("[")
            field, candidate = pieces[0], pieces[1].replace("]", "", 1)
            if candidate not in DIRECTIONS:
                raise OrderByError(DIRECTION_MESSAGE.format(direction=candidate))
            direction = candidate  # type: ignore[assignment]
        terms.append(OrderTerm(tuple(field.split(".")), direction))
    return with_id_tiebreak(terms)


def with_id_tiebreak(terms: Sequence[OrderTerm]) -> tuple[OrderTerm, ...]:
    """Make the order total: Twenty adds ``id`` last unless a term already orders by id."""
    if any(term.path[0] == "id" for term in terms):
        return tuple(terms)
    return (*terms, ID_TERM)


def reversed_terms(terms: Sequence[OrderTerm]) -> tuple[OrderTerm, ...]:
    """The exact reverse order, used to fetch the page before an ``ending_before`` cursor."""
    return tuple(OrderTerm(term.path, _REVERSED[term.direction]) for term in terms)


def _sql_direction(direction: str) -> str:
    return ("ASC" if direction.startswith("Asc") else "DESC") + (
        " NULLS FIRST" if direction.endswith("NullsFirst") else " NULLS LAST")


def compile_order_by(
    terms: Sequence[OrderTerm],
    resolve: Callable[[tuple[str, ...]], FieldRef],
    *,
    reverse: bool = False,
) -> str:
    """``ORDER BY`` body (without the keywords) ending with the id tie-break.

    ``reverse=True`` gives the mirrored order for backward paging; the caller flips the rows.
    """
    total = with_id_tiebreak(terms)
    if reverse:
        total = reversed_terms(total)
    return ", ".join(f"{resolve(term.path).sql} {_sql_direction(term.direction)}"
                     for term in total)


def compile_keyset(
    terms: Sequence[OrderTerm],
    resolve: Callable[[tuple[str, ...]], FieldRef],
    cursor_values: Mapping[str, object],
    forward: bool,
) -> tuple[str, list[object]]:
    """``WHERE`` condition for rows strictly after (``forward``) or before the cursor row.

    Lexicographic over the terms plus id: row is past the cursor on term i and equal (NULL-safe)
    on every earlier term. NULL placement follows each term's NullsFirst/NullsLast.
    """
    total = with_id_tiebreak(terms)
    if not forward:
        total = reversed_terms(total)
    params: list[object] = []
    branches: list[str] = []
    equal_prefix: list[tuple[str, list[object]]] = []
    for term in total:
        column = resolve(term.path).sql
        value = cursor_value(cursor_values, term.path)
        after, after_params = _after(column, term.direction, value)
        if after != "0":
            parts = [sql for sql, _ in equal_prefix] + [after]
            for _, prefix_params in equal_prefix:
                params.extend(prefix_params)
            params.extend(after_params)
            branches.append("(" + " AND ".join(parts) + ")")
        equal_prefix.append(
            (f"{column} IS NULL", []) if value is None else (f"{column} = ?", [value]))
    return ("(" + " OR ".join(branches) + ")" if branches else "0"), params


def _after(column: str, direction: str, value: object) -> tuple[str, list[object]]:
    """Condition for a value that sorts strictly after ``value`` in ``direction``."""
    nulls_first = direction.endswith("NullsFirst")
    if value is None:
        return (f"{column} IS NOT NULL", []) if nulls_first else ("0", [])
    operator = ">" if direction.startswith("Asc") else "<"
    if nulls_first:
        return f"{column} {operator} ?", [value]
    return f"({column} {operator} ? OR {column} IS NULL)", [value]


def cursor_value(cursor_values: Mapping[str, object], path: tuple[str, ...]) -> object:
    """The cursor's value for ``path`` as an SQL parameter (nested JSON as compact text)."""
    current: object = cursor_values
    for part in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    if isinstance(current, (list, dict)):
        return json.dumps(current, separators=(",", ":"), ensure_ascii=False)
    return current


def cursor_from_record(record: Mapping[str, object],
                       terms: Sequence[OrderTerm]) -> dict[str, object]:
    """Cursor content for a row, shaped as Twenty's: top-level order-by keys, then ``id``.

    Build it from the stored form (JSON nulls, not the ``""`` of replies) so that the keyset
    condition sees the same values the ORDER BY sorted.
    """
    values = {term.path[0]: record.get(term.path[0]) for term in terms if term.path[0] != "id"}
    values["id"] = record.get("id")
    return values


def encode_cursor(values: Mapping[str, object]) -> str:
    """Base64 of compact JSON, as ``encodeCursorData`` (Buffer.from(JSON.stringify(...)))."""
    text = json.dumps(dict(values), separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def decode_cursor(text: str) -> dict[str, object]:
    """Decode a cursor leniently like Node's base64 decoder; fail with Twenty's message.

    Non-object JSON is refused too (Twenty would fail later on it with another message).
    """
    cleaned = _NOT_BASE64.sub("", text.split("=", 1)[0].replace("-", "+").replace("_", "/"))
    cleaned = cleaned[: len(cleaned) - (len(cleaned) % 4 == 1)]
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
        decoded = json.loads(raw.decode("utf-8", errors="replace"),
                             parse_constant=_reject_constant)
    except (binascii.Error, ValueError) as error:
        raise CursorError(INVALID_CURSOR_MESSAGE.format(cursor=text)) from error
    if not isinstance(decoded, dict):
        raise CursorError(INVALID_CURSOR_MESSAGE.format(cursor=text))
    return decoded


def _reject_constant(name: str) -> object:
    raise ValueError(f"JSON.parse has no {name}")
