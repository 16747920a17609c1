"""Hypothesis properties of the rewrites `prepare-csv` makes to exported files.

Member rewriting: every row kept, only the added e-mail column differs, the e-mail is the
member's (or the override's, or the fallback's), every id without one is listed with its row.
Splitting: no row lost, none duplicated, order kept, the header in every part, and cells with
quotes, commas, line breaks and the U+200D guard read back unchanged from the written files.
Dangling references: exactly the relation cells naming a record no export holds are emptied.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.manual.cells import read_raw, write_text
from migrate.manual.member_columns import add_member_emails, find_member_columns, member_directory
from migrate.manual.split import part_name, split_rows
from migrate.model import FieldMeta, Member, ObjectMeta

COMPANY = ObjectMeta("company", "companies", (
    FieldMeta("id", "UUID", "Id"), FieldMeta("name", "TEXT", "Name"),
    FieldMeta("accountOwner", "RELATION", "Account Owner", relation_type="MANY_TO_ONE", target_object="workspaceMember",
              join_column="accountOwnerId"),
    FieldMeta("reviewer", "RELATION", "Reviewer", relation_type="MANY_TO_ONE", target_object="workspaceMember",
              join_column="reviewerId", is_custom=True),
    FieldMeta("parent", "RELATION", "Parent", relation_type="MANY_TO_ONE", target_object="company", join_column="parentId")))

cells = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
"""Any text: commas, quotes, CR, LF, U+200D, formula starts, non-ASCII."""
member_ids = st.uuids().map(str)
emails = st.from_regex(r"[a-z][a-z0-9.]{0,8}@[a-z]{1,6}\.(com|dev)", fullmatch=True)
OWNER_HEADERS = ("Account Owner Id", "Account Owner / Id", "accountOwnerId", "Account Owner")
"""E2-E5 (`<label> Id`), I2-era connect label, API name, E0-style bare label."""


@st.composite
def workspace(draw: st.DrawFn) -> tuple[list[Member], dict[str, str], list[str]]:
    members = [Member(i, e) for i, e in zip(draw(st.lists(member_ids, max_size=5, unique=True)),
                                            draw(st.lists(emails, min_size=5, max_size=5, unique=True)), strict=False)]
    overrides = {m.email: draw(emails) for m in members if m.email and draw(st.booleans())}  # type: ignore[misc]
    strangers = draw(st.lists(member_ids, max_size=3, unique=True))
    return members, overrides, strangers


@settings(max_examples=60, deadline=None)
@given(workspace(), st.sampled_from(OWNER_HEADERS), st.data(), st.one_of(st.none(), emails))
def test_member_rewriting_keeps_every_row_adds_only_the_email_and_lists_what_it_cannot_map(
        ws: tuple[list[Member], dict[str, str], list[str]], owner_header: str, data: st.DataObject, fallback: str | None) -> None:
    members, overrides, strangers = ws
    header = ["Id", "Name", owner_header, "Parent Id", "Reviewer Id"]
    ids = [m.id for m in members] + strangers + [""]
    rows = data.draw(st.lists(st.tuples(member_ids, cells, st.sampled_from(ids), cells, st.sampled_from(ids)).map(list), max_size=20))
    columns = find_member_columns(COMPANY, header)
    assert [(c.index, c.field, c.email_header) for c in columns] == [
        (2, "accountOwner", "Account Owner / User Email"), (4, "reviewer", "Reviewer / User Email")]

    directory = member_directory(members, overrides, fallback)
    new_header, new_rows, changes, unmapped = add_member_emails("company.csv", header, rows, columns, directory)

    assert new_header == ["Id", "Name", owner_header, "Account Owner / User Email", "Parent Id", "Reviewer Id", "Reviewer / User Email"]
    assert len(new_rows) == len(rows)
    email_of = {m.id: overrides.get(m.email, m.email) for m in members}  # type: ignore[arg-type]
    expected_unmapped = []
    for number, (old, new) in enumerate(zip(rows, new_rows, strict=True), start=1):
        assert [new[i] for i in (0, 1, 2, 4, 5)] == old, "only the added columns differ"
        for id_index, email_index, column in ((2, 3, owner_header), (4, 6, "Reviewer Id")):
            member_id = old[id_index]
            if not member_id:
                assert new[email_index] == ""
            elif member_id in email_of:
                assert new[email_index] == email_of[member_id]
            elif fallback:
                assert new[email_index] == fallback
            else:
                assert new[email_index] == ""
                expected_unmapped.append(("company.csv", number, column, member_id))
    assert [(u.file, u.row, u.column, u.member_id) for u in unmapped] == expected_unmapped
    filled = sum(1 for r in new_rows for i in (3, 6) if r[i])
    assert len([c for c in changes if c.row > 0]) == filled, "every filled e-mail cell is listed in changes.csv"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=40), st.integers(1, 12), st.booleans())
def test_splitting_loses_no_row_duplicates_none_keeps_order_header_and_quoting(
        tmp_path: Path, rows: list[list[str]], cap: int, bom: bool) -> None:
    rows = [r for r in rows if any(r)]  # the import drops blank rows; a row of empty cells is one
    header = ["Id", "Name, \"legal\"", "\u200d=Notes"]
    parts = split_rows(rows, cap)
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    read_back: list[list[str]] = []
    for number, part in enumerate(parts, start=1):
        path = folder / part_name("03-person", number, len(parts))
        assert write_text(path, header, part, bom=bom) == len(part)
        raw = read_raw(path)
        assert raw.header == header and raw.bom == bom
        assert len(raw.rows) <= cap
        read_back += raw.rows
    assert read_back == rows
    assert len(parts) == max(1, -(-len(rows) // cap))


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_read_back_exactly_and_match_the_reference_writer(value: float) -> None:
    """`number_text` is JavaScript's `String(number)`: it reads back to the same double, and the
    fixture's independent `js_number` writes the same text."""
    from migrate.manual.js_text import number_text
    from tests.snapshot.twenty_csv_export import js_number

    text = number_text(value)
    assert float(text) == value and text == js_number(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False) | cells,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(cells, inner, max_size=4), max_leaves=8)


