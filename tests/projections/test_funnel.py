"""The ``funnel`` read model: phases reached, and the phase each dropout left from."""

from __future__ import annotations

from datetime import date

from projections.funnel import Funnel, FunnelProjection, funnel
from tests.projections.known_caseload import Known, known, scoped, table_rows

__all__ = ["known"]


def counted(k: Known, **filters: object) -> Funnel:
    with k.store.transaction() as tx:
        return funnel(scoped(tx, FunnelProjection()), **filters)  # type: ignore[arg-type]


def test_pathways_reaching_each_phase_and_dropout_by_phase(known: Known) -> None:
    known.fold(FunnelProjection())
    assert counted(known) == Funnel(
        reached={"initial": 5, "middle": 3, "termination": 1, "completed": 1,
                 "maintenance": 1, "closed": 1},
        dropped_out_from={"middle": 1}, closed_by_reason={"dropped_out": 1})


def test_the_funnel_filters_by_therapist_protocol_and_opening_date(known: Known) -> None:
    known.fold(FunnelProjection())
    ben = counted(known, therapist="t-ben")
    assert ben.reached == {"initial": 2, "middle": 2, "termination": 1, "completed": 1,
                           "maintenance": 1, "closed": 1}
    assert counted(known, protocol="dit").reached["initial"] == 1
    assert counted(known, protocol="dit").dropped_out_from == {}
    assert counted(known, since=date(2026, 1, 5), until=date(2026, 1, 5)).reached[
        "initial"] == 5  # both ends of the range are included
    assert counted(known, since=date(2026, 1, 6)).reached["initial"] == 0
    assert counted(known, until=date(2026, 1, 4)).reached["initial"] == 0


def test_a_rebuild_in_small_batches_equals_one_big_fold(known: Known) -> None:
    projection = FunnelProjection()
    known.fold(projection, batch=1, generation=1)
    known.fold(projection, batch=100_000, generation=2)
    assert table_rows(known.store, projection, 1) == table_rows(known.store, projection, 2)
