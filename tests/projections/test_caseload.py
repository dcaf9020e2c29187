"""The ``caseload`` read model: active pathways per therapist, and what is overdue on them."""

from __future__ import annotations

from datetime import UTC, datetime

from projections.caseload import CaseloadCell, CaseloadProjection, caseload, overdue
from tests.projections.known_caseload import Known, known, scoped, table_rows

__all__ = ["known"]

BEFORE_THE_WINDOW = datetime(2026, 2, 20, tzinfo=UTC)
AFTER_THE_WINDOW = datetime(2026, 3, 3, tzinfo=UTC)
"""The middle pathway's last measure (2 Feb, after session 3) is 28 days old on 2 Mar."""


def cells(k: Known, **filters: object) -> list[CaseloadCell]:
    with k.store.transaction() as tx:
        return caseload(scoped(tx, CaseloadProjection()), **filters)  # type: ignore[arg-type]


def test_active_pathways_by_therapist_phase_and_protocol(known: Known) -> None:
    known.fold(CaseloadProjection())
    assert cells(known, as_of=BEFORE_THE_WINDOW) == [
        CaseloadCell("t-ana", "initial", "dit", 1, 0, 0, 1),
        CaseloadCell("t-ana", "initial", "ipt", 1, 1, 0, 0),
        CaseloadCell("t-ana", "middle", "ipt", 1, 0, 0, 0),
        CaseloadCell("t-ben", "maintenance", "ipt", 1, 0, 0, 0),
    ]  # the dropped-out pathway is closed: not on anyone's caseload


def test_a_measure_is_overdue_28_days_after_the_last(known: Known) -> None:
    known.fold(CaseloadProjection())
    assert CaseloadCell("t-ana", "middle", "ipt", 1, 0, 1, 0) in cells(
        known, as_of=AFTER_THE_WINDOW)
    assert cells(known, as_of=AFTER_THE_WINDOW, therapist="t-ben") == [
        CaseloadCell("t-ben", "maintenance", "ipt", 1, 0, 0, 0)]
    assert [c.protocol for c in cells(known, as_of=AFTER_THE_WINDOW, protocol="dit")] == [
        "dit"]


def test_overdue_items_name_the_pathway_and_what_is_due(known: Known) -> None:
    known.fold(CaseloadProjection())
    with known.store.transaction() as tx:
        before = overdue(scoped(tx, CaseloadProjection()), as_of=BEFORE_THE_WINDOW)
        after = overdue(scoped(tx, CaseloadProjection()), as_of=AFTER_THE_WINDOW,
                        therapist="t-ana")
    due = {known.name_of(i.pathway_id): (i.outreach_due, i.measure_overdue,
                                         i.unacknowledged_flags) for i in before}
    assert due == {"initial": (True, False, 0), "flagged": (False, False, 1)}
    middle = next(i for i in after if i.pathway_id == known.ids["middle"])
    assert middle.measure_overdue
    assert middle.measure_due_by == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def test_a_rebuild_in_small_batches_equals_one_big_fold(known: Known) -> None:
    projection = CaseloadProjection()
    known.fold(projection, batch=1, generation=1)
    known.fold(projection, batch=100_000, generation=2)
    assert table_rows(known.store, projection, 1) == table_rows(known.store, projection, 2)
