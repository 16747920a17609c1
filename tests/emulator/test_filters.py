"""Tests of the emulator's REST filter parser and SQL compiler against Twenty's behaviour."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.emulator.filters import (
    UNKNOWN_FIELD_MESSAGE,
    UNKNOWN_SUB_FIELD_MESSAGE,
    Conjunction,
    FieldRef,
    FilterError,
    Leaf,
    Node,
    compile_filter,
    mentions_field,
    parse_filter,
    register_sql_functions,
)

ID_A = "11111111-1111-4111-8111-111111111111"
ID_B = "22222222-2222-4222-8222-222222222222"
ID_C = "33333333-3333-4333-8333-333333333333"
ID_D = "44444444-4444-4444-8444-444444444444"
COMPANY_X = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"

FIELDS = {
    "id": "UUID", "name": "TEXT", "employees": "NUMBER", "idealCustomerProfile": "BOOLEAN",
    "createdAt": "DATE_TIME", "foundedOn": "DATE", "emails": "EMAILS", "tags": "ARRAY",
    "channels": "MULTI_SELECT", "stage": "SELECT", "companyId": "RELATION",
    "annualRevenue": "CURRENCY", "deletedAt": "DATE_TIME", "position": "POSITION",
}
SUB_FIELDS = {
    "EMAILS": {"primaryEmail": "TEXT", "additionalEmails": "RAW_JSON"},
    "CURRENCY": {"amountMicros": "NUMERIC", "currencyCode": "TEXT"},
}
RECORDS = [
    {"id": ID_A, "name": "Acme", "employees": 10, "idealCustomerProfile": True,
     "createdAt": "2026-03-01T09:30:00.000Z", "foundedOn": "2001-05-04",
     "emails": {"primaryEmail": "hi@acme.com", "additionalEmails": ["x@acme.com"]},
     "tags": ["b2b", "saas"], "channels": ["EMAIL", "PHONE"], "stage": "LEAD",
     "companyId": COMPANY_X, "annualRevenue": {"amountMicros": 5000000, "currencyCode": "USD"},
     "position": 1.5},
    {"id": ID_B, "name": "acme, Inc (EU)", "employees": 250, "idealCustomerProfile": False,
     "createdAt": "2026-03-02T00:00:00.000Z", "emails": {"primaryEmail": "b@b.com"},
     "tags": ["b2c"], "channels": ["EMAIL"], "stage": "CUSTOMER",
     "annualRevenue": {"amountMicros": 9000000, "currencyCode": "EUR"}, "position": 2},
    {"id": ID_C, "name": None, "employees": None, "idealCustomerProfile": False,
     "createdAt": "2026-02-28T23:59:59.999Z", "emails": {"primaryEmail": None},
     "tags": None, "channels": None, "stage": None, "position": 3},
    {"id": ID_D, "name": "Ünïcode Straße", "employees": 3, "idealCustomerProfile": True,
     "createdAt": "2026-03-01T10:00:00.000Z", "deletedAt": "2026-04-01T00:00:00.000Z",
     "emails": {"primaryEmail": "u@x.de"}, "position": 4},
]


def resolve(path: tuple[str, ...]) -> FieldRef:
    """A caller-side resolver as the emulator's will be: JSON paths into `data`."""
    field_type = FIELDS.get(path[0])
    if field_type is None:
        raise FilterError(UNKNOWN_FIELD_MESSAGE.format(object="company", field=path[0]))
    if path == ("id",):
        return FieldRef("id", "UUID")
    if len(path) == 2:
        sub_type = SUB_FIELDS[field_type].get(path[1])
        if sub_type is None:
            raise FilterError(UNKNOWN_SUB_FIELD_MESSAGE.format(
                sub_field=path[1], field_type=field_type))
        return FieldRef(f"json_extract(data, '$.{path[0]}.{path[1]}')", sub_type)
    options = ("LEAD", "CUSTOMER") if field_type == "SELECT" else None
    return FieldRef(f"json_extract(data, '$.{path[0]}')", field_type, options)


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    register_sql_functions(connection)
    connection.execute(
        'CREATE TABLE "company" (id TEXT PRIMARY KEY, deleted_at TEXT, data TEXT NOT NULL)')
    for record in RECORDS:
        data = {key: value for key, value in record.items() if key != "id"}
        connection.execute('INSERT INTO "company" VALUES (?, ?, ?)',
                           (record["id"], record.get("deletedAt"), json.dumps(data)))
    yield connection
    connection.close()


