"""Tests of the emulator's order_by parser, ORDER BY compiler and keyset cursor paging."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.emulator.filters import FieldRef
from migrate.emulator.ordering import (
    CursorError,
    OrderByError,
    OrderTerm,
    compile_keyset,
    compile_order_by,
    cursor_from_record,
    decode_cursor,
    encode_cursor,
    parse_order_by,
)

FIELD_TYPES = {"num": "NUMBER", "txt": "TEXT", "flag": "BOOLEAN", "name": "FULL_NAME"}


def resolve(path: tuple[str, ...]) -> FieldRef:
    """Caller-side resolver: `id` is a column, other paths are JSON paths into `data`."""
    if path == ("id",):
        return FieldRef("id", "UUID")
    return FieldRef("json_extract(data, '$." + ".".join(path) + "')",
                    "TEXT" if len(path) == 2 else FIELD_TYPES[path[0]])


def _term(path: str, direction: str) -> OrderTerm:
    return OrderTerm(tuple(path.split(".")), direction)  # type: ignore[arg-type]


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(("text", "expected"), [
    (None, [("id", "AscNullsFirst")]),
    ("fieldNumber[AscNullsFirst],fieldText[DescNullsLast]",
     [("fieldNumber", "AscNullsFirst"), ("fieldText", "DescNullsLast"), ("id", "AscNullsFirst")]),
    ("fieldNumber", [("fieldNumber", "AscNullsFirst"), ("id", "AscNullsFirst")]),
    ("fieldCurrency.amountMicros[DescNullsLast],fieldText.label[AscNullsLast]",
     [("fieldCurrency.amountMicros", "DescNullsLast"), ("fieldText.label", "AscNullsLast"),
      ("id", "AscNullsFirst")]),
    ("createdAt[DescNullsLast],id[DescNullsFirst]",
     [("createdAt", "DescNullsLast"), ("id", "DescNullsFirst")]),
])
def test_parse_order_by(text: str | None, expected: list[tuple[str, str]]) -> None:
    """Follows order-by-parser-utils/__tests__/parse-order-by-rest-request.util.spec.ts and
    add-default-order-by-id.util.ts."""
    assert parse_order_by(text) == tuple(_term(path, d) for path, d in expected)


@pytest.mark.parametrize(("text", "direction"), [
    ("fieldText[invalid]", "invalid"),
    ("name[asc]", "asc"),
    ("name[DescNullsLast]x", "DescNullsLastx"),
])
def test_parse_order_by_bad_direction(text: str, direction: str) -> None:
    """Follows order-by-parser-utils/utils/parse-order-by-rest-request-common.util.ts."""
    with pytest.raises(OrderByError) as info:
        parse_order_by(text)
    assert info.value.message == (
        f"'order_by' direction '{direction}' invalid. Allowed values are 'AscNullsFirst', "
        "'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. "
        "eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3")


def test_compile_order_by_appends_id() -> None:
    """Follows order-by-parser-utils/add-default-order-by-id.util.ts (id tie-break)."""
    terms = (_term("num", "DescNullsLast"),)
    assert compile_order_by(terms, resolve) == (
        "json_extract(data, '$.num') DESC NULLS LAST, id ASC NULLS FIRST")
    assert compile_order_by(terms, resolve, reverse=True) == (
        "json_extract(data, '$.num') ASC NULLS FIRST, id DESC NULLS LAST")


# ------------------------------------------------------------------ cursors


def test_cursor_round_trip_matches_twenty_encoding() -> None:
    """Follows graphql-query-runner/utils/cursors.util.ts (base64 of JSON.stringify)."""
    values = {"name": {"firstName": "Ada", "lastName": None}, "id": "x"}
    encoded = encode_cursor(values)
    assert base64.b64decode(encoded) == json.dumps(values, separators=(",", ":")).encode()
    assert decode_cursor(encoded) == values
    assert decode_cursor(encoded.rstrip("=")) == values  # Node accepts missing padding


@pytest.mark.parametrize("text", ["invalid-cursor", "", "eyJpZCI6", "NQ==", "TmFO"])
def test_bad_cursor(text: str) -> None:
    """Follows graphql-query-runner/utils/cursors.util.ts (decodeCursor) and the REST test
    rest-api-core-find-many.integration-spec.ts ('Invalid cursor')."""
    with pytest.raises(CursorError) as info:
        decode_cursor(text)
    assert info.value.message == f"Invalid cursor: {text}"


def test_cursor_from_record_keeps_composites_whole() -> None:
    """Follows graphql-query-runner/utils/cursors.util.ts (encodeCursor: top-level keys)."""
    record = {"id": "r1", "name": {"firstName": "Ada"}, "num": None, "txt": "z"}
    terms = parse_order_by("name.firstName,num[DescNullsLast]")
    assert cursor_from_record(record, terms) == {
        "name": {"firstName": "Ada"}, "num": None, "id": "r1"}


# ------------------------------------------------------------------ paging


def _table(records: list[dict[str, object]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute('CREATE TABLE "thing" (id TEXT PRIMARY KEY, deleted_at TEXT, data TEXT NOT NULL)')
    conn.executemany('INSERT INTO "thing" VALUES (?, NULL, ?)',
                     [(r["id"], json.dumps({k: v for k, v in r.items() if k != "id"}))
                      for r in records])
    return conn


def _rows(conn: sqlite3.Connection, where: str, params: list[object], order: str,
          limit: int) -> list[tuple[str, dict[str, object]]]:
    sql = f'SELECT id, data FROM "thing" WHERE {where} ORDER BY {order} LIMIT ?'
    return [(row[0], json.loads(row[1])) for row in conn.execute(sql, [*params, limit])]


def _cursor(row: tuple[str, dict[str, object]], terms: tuple[OrderTerm, ...]) -> str:
    return encode_cursor(cursor_from_record({**row[1], "id": row[0]}, terms))


_RECORDS = st.lists(st.fixed_dictionaries({
    "num": st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([0.5, -1.5, 2.0])),
    "txt": st.one_of(st.none(), st.sampled_from(["", "a", "B", "b", "é", "a b"])),
    "flag": st.one_of(st.none(), st.booleans()),
    "name": st.fixed_dictionaries({"firstName": st.one_of(st.none(), st.sampled_from("xyz"))}),
}), max_size=25)
_TERMS = st.lists(st.tuples(st.sampled_from(["num", "txt", "flag", "name.firstName", "id"]),
                            st.sampled_from(["AscNullsFirst", "AscNullsLast", "DescNullsFirst",
                                             "DescNullsLast"])), max_size=3)


@settings(max_examples=150, deadline=None)
@given(records=_RECORDS, raw_terms=_TERMS, sizes=st.lists(st.integers(1, 6), min_size=1),
       data=st.data())
def test_keyset_paging_visits_every_row_once(records: list[dict[str, object]],
                                             raw_terms: list[tuple[str, str]],
                                             sizes: list[int], data: st.DataObject) -> None:
    """Follows common-query-runners/common-find-many-query-runner.service.ts and
    graphql-query-runner/utils/cursors.util.ts: starting_after / ending_before paging."""
    ids = data.draw(st.lists(st.uuids(version=4), min_size=len(records),
                             max_size=len(records), unique=True))
    rows = [{**r, "id": str(i)} for r, i in zip(records, ids, strict=True)]
    conn = _table(rows)
    terms = parse_order_by(",".join(f"{p}[{d}]" for p, d in raw_terms) or None)
    order = compile_order_by(terms, resolve)
    expected = [r[0] for r in _rows(conn, "1", [], order, -1)]
    assert sorted(expected) == sorted(r["id"] for r in rows)

    forward: list[str] = []
    where, params, step = "1", [], 0
    while True:  # starting_after: fetch limit + 1 to learn hasNextPage
        size = sizes[step % len(sizes)]
        page = _rows(conn, where, params, order, size + 1)
        forward += [row[0] for row in page[:size]]
        if len(page) <= size:
            break
        cursor = decode_cursor(_cursor(page[size - 1], terms))
        where, params = compile_keyset(terms, resolve, cursor, forward=True)
        step += 1
    assert forward == expected

    backward: list[str] = []
    reverse_order = compile_order_by(terms, resolve, reverse=True)
    where, params, step = "1", [], 0
    while True:  # ending_before: query the mirrored order, then flip the page
        size = sizes[step % len(sizes)]
        page = _rows(conn, where, params, reverse_order, size + 1)
        kept = page[:size]
        backward = [row[0] for row in reversed(kept)] + backward
        if len(page) <= size:
            break
        cursor = decode_cursor(_cursor(kept[-1], terms))
        where, params = compile_keyset(terms, resolve, cursor, forward=False)
        step += 1
    assert backward == expected


def test_keyset_with_nulls_last_descending() -> None:
    """Follows graphql-query-runner/utils/cursors.util.ts: a NULL cursor value under
    DescNullsLast leaves only NULL rows with a greater id."""
    conn = _table([{"id": "1", "num": None}, {"id": "2", "num": 5}, {"id": "3", "num": None}])
    terms = parse_order_by("num[DescNullsLast]")
    where, params = compile_keyset(terms, resolve, {"num": None, "id": "1"}, forward=True)
    assert [r[0] for r in _rows(conn, where, params, compile_order_by(terms, resolve), -1)] == [
        "3"]
    where, params = compile_keyset(terms, resolve, {"num": None, "id": "1"}, forward=False)
    assert [r[0] for r in _rows(conn, where, params, compile_order_by(terms, resolve), -1)] == [
        "2"]
