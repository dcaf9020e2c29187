"""The ``pathways`` read model: one row per pathway, as the aggregate derives it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from projections.pathways import PathwaysProjection, list_pathways, pathway_row
from projections.pathways.view import PathwayRow
from tests.projections.known_caseload import Known, known, scoped, table_rows

__all__ = ["known"]


def rows(k: Known, generation: int = 1, **filters: object) -> list[PathwayRow]:
    with k.store.transaction() as tx:
        return list_pathways(scoped(tx, PathwaysProjection(), generation), limit=500,
                             **filters).items  # type: ignore[arg-type]


def names(k: Known, found: list[PathwayRow]) -> list[str]:
    return [k.name_of(row.id) for row in found]


def test_each_pathway_has_one_row_with_what_the_aggregate_derives(known: Known) -> None:
    known.fold(PathwaysProjection())
    by_name = {known.name_of(row.id): row for row in rows(known)}

    middle = by_name["middle"]
    assert (middle.phase, middle.sessions_held, middle.sessions_left) == ("middle", 5, 7)
    assert (middle.therapist, middle.protocol, middle.protocol_version) == ("t-ana", "ipt", 1)
    assert middle.referral_date == date(2026, 1, 2)
    assert middle.opened_at == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert middle.first_session_at == datetime(2026, 1, 19, 9, tzinfo=UTC)
    assert middle.contract_signed_at == datetime(2026, 1, 26, 9, tzinfo=UTC)
    assert middle.last_clinical_at == datetime(2026, 2, 23, 9, tzinfo=UTC)  # the no-show
    assert not middle.outreach_due
    assert by_name["initial"].phase == "initial"
    assert by_name["initial"].outreach_due  # two consecutive misses (IPT-21)
    assert by_name["initial"].sessions_left is None
    flagged = by_name["flagged"]
    assert (flagged.phase, flagged.open_flags, flagged.urgent_open_flags) == ("initial", 1, 1)
    assert (flagged.protocol, flagged.sessions_held) == ("dit", 0)
    maintained = by_name["maintained"]
    assert (maintained.phase, maintained.sessions_held, maintained.sessions_left) == (
        "maintenance", 8, 5)
    assert (maintained.outcome, maintained.next_step) == ("remission", "maintenance")
    dropped = by_name["dropped"]
    assert (dropped.phase, dropped.closed_reason, dropped.sessions_held) == (
        "closed", "dropped_out", 3)


def test_the_rows_equal_the_state_replayed_from_the_event_store(known: Known) -> None:
    known.fold(PathwaysProjection(), batch=3)  # many batch boundaries: state carried in JSON
    for row in rows(known):
        pathway = known.container.pathways.load(row.id)
        s = pathway.state
        assert (row.phase, row.version, row.sessions_held, row.sessions_left) == (
            s.phase, pathway.version, s.sessions_held, s.sessions_left)
        assert (row.open_flags, row.outreach_due, row.outcome, row.next_step,
                row.closed_reason) == (len(s.open_flags), s.outreach_due, s.outcome,
                                       s.next_step, s.closed_reason)
        assert row.contract_signed_at == s.contract_signed_at
        assert row.last_recorded_at == pathway.modified_on


def test_filters_narrow_the_list(known: Known) -> None:
    known.fold(PathwaysProjection())
    assert names(known, rows(known, therapist="t-ben")) == ["maintained", "dropped"]
    assert names(known, rows(known, phase="initial")) == ["initial", "flagged"]
    assert names(known, rows(known, protocol="dit")) == ["flagged"]
    assert names(known, rows(known, has_open_flags=True)) == ["flagged"]
    assert len(rows(known, has_open_flags=False)) == 4
    assert names(known, rows(known, outreach_due=True)) == ["initial"]
    assert names(known, rows(known, therapist="t-ana", phase="initial",
                             outreach_due=False)) == ["flagged"]


def test_pages_follow_the_cursor_in_opening_order(known: Known) -> None:
    known.fold(PathwaysProjection())
    seen: list[str] = []
    after: int | None = 0
    while after is not None:
        with known.store.transaction() as tx:
            page = list_pathways(scoped(tx, PathwaysProjection()), after=after, limit=2)
        seen += names(known, page.items)
        after = page.next_after
    assert seen == ["middle", "initial", "flagged", "maintained", "dropped"]
    with known.store.transaction() as tx:
        last = list_pathways(scoped(tx, PathwaysProjection()), after=0, limit=5)
    assert last.next_after is None  # exactly one page: no empty page to fetch


def test_one_row_by_id(known: Known) -> None:
    known.fold(PathwaysProjection())
    with known.store.transaction() as tx:
        found = pathway_row(scoped(tx, PathwaysProjection()), known.ids["dropped"])
    assert found is not None
    assert found.phase == "closed"


def test_a_rebuild_in_small_batches_equals_one_big_fold(known: Known) -> None:
    known.fold(PathwaysProjection(), batch=1, generation=1)
    known.fold(PathwaysProjection(), batch=100_000, generation=2)
    assert rows(known, 1) == rows(known, 2)
    projection = PathwaysProjection()
    assert table_rows(known.store, projection, 1) == table_rows(known.store, projection, 2)