def ids(conn: sqlite3.Connection, text: str) -> set[str]:
    sql, params = compile_filter(parse_filter(text), resolve)
    return {row[0] for row in conn.execute(f'SELECT id FROM "company" WHERE {sql}', params)}


def error_of(text: str) -> str:
    with pytest.raises(FilterError) as info:
        compile_filter(parse_filter(text), resolve)
    return info.value.message


# ------------------------------------------------------------------ parsing


def test_parse_nested_conjunctions() -> None:
    """Follows filter-parser-utils/__tests__/parse-filter.util.spec.ts (test 4)."""
    node = parse_filter('and(fieldText[gt]:"val,ue",or(fieldNumber[is]:NOT_NULL,'
                        'not(fieldText[startsWith]:"val"),and(fieldNumber[eq]:6,'
                        'fieldText[ilike]:"%val%")),or(fieldNumber[eq]:4,fieldText[is]:NULL))')
    text, number = ("fieldText",), ("fieldNumber",)
    assert node == Conjunction("and", (
        Leaf(text, "gt", "val,ue"),
        Conjunction("or", (
            Leaf(number, "is", "NOT_NULL"),
            Conjunction("not", (Leaf(text, "startsWith", "val"),)),
            Conjunction("and", (Leaf(number, "eq", "6"), Leaf(text, "ilike", "%val%"))),
        )),
        Conjunction("or", (Leaf(number, "eq", "4"), Leaf(text, "is", "NULL"))),
    ))


def test_parse_base_filter_values() -> None:
    """Follows filter-parser-utils/__tests__/parse-base-filter.util.spec.ts."""
    assert parse_filter("fieldNumber[gt]:valStart]:[valEnd") == Conjunction(
        "and", (Leaf(("fieldNumber",), "gt", "valStart]:[valEnd"),))
    assert parse_filter('person.createdAt[in]:["2023-12-01T14:23:23.914Z","2024-12-01"]') == \
        Conjunction("and", (Leaf(("person", "createdAt"), "in",
                                 ("2023-12-01T14:23:23.914Z", "2024-12-01")),))


def test_default_conjunction_only_without_parentheses() -> None:
    """Follows filter-parser-utils/add-default-conjunction.util.ts and api.md §14 item 7."""
    assert parse_filter("name[eq]:a,employees[gt]:3") == Conjunction(
        "and", (Leaf(("name",), "eq", "a"), Leaf(("employees",), "gt", "3")))
    # With parentheses there is no implicit and(...): the rest becomes part of the value.
    assert parse_filter("name[eq]:a,or(name[eq]:b,name[eq]:c)") == Leaf(
        ("name",), "eq", "a,or(name[eq]:b,name[eq]:c)")


@pytest.mark.parametrize(("text", "message"), [
    ("(", "'filter' invalid. 1 close bracket is missing in the query"),
    (")", "'filter' invalid. 1 open bracket is missing in the query"),
    ("(()", "'filter' invalid. 1 close bracket is missing in the query"),
    ("()))", "'filter' invalid. 2 open brackets are missing in the query"),
    ("and(or(fieldNumber[eq]:1,fieldNumber[eq]:2)),fieldNumber[eq]:3)",
     "'filter' invalid. 1 open bracket is missing in the query"),
    ("and(name[eq]:1", "'filter' invalid. 1 close bracket is missing in the query"),
])
def test_bracket_balance_messages(text: str, message: str) -> None:
    """Follows filter-parser-utils/__tests__/check-filter-query.util.spec.ts."""
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    assert info.value.message == message


