"""PostgreSQL: the service's own role may add events, never change or remove them.

A deployment runs ``carepath store init --grant-to <service role>`` once as the role that
owns the database (or any role allowed to create tables there): it creates the event store's
tables, owned by that role, and grants the service's role exactly:

- the events table: SELECT, INSERT, and UPDATE *only* because ``LOCK TABLE ... IN EXCLUSIVE
  MODE`` (eventsourcing's ordering lock, taken by every save) needs UPDATE, DELETE or TRUNCATE
  on PostgreSQL. Every UPDATE is refused by the append-only trigger, which the service's role
  cannot drop or disable (only the owner can) nor skip (``session_replication_role`` is for
  superusers);
- the leaves, nodes and checkpoints: SELECT and INSERT;
- the events' id sequence: USAGE; the schema: USAGE and CREATE (the read models' tables are
  created, rebuilt and dropped by the service; it can drop only what it owns).

No DELETE, no TRUNCATE, no TRIGGER, no ownership. The service then runs with
``CAREPATH_CREATE_EVENT_TABLES=false`` (its role cannot replace the owner's functions).
"""

from __future__ import annotations

import re

import psycopg

from services.integrity.schema import Tables

ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _q(name: str) -> str:
    return f'"{name}"'


def grant_statements(tables: Tables, schema: str, role: str) -> list[str]:
    if not ROLE.match(role):
        msg = f"role {role!r} must be a lowercase identifier (letters, digits, underscores)"
        raise ValueError(msg)
    s, r = _q(schema), _q(role)
    events = f"{s}.{_q(tables.events)}"
    side = ", ".join(f"{s}.{_q(name)}" for name in tables.side)
    return [
        f"REVOKE ALL ON {events}, {side} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE ON {events} TO {r}",
        f"GRANT SELECT, INSERT ON {side} TO {r}",
        f"GRANT USAGE ON SEQUENCE {s}.{_q(tables.events + '_notification_id_seq')} TO {r}",
        f"GRANT USAGE, CREATE ON SCHEMA {s} TO {r}",
    ]


def restrict(conninfo: str, tables: Tables, schema: str, role: str) -> None:
    """Grant ``role`` what the service needs on the event store, and nothing more."""
    with psycopg.connect(conninfo, autocommit=True) as connection, connection.transaction():
        for statement in grant_statements(tables, schema, role):
            connection.execute(statement)
