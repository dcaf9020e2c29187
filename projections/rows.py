"""What the read models share when they fold a batch and answer a query.

A projection folds a batch in memory: it reads the rows of the batch's pathways once
(``rows_by_pathway``), changes them, and writes every changed row back with one ``executemany``
of an ``upsert``. Times are stored as fixed-width ISO-8601 UTC text (``iso``), so text order is
time order on both stores; a query's ``since``/``until`` become the same text (``bound``).
Filters are added only when given (``Where``): PostgreSQL cannot type a parameter that is only
ever compared with NULL. Booleans are stored as 0/1 integers, the one form both stores sum.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Final

from domain.pathway.events import PathwayOpened
from domain.vocabulary import CloseReason
from projections.log import LoggedEvent
from projections.store import Tx

Rows = dict[str, dict[str, Any]]
"""Rows by pathway id, each a column -> value mapping (what ``executemany`` takes)."""

CHUNK = 500
"""Pathway ids per ``IN (...)`` list: well under either store's parameter limit."""
KEPT_ROWS = 20_000
"""Rows per table a rebuild keeps in memory; beyond, those not asked for are dropped and read
back from the table when asked for again."""


def of_types(batch: Sequence[LoggedEvent], types: Collection[object]) -> list[Any]:
    """The batch's events whose class is one of ``types`` (what a projection folds)."""
    return [logged.event for logged in batch if type(logged.event) in types]


def opened_in(events: Sequence[Any]) -> set[str]:
    """Ids of the pathways opened by ``events``: they have no stored row to read yet."""
    return {str(ev.originator_id) for ev in events if isinstance(ev, PathwayOpened)}


_ISO: dict[datetime, str] = {}
_ISO_KEPT = 100_000


def iso(moment: datetime) -> str:
    """A time as fixed-width UTC text: ``2026-01-05T09:00:00.000000+00:00``.

    Remembered: several read models write the same event's time, and a rebuild writes a
    million (equal instants in any zone are one key, and have one UTC text)."""
    text = _ISO.get(moment)
    if text is None:
        if len(_ISO) >= _ISO_KEPT:
            _ISO.clear()
        text = _ISO[moment] = moment.astimezone(UTC).isoformat(timespec="microseconds")
    return text


def bound(moment: datetime | date | None) -> str | None:
    """A query's time bound as stored text (a date means its midnight, UTC)."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), UTC)
    return iso(moment)


def flag(value: object) -> int:
    """A truth value as stored (0 or 1)."""
    return 1 if value else 0


def maybe_flag(value: object) -> bool | None:
    """A stored 0/1 (or NULL: not yet decided) as a truth value."""
    return None if value is None else bool(value)


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    listed = sorted(ids)
    for start in range(0, len(listed), CHUNK):
        yield listed[start:start + CHUNK]


def _in_list(ids: Sequence[str]) -> tuple[str, dict[str, Any]]:
    names = [f"p{index}" for index in range(len(ids))]
    return ", ".join(f":{name}" for name in names), dict(zip(names, ids, strict=True))


def select_by_pathway(tx: Tx, table: str, columns: Sequence[str],
                      ids: Collection[str], *, key: str = "pathway_id") -> list[dict[str, Any]]:
    """Every row of ``{table}`` whose ``key`` column is one of ``ids``, as mappings."""
    found: list[dict[str, Any]] = []
    listed = ", ".join(columns)
    for chunk in _chunks(ids):
        placeholders, params = _in_list(chunk)
        rows = tx.all(f"SELECT {listed} FROM {{{table}}} WHERE {key} IN ({placeholders})",
                      params)
        found.extend(dict(zip(columns, row, strict=True)) for row in rows)
    return found


def rows_by_pathway(tx: Tx, table: str, columns: Sequence[str], ids: Collection[str], *,
                    key: str = "pathway_id") -> Rows:
    """The one row per pathway of ``{table}`` (keyed by its ``key`` column) for each of
    ``ids`` that has one.

    In a rebuild that keeps rows between batches (``tx.memory``) the answer is the kept rows
    of the table, read from the table only for the ids not kept yet: rows the caller adds to
    it or changes in place are kept for the next batch, as they are written in this one.
    """
    if tx.memory is None:
        return {row[key]: row for row in select_by_pathway(tx, table, columns, ids, key=key)}
    kept: Rows = tx.memory.setdefault(tx.tables[table], {})
    if len(kept) > KEPT_ROWS:  # keep the rows asked for, drop the others
        wanted = set(ids)
        for pathway_id in [k for k in kept if k not in wanted]:
            del kept[pathway_id]
    missing = [pathway_id for pathway_id in ids if pathway_id not in kept]
    if missing:
        for row in select_by_pathway(tx, table, columns, missing, key=key):
            kept[row[key]] = row
    return kept


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` of every other column (both stores)."""
    names = ", ".join(columns)
    values = ", ".join(f":{column}" for column in columns)
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns
                        if column not in key)
    return (f"INSERT INTO {{{table}}} ({names}) VALUES ({values})"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}")


