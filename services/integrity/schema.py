"""The tamper-evidence tables beside the events table, on SQLite and PostgreSQL.

``<events>_leaves``      one row per stored event: its leaf index in the tree (its place in the
                         ordered log, counted from 0), its pathway and version, its leaf hash
``<events>_nodes``       complete aligned subtrees (level >= 1) as they complete
``<events>_checkpoints`` signed checkpoints (C2SP tlog-checkpoint notes), one per tree size

The events table keeps its columns: readers of the log see no change. All four tables are
append-only: a trigger refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) for every role,
the table owner included, and on PostgreSQL the service's own role can be given INSERT and
SELECT only (``services.integrity.roles``).
"""

from __future__ import annotations

from dataclasses import dataclass

APPEND_ONLY_MESSAGE = "is append-only: its rows are never changed or removed"
TRIGGER_FUNCTION = "carepath_append_only"


@dataclass(frozen=True)
class Tables:
    """The names of the tamper-evidence tables of one events table."""

    events: str

    @property
    def leaves(self) -> str:
        return f"{self.events}_leaves"

    @property
    def nodes(self) -> str:
        return f"{self.events}_nodes"

    @property
    def checkpoints(self) -> str:
        return f"{self.events}_checkpoints"

    @property
    def all(self) -> tuple[str, str, str, str]:
        return (self.events, self.leaves, self.nodes, self.checkpoints)

    @property
    def side(self) -> tuple[str, str, str]:
        return (self.leaves, self.nodes, self.checkpoints)


def sqlite_statements(tables: Tables) -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {tables.leaves} (idx INTEGER PRIMARY KEY,"
        " originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL,"
        " hash BLOB NOT NULL, UNIQUE (originator_id, originator_version))",
        f"CREATE TABLE IF NOT EXISTS {tables.nodes} (level INTEGER NOT NULL,"
        " idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
        f"CREATE TABLE IF NOT EXISTS {tables.checkpoints} (size INTEGER PRIMARY KEY,"
        " note TEXT NOT NULL, signed_at TEXT NOT NULL)",
    ]
    for table in tables.all:
        statements += sqlite_append_only(table)
    return statements


def sqlite_append_only(table: str) -> list[str]:
    """Triggers refusing UPDATE and DELETE on ``table`` (the access log uses them too)."""
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action}"
            f" ON {table} BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END"
            for action in ("UPDATE", "DELETE")]


def postgres_statements(tables: Tables, schema: str) -> list[str]:
    """Plain SQL (identifiers are validated names, never input); idempotent."""
    def q(name: str) -> str:
        return f'"{schema}"."{name}"'

    statements = [
        f"CREATE TABLE IF NOT EXISTS {q(tables.leaves)} (idx bigint PRIMARY KEY,"
        " originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
        " hash bytea NOT NULL, UNIQUE (originator_id, originator_version))",
        f"CREATE TABLE IF NOT EXISTS {q(tables.nodes)} (level smallint NOT NULL,"
        " idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))",
        f"CREATE TABLE IF NOT EXISTS {q(tables.checkpoints)} (size bigint PRIMARY KEY,"
        " note text NOT NULL, signed_at timestamptz NOT NULL)",
        append_only_function(schema),
    ]
    for table in tables.all:
        statements += postgres_append_only(table, schema)
    return statements


def append_only_function(schema: str) -> str:
    """The trigger function refusing a change to any append-only table (PostgreSQL)."""
    return (f'CREATE OR REPLACE FUNCTION "{schema}"."{TRIGGER_FUNCTION}"() RETURNS trigger'
            " LANGUAGE plpgsql AS $body$ BEGIN RAISE EXCEPTION '% "
            f"{APPEND_ONLY_MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';"
            " END $body$")


def postgres_append_only(table: str, schema: str) -> list[str]:
    """Triggers refusing UPDATE, DELETE and TRUNCATE on ``table`` for every role, the owner's
    included (the function must exist: :func:`append_only_function`)."""
    function = f'"{schema}"."{TRIGGER_FUNCTION}"()'
    target = f'"{schema}"."{table}"'
    return [f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE"
            f" ON {target} FOR EACH ROW EXECUTE FUNCTION {function}",
            f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE"
            f" ON {target} FOR EACH STATEMENT EXECUTE FUNCTION {function}"]
