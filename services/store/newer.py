"""The events stored after given versions of several aggregates, read in one statement.

A command that decides several aggregates at once (a group session: the group and each
member's pathway) brings each cached aggregate up to date with the events stored after its
version. Asking the recorder once per aggregate costs a round trip each; this asks once for
all of them, in version order per aggregate. An outage is ``StoreUnavailable``, as for the
recorder's own calls (``store.availability``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from services.store.availability import TranslatesOutages, translating_outages


def events_after(recorder: Any, versions: Mapping[UUID, int]) -> dict[UUID, list[StoredEvent]]:
    """For each id, its stored events after the given version (0: all), oldest first."""
    if not versions:
        return {}
    select = _select_sqlite if isinstance(recorder, SQLiteApplicationRecorder) else (
        _select_postgres if isinstance(recorder, PostgresApplicationRecorder) else None)
    if select is None:
        return {aggregate_id: list(recorder.select_events(aggregate_id, gt=version or None))
                for aggregate_id, version in versions.items()}
    if isinstance(recorder, TranslatesOutages):
        select = translating_outages(select)
    found: dict[UUID, list[StoredEvent]] = {aggregate_id: [] for aggregate_id in versions}
    for event in select(recorder, versions):
        found[cast("UUID", event.originator_id)].append(event)
    return found


def _select_sqlite(recorder: Any, versions: Mapping[UUID, int]) -> list[StoredEvent]:
    where = " OR ".join(["(originator_id=? AND originator_version>?)"] * len(versions))
    params: list[Any] = [value for aggregate_id, version in versions.items()
                         for value in (aggregate_id.hex, version)]
    statement = (f"SELECT originator_id, originator_version, topic, state FROM"
                 f" {recorder.events_table_name} WHERE {where}"
                 " ORDER BY originator_id, originator_version")
    ids = {aggregate_id.hex: aggregate_id for aggregate_id in versions}
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, params)
        return [StoredEvent(originator_id=ids[row["originator_id"]],
                            originator_version=row["originator_version"], topic=row["topic"],
                            state=row["state"]) for row in cursor.fetchall()]


def _select_postgres(recorder: Any, versions: Mapping[UUID, int]) -> list[StoredEvent]:
    """One condition per aggregate on the primary key (faster here than joining an unnest)."""
    statement = _postgres_statement(recorder.datastore.schema or "public",
                                    recorder.events_table_name, len(versions))
    params = [value for aggregate_id, version in versions.items()
              for value in (aggregate_id, version)]
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, params, prepare=True)
        return [StoredEvent(originator_id=row["originator_id"],
                            originator_version=row["originator_version"], topic=row["topic"],
                            state=bytes(row["state"])) for row in cursor.fetchall()]


@lru_cache(maxsize=64)
def _postgres_statement(schema: str, table: str, count: int) -> str:
    """Composed once per count: composing it costs more than running it."""
    where = " OR ".join(["(originator_id = %s AND originator_version > %s)"] * count)
    return (f"SELECT originator_id, originator_version, topic, state FROM {_quoted(schema)}."
            f"{_quoted(table)} WHERE {where} ORDER BY originator_id, originator_version")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
