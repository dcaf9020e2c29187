"""A small known caseload, written through the application on the real stores, and helpers
that fold it into a read model on SQLite or PostgreSQL.

Five pathways, two therapists, every count below worked out by hand from these scripts:

- ``middle`` (t-ana, ipt, 12): referred 2 Jan, opened 5 Jan; baseline 12 Jan, session 1 on
  19 Jan, session 2 on 26 Jan, contract signed 26 Jan, sessions 3-5 weekly (2-16 Feb) with a
  measure after session 3 (2 Feb, 09:05); a no-show on 23 Feb. Phase middle, 5 held, 7 left.
- ``initial`` (t-ana, ipt): referred 1 Jan, opened 5 Jan; baseline 12 Jan, session 1 on
  19 Jan, then a no-show (26 Jan) and a late cancellation (2 Feb): outreach due. Phase initial.
- ``flagged`` (t-ana, dit): referred 5 Jan, opened 5 Jan; a baseline with item 9 = 2 on
  12 Jan raises an urgent flag, left unacknowledged. Phase initial, 0 sessions.
- ``maintained`` (t-ben, ipt, 8): referred 29 Dec, opened 5 Jan; the whole course (sessions on
  19 Jan .. 9 Mar, weekly), completed in remission, maintenance scheduled (6 sessions), one
  maintenance session on 6 Apr. Phase maintenance, 5 maintenance sessions left.
- ``dropped`` (t-ben, ipt, 12): referred 2 Jan, opened 5 Jan; sessions 1-2 (19, 26 Jan), the
  contract, session 3 (2 Feb), then closed dropped out (9 Feb) from the middle phase.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path
from uuid import UUID

import pytest

from domain.pathway import commands as c
from projections.catch_up import catch_up, tables_of
from projections.log import OrderedLog
from projections.projection import Projection
from projections.store import ReadStore, Row, Tx
from services.application import Caller, Pathways
from services.composition import Container
from services.courses import PHQ9_MODERATE, PHQ9_PARTIAL, PHQ9_REMISSION, CourseWriter, course
from tests.projections.support import log_and_read_store

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SIGNED = {"client": "c", "therapist": "t", "guardian": "g"}
_keys = count(1)


def _caller() -> Caller:
    return Caller(actor_id="t-x", actor_role="therapist", correlation_id="corr",
                  idempotency_key=f"known-{next(_keys)}")


def run(pathways: Pathways, writer: CourseWriter) -> UUID:
    first, *rest = writer.commands
    assert isinstance(first, c.OpenPathway)
    pathway_id = pathways.open_pathway(first, _caller()).pathway_id
    for command in rest:
        pathways.execute(pathway_id, command, _caller())
    return pathway_id


def opened(protocol: str, therapist: str, referral: date, sessions: int | None = None
           ) -> CourseWriter:
    return course(protocol, START, sessions=sessions).opened(
        client_ref="client", client_age=30, therapist_id=therapist, referral_date=referral)


def into_middle(writer: CourseWriter, focus: str = "role_dispute") -> CourseWriter:
    """Baseline (+7 d), session 1 (+14 d), session 2 and the contract (+21 d), a measure."""
    writer.later(7).consented().measure(PHQ9_MODERATE)
    writer.later(7).intake()
    writer.formulated(focus, pattern_summary="withdraws" if focus == "ipaf" else None)
    return writer.signed(SIGNED).measure(PHQ9_MODERATE, minutes=5)


def middle_until(writer: CourseWriter, number: int) -> CourseWriter:
    while writer.held < number:
        writer.visit(reason="continuing" if writer.held >= 8 else None)
        if writer.held % 3 == 0:
            writer.measure(PHQ9_PARTIAL, minutes=5)
    return writer


def scripts() -> dict[str, CourseWriter]:
    middle = middle_until(into_middle(opened("ipt", "t-ana", date(2026, 1, 2))), 5)
    middle.missed("no_show")
    initial = opened("ipt", "t-ana", date(2026, 1, 1))
    initial.later(7).consented().measure(PHQ9_MODERATE)
    initial.later(7).intake()
    initial.missed("no_show").missed("late_cancellation")
    flagged = opened("dit", "t-ana", date(2026, 1, 5))
    flagged.later(7).consented().measure((2, 2, 2, 2, 1, 1, 1, 1, 2))
    maintained = middle_until(into_middle(opened("ipt", "t-ben", date(2025, 12, 29), 8)), 8)
    maintained.measure(PHQ9_REMISSION, minutes=10).completed("maintenance", minutes=15)
    maintained.maintenance_scheduled(6, minutes=20).later(28).session()
    dropped = middle_until(into_middle(opened("ipt", "t-ben", date(2026, 1, 2))), 3)
    dropped.closed("dropped_out")
    return {"middle": middle, "initial": initial, "flagged": flagged,
            "maintained": maintained, "dropped": dropped}


@dataclass
class Known:
    container: Container
    store: ReadStore
    ids: dict[str, UUID]

    @property
    def log(self) -> OrderedLog:
        return OrderedLog(self.container.pathways)

    def fold(self, projection: Projection, *, batch: int = 2_000, generation: int = 1) -> None:
        catch_up(self.store, self.log, projection, generation, batch=batch)

    def name_of(self, pathway_id: UUID) -> str:
        return next(name for name, known in self.ids.items() if known == pathway_id)


def scoped(tx: Tx, projection: Projection, generation: int = 1) -> Tx:
    return tx.with_tables(tables_of(projection, generation))


@pytest.fixture
def known(tmp_path: Path, store_dsn: str | None) -> Iterator[Known]:
    with log_and_read_store(tmp_path, store_dsn, clock=lambda: NOW) as (container, store):
        ids = {name: run(container.pathways, writer) for name, writer in scripts().items()}
        yield Known(container, store, ids)


def table_rows(store: ReadStore, projection: Projection, generation: int) -> dict[str, list[Row]]:
    """Every row of every table of one generation, in a stable order (for comparisons)."""
    with store.transaction() as tx:
        scoped_tx = scoped(tx, projection, generation)
        return {table: sorted(scoped_tx.all(f"SELECT * FROM {{{table}}}"), key=repr)
                for table in projection.tables}
