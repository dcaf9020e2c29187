"""A rebuild fills its new tables without their secondary indexes, and makes them at the end.

Each row a rebuild writes (a pathway's row is written again at every batch that touches it)
also changes every index over its table, and the read models keep wide covering indexes for
the dashboard's queries: keeping them up to date cost a rebuild more than the writes
themselves. Nothing a rebuild reads goes through them (it reads rows by their primary key),
so a generation built from position 0 drops its secondary indexes (``CREATE INDEX`` in its
DDL, not ``UNIQUE``: primary keys and unique constraints stay, upserts need them) before
the first batch, and creates them in the transaction that makes it live, in one pass over
the finished table. Readers of a generation that is live while it is being built (the first
one ever) see it without those indexes until it is done.
"""

from __future__ import annotations

import re

from projections.catch_up import schema_change, tables_of
from projections.projection import Projection, ddl_statements
from projections.store import Tx

_INDEX = re.compile(r"^CREATE\s+INDEX\s+IF\s+NOT\s+EXISTS\s+(\S+)\s+ON\s", re.IGNORECASE)


def secondary_indexes(projection: Projection) -> list[tuple[str, str]]:
    """``(name, statement)`` of each non-unique index in the projection's DDL (``{table}``
    placeholders unfilled)."""
    found = []
    for statement in ddl_statements(projection):
        match = _INDEX.match(statement)
        if match is not None:
            found.append((match.group(1), statement))
    return found


def drop_secondary(tx: Tx, projection: Projection, generation: int) -> None:
    """Drop the generation's secondary indexes (before its first batch)."""
    scoped = tx.with_tables(tables_of(projection, generation))
    schema_change(tx)
    for name, _ in secondary_indexes(projection):
        scoped.execute(f"DROP INDEX IF EXISTS {name}")


def create_secondary(tx: Tx, projection: Projection, generation: int) -> None:
    """Create the generation's secondary indexes (in the transaction that makes it live)."""
    scoped = tx.with_tables(tables_of(projection, generation))
    schema_change(tx)
    for _, statement in secondary_indexes(projection):
        scoped.execute(statement)
