"""The layout of a snapshot file (DuckDB), written in one place.

    snapshot_info   one row: url (no secrets), taken_at, tool and Twenty versions, origin, format
    objects         every object of the workspace, and which table holds its records
    fields          every field of every object (type, options, relation target by API name)
    members         workspace members (id, e-mail, name)
    attachment_files  the bytes behind attachments: size, sha256, where they are stored
    records.<object>  one table per snapshotted object, one typed column per field or sub-field

Record tables live in the DuckDB schema `records`, so an object may be called anything without
clashing with the tables above: `SELECT * FROM records.company`.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.model import ObjectMeta
from migrate.twenty.codecs.columns import Column, table_columns

FORMAT_VERSION = 1
"""Bumped when the layout changes; a reader refuses a file of another format with a clear message."""

RECORDS_SCHEMA = "records"

NEVER_SNAPSHOTTED = frozenset({
    "workspaceMember", "timelineActivity", "auditLog", "favorite", "favoriteFolder", "connectedAccount",
    "messageChannel", "messageChannelMessageAssociation", "message", "messageThread", "messageParticipant",
    "messageFolder", "calendarChannel", "calendarChannelEventAssociation", "calendarEvent",
    "calendarEventParticipant", "blocklist", "workflow", "workflowRun", "workflowVersion", "workflowAutomatedTrigger",
    "apiKey", "webhook", "view", "viewField", "viewFilter", "viewFilterGroup", "viewSort", "viewGroup",
})
"""Objects that are not record data to migrate: members (own table), server-generated history,
provider-synced mail and calendar, credentials and configuration (api.md §6.5). Workflows are
configuration: the server computes their statuses and builds their versions itself, so they are
rebuilt through the workflow API, never copied as records (config.md §2)."""

SYSTEM_BUT_MIGRATED = frozenset({"noteTarget", "taskTarget", "attachment"})


def is_snapshotted(obj: ObjectMeta) -> bool:
    """Record data a migration moves: business objects, custom objects, and the link objects."""
    if obj.name_singular in NEVER_SNAPSHOTTED or not obj.is_active:
        return False
    return not obj.is_system or obj.name_singular in SYSTEM_BUT_MIGRATED


def record_table(name_singular: str) -> str:
    return f'{RECORDS_SCHEMA}."{name_singular}"'


def record_columns(obj: ObjectMeta) -> list[Column]:
    """The columns of an object's record table, `id` first."""
    columns = table_columns(obj.fields)
    return sorted(columns, key=lambda c: c.name != "id")


def create_record_table_sql(obj: ObjectMeta) -> str:
    columns = ", ".join(f'"{c.name}" {c.sql_type}' for c in record_columns(obj))
    return f"CREATE TABLE {record_table(obj.name_singular)} ({columns})"


BASE_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {RECORDS_SCHEMA};
CREATE TABLE snapshot_info (
    format_version INTEGER, origin VARCHAR, url VARCHAR, taken_at TIMESTAMP, tool_version VARCHAR,
    twenty_version VARCHAR, source_files VARCHAR
);
CREATE TABLE objects (
    name_singular VARCHAR PRIMARY KEY, name_plural VARCHAR, label_singular VARCHAR, label_plural VARCHAR,
    metadata_id VARCHAR, is_custom BOOLEAN, is_system BOOLEAN, is_active BOOLEAN, snapshotted BOOLEAN,
    record_count BIGINT, deleted_count BIGINT
);
CREATE TABLE fields (
    object VARCHAR, name VARCHAR, label VARCHAR, type VARCHAR, metadata_id VARCHAR, is_nullable BOOLEAN,
    is_unique BOOLEAN, is_custom BOOLEAN, is_system BOOLEAN, is_active BOOLEAN, default_value JSON, options JSON,
    settings JSON, relation_type VARCHAR, target_object VARCHAR, target_field VARCHAR, join_column VARCHAR,
    PRIMARY KEY (object, name)
);
CREATE TABLE members (id UUID PRIMARY KEY, email VARCHAR, first_name VARCHAR, last_name VARCHAR, user_id VARCHAR);
CREATE TABLE attachment_files (
    attachment_id UUID, file_id VARCHAR, label VARCHAR, size BIGINT, sha256 VARCHAR, stored_as VARCHAR
);
"""


def snapshotted(objects: Iterable[ObjectMeta]) -> list[ObjectMeta]:
    return [o for o in objects if is_snapshotted(o)]