def insert(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(columns)
    values = ", ".join(f":{column}" for column in columns)
    return f"INSERT INTO {{{table}}} ({names}) VALUES ({values})"


Who = str | tuple[str, ...] | None
"""Whose rows: one therapist, several (a supervisor's caseload), or everyone (None)."""


def matching(column: str, value: object, params: dict[str, Any], name: str) -> str | None:
    """The condition ``column`` is ``value`` (or any of a tuple of values: a caseload), its
    parameters added to ``params``; None when ``value`` is None (no filter)."""
    if value is None:
        return None
    if isinstance(value, tuple):
        names = [f"{name}_{n}" for n in range(len(value))]
        params.update(zip(names, value, strict=True))
        return f"{column} IN ({', '.join(':' + n for n in names)})" if names else "1 = 0"
    params[name] = value
    return f"{column} = :{name}"


@dataclass
class Where:
    """A ``WHERE`` clause made of the filters actually given, with their parameters."""

    parts: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def _add(self, condition: str, name: str, value: object) -> Where:
        if value is not None:
            self.parts.append(condition)
            self.params[name] = value
        return self

    def equal(self, column: str, value: object) -> Where:
        """``column`` is ``value``, or one of a tuple of values."""
        condition = matching(column, value, self.params, _param(column))
        if condition is not None:
            self.parts.append(condition)
        return self

    def since(self, column: str, moment: datetime | date | None) -> Where:
        """``column`` at or after ``moment`` (stored time text)."""
        name = f"{_param(column)}_since"
        return self._add(f"{column} >= :{name}", name, bound(moment))

    def until(self, column: str, moment: datetime | date | None) -> Where:
        """``column`` before ``moment`` (stored time text): ranges are half-open."""
        name = f"{_param(column)}_until"
        return self._add(f"{column} < :{name}", name, bound(moment))

    def within(self, column: str, since: datetime | date | None,
               until: datetime | date | None) -> Where:
        return self.since(column, since).until(column, until)

    def also(self, condition: str) -> Where:
        """A condition without parameters (``closed_at IS NULL``)."""
        self.parts.append(condition)
        return self

    @property
    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.parts)}" if self.parts else ""


def _param(column: str) -> str:
    return column.replace(".", "_")


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` quantile (0.5 = median), interpolating between the closest ranks
    (numpy's default, ``statistics.quantiles(method="inclusive")``); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


ENTERED_IN_ERROR: Final[CloseReason] = "entered_in_error"
"""A pathway closed as entered in error never happened clinically: rates leave it out."""


def counted(where: Where, column: str = "closed_reason") -> Where:
    """Leave out pathways closed as entered in error (their ``column`` says so)."""
    where.parts.append(f"({column} IS NULL OR {column} <> :entered_in_error)")
    where.params["entered_in_error"] = ENTERED_IN_ERROR
    return where


def parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
