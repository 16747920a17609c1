"""How one snapshot column is normalised before the two sides are compared (api.md §11.8).

Timestamps to the millisecond, e-mails lower-cased, link URLs without case or trailing slash,
"" and [] as NULL; member references compared by e-mail (member ids differ between workspaces);
relations compared through the id map, as UUIDs (a fixed-width key hashes and joins several
times faster than its text). Fields the server sets on every write (`updatedAt`, `updatedBy`),
file references (compared by sha256 elsewhere) and the full path of attachments are left out.
"""

from __future__ import annotations

from collections.abc import Callable

from migrate.model import FieldMeta
from migrate.twenty.codecs.columns import Column

IGNORED = ("updatedAt", "updatedBy", "deletedAt", "searchVector")
MEMBER_OBJECT = "workspaceMember"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_compared(column: Column, meta: FieldMeta | None, ignore: tuple[str, ...] = ()) -> bool:
    """False for the columns the diff leaves out on purpose (see the module's docstring), and for
    the fields or columns named in `ignore` (what one side cannot hold, e.g. `position` of a CSV export)."""
    if column.field in IGNORED or column.field in ignore or column.name in ignore or column.name.startswith(("updatedBy_", "createdBy_context")):
        return False
    return not (meta is not None and meta.type == "FILES") and column.name != "fullPath"


Lookup = Callable[[str, str | None, str], str]
"""`lookup(kind, target_object, column)` adds a LEFT JOIN to the query and returns its alias:
kind "member" joins the side's member e-mails (`alias.email`), kind "held" the ids either side holds of
`target_object` (`alias.id`), kind "relation" the id map of
`target_object` (`alias.target_id`). Each lookup table is unique on its key, so a join gives what
a scalar subquery would, as one hash join."""


def expression(side: str, column: Column, meta: FieldMeta | None, lookup: Lookup, *, empty_boolean_is_false: bool = False,
               csv_parents: frozenset[str] = frozenset()) -> str:
    """A normalised SQL expression for one compared column of the record `r` on side `s` or `t`.
    `empty_boolean_is_false`: an empty checkbox reads false (the UI's import writes false);
    `csv_parents`: objects of a CSV-export source, whose references to a record neither side
    holds (soft-deleted, not exported) are expected empty."""
    ref = f"r.{quote(column.name)}"
    if (column.kind == "join" and meta is not None and meta.target_object == MEMBER_OBJECT) or column.name == "createdBy_workspaceMemberId":
        return f"{lookup('member', MEMBER_OBJECT, column.name)}.email"
    if column.kind == "join" and meta is not None:
        if side == "s":
            # A parent the map sends to NULL is one the target cannot hold (soft-deleted, not carried): expected empty.
            alias = lookup("relation", meta.target_object, column.name)
            mapped = f"CASE WHEN {alias}.source_id IS NULL THEN {ref} ELSE {alias}.target_id END"
            if meta.target_object in csv_parents:
                held = lookup("held", meta.target_object, column.name)
                return f"CASE WHEN {alias}.source_id IS NULL AND {held}.id IS NULL THEN NULL ELSE {mapped} END"
            return mapped
        return ref
    if empty_boolean_is_false and meta is not None and meta.type == "BOOLEAN" and column.sub is None:
        return f"coalesce({ref}, false)"
    sql_type = column.sql_type
    if sql_type == "TIMESTAMP":
        return f"date_trunc('millisecond', {ref})"
    if sql_type == "VARCHAR":
        if column.sub == "primaryEmail":
            return f"nullif(CASE WHEN {_may_trim(ref)} THEN lower(trim({ref})) ELSE lower({ref}) END, '')"
        if column.sub == "primaryLinkUrl":
            return f"nullif(CASE WHEN ends_with({ref}, '/') OR {_may_trim(ref)} THEN lower(rtrim(trim({ref}), '/')) ELSE lower({ref}) END, '')"
        return f"nullif({ref}, '')"
    if sql_type == "VARCHAR[]":
        if column.sub == "additionalEmails":
            return f"CASE WHEN len({ref}) = 0 THEN NULL ELSE list_transform({ref}, lambda x: lower(x)) END"
        return f"CASE WHEN len({ref}) = 0 THEN NULL ELSE {ref} END"
    if sql_type == "DOUBLE":
        return f"round({ref}, 6)"
    if sql_type == "JSON":
        return f"nullif(nullif(CAST({ref} AS VARCHAR), '[]'), '{{}}')"
    return f"CAST({ref} AS VARCHAR)" if sql_type == "UUID" else ref


def _may_trim(ref: str) -> str:
    """True when `trim(ref)` may differ from `ref`: it starts or ends with a space or a non-ASCII
    character (DuckDB's trim removes Unicode space separators, not tabs or newlines). trim() reads
    every character, several times the cost of this test; most values need no trim."""
    return f"(prefix({ref}, ' ') OR ends_with({ref}, ' ') OR ord({ref}) > 127 OR ord({ref}[-1]) > 127)"
