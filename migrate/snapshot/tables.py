"""The layout of a snapshot file (DuckDB), written in one place.

    snapshot_info   one row: url (no secrets), taken_at, tool and Twenty versions, origin, format
    objects         every object of the workspace, and which table holds its records
    fields          every field of every object (type, options, relation target by API name)
    members         workspace members (id, e-mail, name)
    attachment_files  the bytes behind attachments: size, sha256, where they are stored
    views, view_fields, view_filters, view_filter_groups, view_sorts, view_groups,
    workflows, workflow_versions, roles, role_permissions, role_assignments, webhooks,
    api_keys, connected_accounts
                    the configuration (snapshot/config.py), objects and fields named by API name
                    (`object`, `field`) beside their metadata ids, so two workspaces compare directly
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


CONFIG_DDL = """
CREATE TABLE views (id VARCHAR PRIMARY KEY, object VARCHAR, name VARCHAR, key VARCHAR, type VARCHAR, visibility VARCHAR,
    position DOUBLE, settings JSON);
CREATE TABLE view_fields (id VARCHAR PRIMARY KEY, view_id VARCHAR, object VARCHAR, field VARCHAR, position DOUBLE, is_visible BOOLEAN,
    size DOUBLE, aggregate_operation VARCHAR);
CREATE TABLE view_filters (id VARCHAR PRIMARY KEY, view_id VARCHAR, object VARCHAR, field VARCHAR, operand VARCHAR, value JSON,
    sub_field_name VARCHAR, view_filter_group_id VARCHAR, position_in_group DOUBLE);
CREATE TABLE view_filter_groups (id VARCHAR PRIMARY KEY, view_id VARCHAR, parent_id VARCHAR, logical_operator VARCHAR,
    position_in_group DOUBLE);
CREATE TABLE view_sorts (id VARCHAR PRIMARY KEY, view_id VARCHAR, object VARCHAR, field VARCHAR, direction VARCHAR);
CREATE TABLE view_groups (id VARCHAR PRIMARY KEY, view_id VARCHAR, object VARCHAR, field VARCHAR, field_value VARCHAR,
    is_visible BOOLEAN, position DOUBLE);
CREATE TABLE workflows (id VARCHAR PRIMARY KEY, name VARCHAR, statuses JSON, last_published_version_id VARCHAR, position DOUBLE);
CREATE TABLE workflow_versions (id VARCHAR PRIMARY KEY, workflow_id VARCHAR, name VARCHAR, status VARCHAR, trigger JSON, steps JSON,
    created_at VARCHAR);
CREATE TABLE roles (id VARCHAR PRIMARY KEY, label VARCHAR, description VARCHAR, icon VARCHAR, is_editable BOOLEAN, settings JSON,
    permission_flags JSON);
CREATE TABLE role_permissions (role VARCHAR, kind VARCHAR, object VARCHAR, field VARCHAR, can_read BOOLEAN, can_update BOOLEAN,
    can_soft_delete BOOLEAN, can_destroy BOOLEAN);
CREATE TABLE role_assignments (role VARCHAR, kind VARCHAR, member_id VARCHAR, email VARCHAR, api_key VARCHAR);
CREATE TABLE webhooks (id VARCHAR PRIMARY KEY, target_url VARCHAR, operations JSON, description VARCHAR);
CREATE TABLE api_keys (id VARCHAR PRIMARY KEY, name VARCHAR, expires_at VARCHAR, role VARCHAR);
CREATE TABLE connected_accounts (id VARCHAR PRIMARY KEY, handle VARCHAR, provider VARCHAR, owner_id VARCHAR, owner_email VARCHAR,
    scopes JSON);
"""
"""The configuration tables. Secrets (API key tokens, webhook secrets, account tokens) are never
read into them; views and permissions name objects and fields by API name."""

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
""" + CONFIG_DDL


def snapshotted(objects: Iterable[ObjectMeta]) -> list[ObjectMeta]:
    return [o for o in objects if is_snapshotted(o)]