@settings(max_examples=80, deadline=None)
@given(json_values)
def test_json_text_is_json_that_reads_back_to_the_same_value(value: object) -> None:
    import json

    from migrate.manual.js_text import json_text

    assert json.loads(json_text(value), parse_int=float) == value  # JS prints big doubles as integers


@settings(max_examples=60, deadline=None)
@given(exported=st.sets(member_ids, max_size=5), rows=st.lists(st.tuples(cells, st.one_of(st.just(""), member_ids),
                                                                         st.one_of(member_ids, st.just(""))), max_size=20))
def test_dangling_references_empty_exactly_the_cells_no_export_holds(exported: set[str], rows: list[tuple[str, str, str]]) -> None:
    """Only `Parent Id` cells naming a company the exports lack are emptied (member columns are not
    this rewrite's: `skip`), one change each with the old value; every other cell is kept."""
    from migrate.manual.dangling import DanglingReferences
    from migrate.snapshot.csv_format import Target

    fields = {f.name: f for f in COMPANY.fields}
    header = ["Name", "Account Owner Id", "Parent Id"]
    targets = [Target(fields["name"]), Target(fields["accountOwner"], join=True), Target(fields["parent"], join=True)]
    fixer = DanglingReferences("company.csv", header, targets, {"company": exported}, frozenset({"workspaceMember"}))
    emptied = 0
    for number, row in enumerate(rows, start=1):
        before = list(row)
        after, changes = fixer.fix(number, before)
        assert before == list(row), "the row read is not changed in place"
        dangling = bool(row[2]) and row[2] not in exported
        assert after == [row[0], row[1], "" if dangling else row[2]]
        assert [(c.row, c.column, c.old, c.new) for c in changes] == ([(number, "Parent Id", row[2], "")] if dangling else [])
        emptied += dangling
    assert [(x.field, x.count) for x in fixer.losses("company")] == ([("parentId", emptied)] if emptied else [])