@pytest.mark.parametrize(("text", "message"), [
    ("name[foo]:1", "'filter' invalid for 'name[foo]:1', comparator foo not in eq, neq, in, "
                    "containsAny, containsExactly, is, gt, gte, lt, lte, startsWith, endsWith, like, ilike"),
    ("name:1", "'filter' invalid for 'name:1'. eg: price[gte]:10"),
    ("and(name[eq]:1,)", "'filter' invalid for ''. eg: price[gte]:10"),
    ("id[in]:abc", "'filter' invalid for 'in' operator. Received 'abc' but array value "
                   "expected eg: 'field[in]:[value_1,value_2]'"),
    ("not(name[eq]:1,name[eq]:2)",
     "'filter' invalid. 'not' conjunction should contain only 1 condition. eg: not(field[eq]:1)"),
])
def test_parser_messages(text: str, message: str) -> None:
    """Follows filter-parser-utils/parse-base-filter.util.ts, format-field-values.util.ts and
    parse-filter.util.ts."""
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    assert info.value.message == message


def test_mentions_field() -> None:
    """Follows common-query-runners/utils/collect-filter-field-names.util.ts (deletedAt rule)."""
    assert mentions_field(parse_filter("or(name[eq]:a,not(deletedAt[is]:NOT_NULL))"), "deletedAt")
    assert not mentions_field(parse_filter("name[eq]:deletedAt"), "deletedAt")


# ------------------------------------------------------------------ SQL execution


