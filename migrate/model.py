"""Twenty's field types and their composite sub-fields: the vocabulary every part shares.

Follows `packages/twenty-shared/src/types/FieldMetadataType.ts` and
`packages/twenty-shared/src/constants/CompositeFieldTypeSubFieldsNames.ts` (names only; see
`../shared/twenty/api.md` §5). The emulator and the client both import this module, so a
sub-field list is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

FieldType = Literal[
    "UUID", "TEXT", "PHONES", "EMAILS", "DATE_TIME", "DATE", "BOOLEAN", "NUMBER", "NUMERIC",
    "LINKS", "CURRENCY", "FULL_NAME", "RATING", "SELECT", "MULTI_SELECT", "RELATION",
    "MORPH_RELATION", "POSITION", "ADDRESS", "RAW_JSON", "RICH_TEXT", "RICH_TEXT_V2", "ACTOR",
    "ARRAY", "TS_VECTOR", "FILES",
]

SubFieldKind = Literal["text", "number", "uuid", "string_list", "json"]


@dataclass(frozen=True, slots=True)
class SubField:
    """One part of a composite field, e.g. `emails.primaryEmail` (kind: how it is stored)."""

    name: str
    kind: SubFieldKind


def _subs(*pairs: tuple[str, SubFieldKind]) -> tuple[SubField, ...]:
    return tuple(SubField(name, kind) for name, kind in pairs)


COMPOSITE_SUBFIELDS: Final[dict[str, tuple[SubField, ...]]] = {
    "FULL_NAME": _subs(("firstName", "text"), ("lastName", "text")),
    "EMAILS": _subs(("primaryEmail", "text"), ("additionalEmails", "string_list")),
    "PHONES": _subs(
        ("primaryPhoneNumber", "text"),
        ("primaryPhoneCountryCode", "text"),
        ("primaryPhoneCallingCode", "text"),
        ("additionalPhones", "json"),
    ),
    "LINKS": _subs(("primaryLinkUrl", "text"), ("primaryLinkLabel", "text"), ("secondaryLinks", "json")),
    "CURRENCY": _subs(("amountMicros", "number"), ("currencyCode", "text")),
    "ADDRESS": _subs(
        ("addressStreet1", "text"),
        ("addressStreet2", "text"),
        ("addressCity", "text"),
        ("addressState", "text"),
        ("addressPostcode", "text"),
        ("addressCountry", "text"),
        ("addressLat", "number"),
        ("addressLng", "number"),
    ),
    "ACTOR": _subs(("source", "text"), ("workspaceMemberId", "uuid"), ("name", "text"), ("context", "json")),
    "RICH_TEXT_V2": _subs(("blocknote", "text"), ("markdown", "text")),
}
"""Composite types and their sub-fields, in Twenty's order."""

RELATION_TYPES: Final = frozenset({"RELATION", "MORPH_RELATION"})
LIST_TYPES: Final = frozenset({"ARRAY", "MULTI_SELECT"})
RATING_VALUES: Final = tuple(f"RATING_{n}" for n in range(1, 6))
ACTOR_SOURCES: Final = (
    "EMAIL", "CALENDAR", "WORKFLOW", "AGENT", "API", "IMPORT", "MANUAL", "SYSTEM", "WEBHOOK",
    "APPLICATION",
)
"""`FieldActorSource` in twenty-shared; a value outside it is refused by the server."""


def is_composite(field_type: str) -> bool:
    """True for types stored as several sub-fields (FULL_NAME, EMAILS, CURRENCY, ...)."""
    return field_type in COMPOSITE_SUBFIELDS


@dataclass(frozen=True, slots=True)
class FieldMeta:
    """One field of a workspace object as the metadata API describes it (client side).

    `join_column` is set for the many-to-one side of a relation (`companyId`); `target_object`
    and `target_field` name the other side by API name, never by metadata id, so that two
    workspaces compare directly.
    """

    name: str
    type: str
    label: str = ""
    id: str = ""
    is_nullable: bool = True
    is_unique: bool = False
    is_custom: bool = False
    is_system: bool = False
    is_active: bool = True
    default_value: Any = None
    options: tuple[Any, ...] | None = None
    settings: Any = None
    relation_type: str | None = None
    target_object: str | None = None
    target_field: str | None = None
    join_column: str | None = None
    morph_id: str | None = None

    @property
    def is_relation(self) -> bool:
        return self.relation_type is not None

    @property
    def is_stored(self) -> bool:
        """False for the one-to-many side of a relation and for search vectors: no column."""
        return self.relation_type != "ONE_TO_MANY" and self.type != "TS_VECTOR"


@dataclass(frozen=True, slots=True)
class ObjectMeta:
    """One object of a workspace (standard or custom) with its fields."""

    name_singular: str
    name_plural: str
    fields: tuple[FieldMeta, ...]
    label_singular: str = ""
    label_plural: str = ""
    id: str = ""
    is_custom: bool = False
    is_system: bool = False
    is_active: bool = True

    def field(self, name: str) -> FieldMeta | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Member:
    """A workspace member: migrations map members by e-mail, never by id."""

    id: str
    email: str | None
    first_name: str = ""
    last_name: str = ""
    user_id: str | None = None
