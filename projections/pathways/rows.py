"""Row plumbing the per-pathway read models share: times as text, batch reads, upserts.

Times are stored as ISO-8601 UTC text of one fixed width, so text order is time order on
both SQLite and PostgreSQL; dates as ``YYYY-MM-DD``, which compare the same way against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from projections.rows import iso
from projections.store import Row, Tx

CHUNK = 500
"""Ids per ``IN (...)`` list: well inside every driver's parameter limit."""


def utc_text(moment: datetime) -> str:
    """``2026-01-05T09:00:00.000000+00:00``: one width, so text order is time order."""
    return iso(moment)


def maybe_utc_text(moment: datetime | None) -> str | None:
    return None if moment is None else utc_text(moment)


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def maybe_from_utc_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def day_start(day: date) -> str:
    """The text a time on ``day`` (UTC) sorts after: ``since`` filters compare with it."""
    return day.isoformat()


def rows_by_id(tx: Tx, select: str, ids: Iterable[str]) -> dict[str, Row]:
    """Rows of ``select`` (``... WHERE id IN {ids}``, first column the id) for these ids."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Row] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        names = ", ".join(f":id{i}" for i in range(len(chunk)))
        params = {f"id{i}": value for i, value in enumerate(chunk)}
        for row in tx.all(select.replace("{ids}", f"({names})"), params):
            found[str(row[0])] = row
    return found


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` every other column to the new values."""
    names = ", ".join(columns)
    values = ", ".join(f":{column}" for column in columns)
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns
                        if column not in key)
    return (f"INSERT INTO {{{table}}} ({names}) VALUES ({values})"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}")


def as_bool(value: Any) -> bool:
    """SQLite answers booleans as 0/1, PostgreSQL as bool."""
    return bool(value)