@pytest.mark.parametrize(("text", "expected"), [
    ("name[eq]:Acme", {ID_A}),
    ('name[eq]:"acme, Inc (EU)"', {ID_B}),
    ("name[neq]:Acme", {ID_B, ID_D}),
    ("name[is]:NULL", {ID_C}),
    ("name[in]:[Acme,'Ünïcode Straße']", {ID_A, ID_D}),
    ("name[like]:%cme%", {ID_A, ID_B}),
    ("name[like]:Acme%", {ID_A}),
    ("name[ilike]:acme%", {ID_A, ID_B}),
    ("name[ilike]:%STRASSE", set()),
    ("name[ilike]:%straße", {ID_D}),
    ("name[startsWith]:acme", {ID_B}),
    ("name[endsWith]:(EU)", {ID_B}),
    ("employees[gte]:10", {ID_A, ID_B}),
    ("employees[lt]:10.5", {ID_A, ID_D}),
    ("employees[in]:[3,250]", {ID_B, ID_D}),
    ("idealCustomerProfile[eq]:true", {ID_A, ID_D}),
    ("idealCustomerProfile[eq]:false", {ID_B, ID_C}),
    ("createdAt[gte]:2026-03-01", {ID_A, ID_B, ID_D}),
    ("createdAt[lte]:2026-03-01T10:30:00+01:00", {ID_A, ID_C}),
    ("createdAt[lt]:2026-03-01T10:30:00+01:00", {ID_C}),
    ("createdAt[eq]:2026-03-01T09:30:00Z", {ID_A}),
    ("foundedOn[eq]:05/04/2001", {ID_A}),
    ("emails.primaryEmail[eq]:b@b.com", {ID_B}),
    ("emails.primaryEmail[is]:NULL", {ID_C}),
    ("emails.additionalEmails[like]:%x@acme.com%", {ID_A}),
    ("annualRevenue.amountMicros[gt]:6000000", {ID_B}),
    ("annualRevenue.currencyCode[in]:[USD,GBP]", {ID_A}),
    ("channels[containsAny]:[PHONE,SMS]", {ID_A}),
    ("channels[containsAny]:[EMAIL]", {ID_A, ID_B}),
    ("tags[is]:NOT_NULL", {ID_A, ID_B}),
    ("stage[in]:[LEAD,CUSTOMER]", {ID_A, ID_B}),
    ("stage[containsAny]:[LEAD]", {ID_A}),
    (f"companyId[eq]:{COMPANY_X.upper()}", {ID_A}),
    (f"id[in]:[{ID_A},{ID_C}]", {ID_A, ID_C}),
    (f"id[gt]:{ID_B}", {ID_C, ID_D}),
    ("deletedAt[is]:NOT_NULL", {ID_D}),
    ("position[lte]:2", {ID_A, ID_B}),
    ("or(name[eq]:Acme,and(employees[gte]:100,idealCustomerProfile[eq]:false))", {ID_A, ID_B}),
    ("not(name[eq]:Acme)", {ID_B, ID_D}),
    ("not(or(name[is]:NULL,employees[gt]:5))", {ID_D}),
])
def test_filters_select_expected_rows(conn: sqlite3.Connection, text: str,
                                      expected: set[str]) -> None:
    """Follows common-args-processors/filter-arg-processor/filter-arg-processor.service.ts
    (coercion by field type) and api.md §2.2 examples."""
    assert ids(conn, text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("id[eq]:abc", "Invalid UUID value 'abc' for field \"id\""),
    ("id[in]:[" + ID_A + ",nope]", "Invalid UUID value 'nope' for field \"id\""),
    ("companyId[neq]:O'Hara", "Invalid UUID value \"O'Hara\" for field \"companyId\""),
    ("employees[gt]:many", 'Invalid number value NaN for field "employees"'),
    ("employees[gt]:Infinity", 'Invalid number value Infinity for field "employees"'),
    ("idealCustomerProfile[eq]:yes",
     "Invalid boolean value 'yes' for field \"idealCustomerProfile\""),
    ("createdAt[gt]:yesterday", "Invalid value 'yesterday' for date-time field \"createdAt\". "
                                "Expected format: 'YYYY-MM-DDTHH:mm:ssZ'"),
    ("foundedOn[gt]:2001-13-01", "Invalid value '2001-13-01' for date field \"foundedOn\". "
                                 "Expected format: 'YYYY-MM-DD'"),
    ("name[is]:EMPTY", 'Invalid filter value for "is" operator. Expected "NULL" or "NOT_NULL"'),
    ("name[containsAny]:[a]", 'Operator "containsAny" is not valid for field "name" of type '
                              "TEXT - Allowed operators: eq, neq, gt, gte, lt, lte, in, is, "
                              "like, ilike, startsWith, endsWith"),
    ("tags[containsAny]:[b2b]", 'Operator "containsAny" is not valid for field "tags" of type '
                                "ARRAY - Allowed operators: containsIlike, is, isEmptyArray"),
    # containsExactly passes the grammar (parse-base-filter.util.ts) but no type allows it
    ("tags[containsExactly]:b2b", 'Operator "containsExactly" is not valid for field "tags" of '
                                  "type ARRAY - Allowed operators: containsIlike, is, isEmptyArray"),
    ("idealCustomerProfile[neq]:true", 'Operator "neq" is not valid for field '
                                       '"idealCustomerProfile" of type BOOLEAN - Allowed '
                                       "operators: eq, is"),
    ("name.first[eq]:x", 'Operator "first" is not valid for field "name" of type TEXT - '
                         "Allowed operators: eq, neq, gt, gte, lt, lte, in, is, like, ilike, "
                         "startsWith, endsWith"),
    ("emails[eq]:a@b.com", 'Sub field "eq" not found for composite type: EMAILS'),
    ("emails.secondary[eq]:a", 'Sub field "secondary" not found for composite type: EMAILS'),
    ("stage[eq]:WON", 'Invalid select value "WON" for field "stage". Valid options: LEAD, '
                      "CUSTOMER"),
    ("nope[eq]:1", "Object company doesn't have any \"nope\" field."),
])
def test_validation_messages(text: str, message: str) -> None:
    """Follows filter-arg-processor/utils/validate-and-transform-*.util.ts, validator-utils/*
    and filter-arg-processor.service.ts."""
    assert error_of(text) == message


def test_like_needs_registered_functions(conn: sqlite3.Connection) -> None:
    """Follows filter-arg-processor/constants/filter-operators.constant.ts (like is per-field)."""
    sql, params = compile_filter(parse_filter("name[like]:_cme"), resolve)
    assert "twenty_like" in sql and params == ["_cme"]
    assert ids(conn, "name[like]:_cme") == {ID_A}


# ------------------------------------------------------------------ properties

