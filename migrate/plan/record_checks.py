"""Checks of the source's records that the plan reports before anything is written.

Dangling references: records whose relation points at a record the source snapshot lacks.
Twenty refuses such a record (a foreign key), so `apply` would reject it; the plan says so first,
with counts and sample ids, so that the person can export the missing records too or clear the
cells. Common in CSV snapshots: `person.csv` names companies whose export was filtered or cut
at 20 000 rows (csv.md §6.2). Member references are the member map's job, not this one's.

Twins on a unique key: two source records with one primary e-mail, domain or custom unique
value (compared without case). The target keeps the key unique, so `apply` matches the later
record to the first and copies none of its own values: said here, before it happens.

Amounts without a currency code: copied as they are (the target then holds the same amount
with no code, as the source does), and announced, since "1 500" of no currency is rarely meant.
"""

from __future__ import annotations

from typing import Any

from migrate.model import ObjectMeta
from migrate.snapshot.reader import Snapshot
from migrate.snapshot.tables import record_table

MEMBER_OBJECT = "workspaceMember"
UNIQUE_SUBFIELD = {"EMAILS": "primaryEmail", "LINKS": "primaryLinkUrl", "PHONES": "primaryPhoneNumber"}
"""The sub-field a unique composite is unique on (as `apply.batches` matches)."""


def dangling_references(snap: Snapshot, objects: list[ObjectMeta]) -> list[dict[str, Any]]:
    """Per object and relation: how many records point at a missing record, with up to 5 of their ids."""
    held = {o.name_singular for o in objects}
    out = []
    for obj in objects:
        for field in obj.fields:
            if not field.join_column or field.relation_type != "MANY_TO_ONE" or field.target_object in (None, MEMBER_OBJECT):
                continue
            column = f'CAST(s."{field.join_column}" AS VARCHAR)'
            if field.target_object in held:
                missing = f"NOT EXISTS (SELECT 1 FROM {record_table(field.target_object)} t WHERE CAST(t.id AS VARCHAR) = {column})"
            else:
                missing = "TRUE"
            count, sample = snap.con.execute(
                f"SELECT count(*), list(CAST(s.id AS VARCHAR) ORDER BY s.id)[1:5] FROM {record_table(obj.name_singular)} s "
                f"WHERE {column} IS NOT NULL AND {missing}").fetchone()  # type: ignore[misc]
            if count:
                out.append({"object": obj.name_singular, "field": field.name, "target": field.target_object,
                            "records": int(count), "sample": list(sample), "target_held": field.target_object in held})
    return out


def explain_dangling(ref: dict[str, Any]) -> str:
    """The plan's warning for one dangling relation."""
    where = ("records that are not in the source snapshot" if ref["target_held"]
             else "records, and the source snapshot holds no " + ref["target"] + " at all")
    return (f"{ref['records']} {ref['object']} records point through {ref['field']} at {ref['target']} {where} "
            f"(e.g. {', '.join(ref['sample'][:3])}); unless the target already holds those, it refuses these records "
            f"(rejects.csv). Add those {ref['target']} records to the source (export them too), or clear the cells, "
            "and snapshot again.")


def amounts_without_currency(snap: Snapshot, objects: list[ObjectMeta]) -> list[str]:
    """One warning per currency field holding amounts with an empty currency code."""
    out = []
    for obj in objects:
        for field in obj.fields:
            if field.type != "CURRENCY" or not field.is_stored:
                continue
            amount, code = f'"{field.name}_amountMicros"', f'"{field.name}_currencyCode"'
            count, sample = snap.con.execute(
                f"SELECT count(*), list(CAST(id AS VARCHAR) ORDER BY id)[1:3] FROM {record_table(obj.name_singular)} "
                f"WHERE {amount} IS NOT NULL AND {amount} <> 0 AND coalesce({code}, '') = ''").fetchone()  # type: ignore[misc]
            if count:
                out.append(f"{count} {obj.name_singular} records have a {field.name} amount without a currency code (e.g. {', '.join(sample)}); "
                           "they are copied without one. Fill in the code in the source (e.g. USD) and snapshot again if that is not meant.")
    return out


def unique_twins(snap: Snapshot, objects: list[ObjectMeta]) -> list[str]:
    """One warning per unique key that two or more live source records share."""
    out = []
    for obj in objects:
        for field in obj.fields:
            if not field.is_unique or field.name == "id" or field.type in ("RELATION", "MORPH_RELATION"):
                continue
            sub = UNIQUE_SUBFIELD.get(field.type)
            column = f'"{field.name}_{sub}"' if sub else f'"{field.name}"'
            key = f"lower(trim(CAST({column} AS VARCHAR)))"
            groups, records, sample = snap.con.execute(
                f"SELECT count(*), coalesce(sum(n), 0), first(k || ': ' || array_to_string(ids, ', ') ORDER BY k) FROM ("
                f"SELECT {key} AS k, count(*) AS n, list(CAST(id AS VARCHAR) ORDER BY id)[1:3] AS ids "
                f"FROM {record_table(obj.name_singular)} WHERE {column} IS NOT NULL AND {key} <> '' "
                'AND "deletedAt" IS NULL GROUP BY k HAVING count(*) > 1)').fetchone()  # type: ignore[misc]
            if groups:
                name = f"{field.name}.{sub}" if sub else field.name
                out.append(f"{records} {obj.name_singular} records share a {name} with another (e.g. {sample}); the target keeps it unique, "
                           "so each later record is matched to the first and its own values are not copied. Merge or correct them in the "
                           "source and snapshot again.")
    return out
