"""The access log's table, append-only on both stores by the tamper evidence's own triggers
(``services.integrity.schema``): UPDATE, DELETE and (PostgreSQL) TRUNCATE are refused for every
role, and on PostgreSQL the service's role may be given SELECT and INSERT only."""

from __future__ import annotations

import re
from typing import Final

from services.integrity.schema import (
    append_only_function,
    postgres_append_only,
    sqlite_append_only,
)

TABLE: Final = "access_log"
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_COLUMNS = ("seq {int} PRIMARY KEY, recorded_at TEXT NOT NULL, actor_id TEXT NOT NULL,"
            " actor_role TEXT NOT NULL, token_id TEXT, action TEXT NOT NULL, pathway_id TEXT,"
            " purpose TEXT NOT NULL, channel TEXT NOT NULL, detail TEXT NOT NULL,"
            " hash {bytes} NOT NULL, seal TEXT NOT NULL")


def _indexes(table: str) -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {TABLE}_pathway ON {table} (pathway_id, seq)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_actor ON {table} (actor_id, seq)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_recorded ON {table} (recorded_at)"]


def sqlite_statements() -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {TABLE} ({_COLUMNS.format(int='INTEGER', bytes='BLOB')})",
        *_indexes(TABLE), *sqlite_append_only(TABLE)]


def postgres_statements(schema: str = "public") -> list[str]:
    """Idempotent; the trigger function is the one the event store's tables use."""
    table = f'"{schema}"."{TABLE}"'
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ({_COLUMNS.format(int='bigint', bytes='bytea')})",
        *_indexes(table), append_only_function(schema), *postgres_append_only(TABLE, schema)]


def grant_statements(schema: str, role: str) -> list[str]:
    """What the service's role may do with the access log: read it and add to it."""
    if not _ROLE.match(role):
        msg = f"role {role!r} must be a lowercase identifier (letters, digits, underscores)"
        raise ValueError(msg)
    table = f'"{schema}"."{TABLE}"'
    return [f'REVOKE ALL ON {table} FROM "{role}"',
            f'GRANT SELECT, INSERT ON {table} TO "{role}"']
