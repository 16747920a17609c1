"""Which field of the UI's "Import records" each column of a prepared file goes to.

The import offers (`packages/twenty-shared/src/utils/spreadsheet-import/buildSpreadsheetImportFields.ts`,
`packages/twenty-front/src/modules/object-record/spreadsheet-import/utils/spreadsheetImportFilterAvailableFieldMetadataItems.ts`):
active fields that are not hidden system fields (but `id`), never `deletedAt` or ACTOR fields
(`createdBy`/`updatedBy` are set to "Import"), composite sub-fields as `<label> / <sub label>`
except address latitude/longitude and rich-text BlockNote
(`constants/SpreadsheetImportCompositeSubFields.ts`), and a many-to-one relation as
`<relation label> / <unique field label>` of its target (`Company / Id`,
`Account Owner / User Email`); FILES and POSITION fields are skipped. Mapping `Id` keeps each
record's source id ("Set a specific ID", docs `capabilities/field-mapping.mdx`), so the
`<relation> / Id` columns of later files connect to records imported earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.manual.member_columns import MEMBER_OBJECT
from migrate.snapshot.csv_format import SUBFIELD_LABELS, Target

NOT_IMPORTABLE_SUBS = {("ADDRESS", "addressLat"), ("ADDRESS", "addressLng"), ("RICH_TEXT_V2", "blocknote")}


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """A column of a prepared file: the import field to choose (None: "Do not import") and why."""

    header: str
    map_to: str | None
    note: str = ""


def map_column(header: str, target: Target, deferred: set[str], second_pass_file: str | None = None) -> ColumnMapping:
    """The mapping of one exported column (bound to `target` by `csv_format.header_targets`)."""
    field = target.field
    label = field.label or field.name
    if field.name == "id":
        return ColumnMapping(header, "Id", "keeps the source id, so later files' relation columns connect")
    if target.join:
        if field.target_object == MEMBER_OBJECT:
            return ColumnMapping(header, None, f"a source member id; map '{label} / User Email' instead")
        if field.name in deferred:
            where = f" by {second_pass_file}" if second_pass_file else " by a second-pass file"
            return ColumnMapping(header, None, f"set after every file is in{where} (a cycle or self-reference)")
        return ColumnMapping(header, f"{label} / Id", f"connects to the {field.target_object} imported earlier")
    if target.sub is not None:
        if field.type == "ACTOR":
            return ColumnMapping(header, None, "the import sets it to Import; not importable")
        if (field.type, target.sub) in NOT_IMPORTABLE_SUBS:
            return ColumnMapping(header, None, "not offered by the import")
        return ColumnMapping(header, f"{label} / {SUBFIELD_LABELS[field.type][target.sub][0]}")
    if field.name == "updatedAt":
        return ColumnMapping(header, None, "the server sets it on every write")
    if field.type in ("FILES", "POSITION", "TS_VECTOR") or field.is_system:
        return ColumnMapping(header, None, "not offered by the import")
    return ColumnMapping(header, label)


def email_mapping(header: str) -> ColumnMapping:
    return ColumnMapping(header, header, "the member, found by e-mail in the target (invite members first)")
