"""Many rows at once on PostgreSQL: ``COPY``, what ``Tx.executemany`` sends there for many rows.

psycopg's ``executemany`` sends one ``INSERT`` per row (pipelined); the server plans and runs
each alone, about 12 microseconds a row here, which a rebuild writing a million rows pays in
full (one ``INSERT`` of many ``VALUES`` rows costs more still, in parameters). ``COPY`` costs
about 4. So an ``INSERT INTO t (columns) VALUES (:a, :b)`` of ``MIN_ROWS`` rows or more is sent
as ``COPY t (columns) FROM STDIN``, and one with ``ON CONFLICT (key) DO ...`` as a ``COPY`` into
a temporary table of the same shape (emptied at commit) and one ``INSERT ... SELECT`` from it
with the same ``ON CONFLICT`` clause. That does what the rows one after another would do only
if no two rows share the conflict key (PostgreSQL refuses to change a row twice in one
statement), so such rows, small batches and any other statement keep ``executemany``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

MIN_ROWS = 50
"""Fewer rows than this (a follower's usual batch) keep ``executemany``: no temporary table."""
_INSERT = re.compile(r"^\s*INSERT INTO (\w+) \(([^)]*)\)\s+VALUES\s+\(([^)]*)\)(.*)$",
                     re.DOTALL | re.IGNORECASE)
_NAME = re.compile(r"^:([A-Za-z_]\w*)$")
_CONFLICT = re.compile(r"^\s*ON CONFLICT\s*\(([^)]*)\)", re.IGNORECASE)


@dataclass(frozen=True)
class Bulk:
    table: str
    columns: str
    names: tuple[str, ...]
    """The parameter in each column, in the columns' order."""
    conflict: str
    """``ON CONFLICT ...`` as written (empty: a plain insert)."""
    keys: tuple[str, ...]
    """The parameters of the conflict key's columns."""

    def takes(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        """Whether these rows go by ``COPY``: enough of them, no conflict key twice."""
        if len(rows) < MIN_ROWS:
            return False
        if not self.keys:
            return True
        keys = self.keys
        return len({tuple(row[key] for key in keys) for row in rows}) == len(rows)

    def write(self, connection: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        names = self.names
        with connection.cursor() as cursor:
            target = self.table
            if self.conflict:
                target = f"carepath_stage_{self.table}"[:63]
                cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {target}"
                               f" (LIKE {self.table}) ON COMMIT DELETE ROWS")
            with cursor.copy(f"COPY {target} ({self.columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[name] for name in names])
            if self.conflict:
                cursor.execute(f"INSERT INTO {self.table} ({self.columns}) SELECT"
                               f" {self.columns} FROM {target} {self.conflict}"
                               .replace("%", "%%"))
                cursor.execute(f"TRUNCATE {target}")


@cache
def bulk(statement: str) -> Bulk | None:
    """How to send ``statement`` (``:name`` parameters, tables filled in) by ``COPY``, or None
    when it is not an ``INSERT ... VALUES`` of named parameters, optionally ``ON CONFLICT``."""
    match = _INSERT.match(statement)
    if match is None:
        return None
    table, columns, values, tail = match.groups()
    names = []
    for part in values.split(","):
        name = _NAME.match(part.strip())
        if name is None:
            return None
        names.append(name.group(1))
    if len(names) != len(columns.split(",")):
        return None
    tail = tail.strip()
    keys: tuple[str, ...] = ()
    if tail:
        conflict = _CONFLICT.match(tail)
        if conflict is None or ":" in re.sub(r"\bexcluded\.\w+", "", tail):
            return None
        by_column = dict(zip((c.strip() for c in columns.split(",")), names, strict=True))
        key_columns = [k.strip() for k in conflict.group(1).split(",")]
        if not set(key_columns) <= by_column.keys():
            return None
        keys = tuple(by_column[column] for column in key_columns)
    return Bulk(table, columns, tuple(names), tail, keys)