_IDENT = st.from_regex(r"[a-z][a-zA-Z0-9]{0,6}", fullmatch=True)
_PLAIN = st.from_regex(r"[A-Za-z0-9@%._+-][A-Za-z0-9@%._+ -]{0,8}", fullmatch=True)


@st.composite
def _quoted_inner(draw: st.DrawFn) -> str:
    """Text safe inside quotes for Twenty's splitter: balanced parentheses, even brackets."""
    pieces = draw(st.lists(st.one_of(
        _PLAIN, st.sampled_from([",", ":", ", ", "[]", "][", "[x,y]"]),
        _PLAIN.map(lambda s: f"({s})"), _PLAIN.map(lambda s: f"(a,({s}))"),
    ), max_size=4))
    return "".join(pieces)


_SCALAR_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "startsWith", "endsWith", "like", "ilike")


@st.composite
def _leaves(draw: st.DrawFn) -> tuple[Leaf, str]:
    path = tuple(draw(st.lists(_IDENT, min_size=1, max_size=2)))
    operator = draw(st.sampled_from((*_SCALAR_OPS, "in", "containsAny", "is")))
    field = ".".join(path)
    if operator == "is":
        value = draw(st.sampled_from(["NULL", "NOT_NULL"]))
        return Leaf(path, operator, value), f"{field}[is]:{value}"
    if operator in ("in", "containsAny"):
        items = draw(st.lists(_PLAIN, min_size=1, max_size=4))
        quoted = draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)))
        rendered = ",".join(f'"{i}"' if q else i for i, q in zip(items, quoted, strict=True))
        return Leaf(path, operator, tuple(items)), f"{field}[{operator}]:[{rendered}]"
    if draw(st.booleans()):
        value = draw(_quoted_inner())
        return Leaf(path, operator, value), f'{field}[{operator}]:"{value}"'
    value = draw(_PLAIN)
    return Leaf(path, operator, value), f"{field}[{operator}]:{value}"


def _trees() -> st.SearchStrategy[tuple[Node, str]]:
    def extend(children: st.SearchStrategy[tuple[Node, str]]
               ) -> st.SearchStrategy[tuple[Node, str]]:
        many = st.tuples(st.sampled_from(["and", "or"]),
                         st.lists(children, min_size=1, max_size=3))
        return st.one_of(
            many.map(lambda kind_items: (
                Conjunction(kind_items[0], tuple(n for n, _ in kind_items[1])),  # type: ignore
                f"{kind_items[0]}(" + ",".join(t for _, t in kind_items[1]) + ")")),
            children.map(lambda c: (Conjunction("not", (c[0],)), f"not({c[1]})")),
        )
    return st.recursive(_leaves(), extend, max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["and", "or", "not"]), data=st.data())
def test_render_then_parse_round_trips(kind: str, data: st.DataObject) -> None:
    """Follows filter-parser-utils/parse-filter-content.util.ts and parse-filter.util.ts:
    a rendered AST parses back to itself."""
    items = data.draw(st.lists(_trees(), min_size=1, max_size=1 if kind == "not" else 3))
    node = Conjunction(kind, tuple(n for n, _ in items))  # type: ignore[arg-type]
    text = f"{kind}(" + ",".join(t for _, t in items) + ")"
    assert parse_filter(text) == node


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_quoted_inner().filter(bool), min_size=1, max_size=4))
def test_quoted_values_keep_commas_brackets_parentheses(values: list[str]) -> None:
    """Follows filter-parser-utils/format-field-values.util.ts (quotes stripped) and
    parse-filter-content.util.ts (no split inside quotes)."""
    text = "or(" + ",".join(f'name[eq]:"{v}"' for v in values) + ")"
    assert parse_filter(text) == Conjunction(
        "or", tuple(Leaf(("name",), "eq", v) for v in values))


def test_quoted_value_executes(conn: sqlite3.Connection) -> None:
    """Follows filter-parser-utils/format-field-values.util.ts: quotes are not part of the value."""
    assert ids(conn, "or(name[eq]:'acme, Inc (EU)',name[eq]:\"Acme\")") == {ID_A, ID_B}
