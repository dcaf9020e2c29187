"""Maintenance read model against the known caseload (tests/projections/caseload.py), on SQLite
and PostgreSQL: the contract, the session due from its frequency and "now", recurrences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from projections.maintenance import MaintenanceProjection
from projections.maintenance.view import (
    INTERVAL_DAYS,
    contract_counts,
    contracts,
    due_counts,
    due_sessions,
    recurrence_count,
    recurrences,
)
from tests.projections.support import Known, caught_up, known_caseload, scoped, table_rows


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def known(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Known]:
    yield from known_caseload(request, tmp_path_factory)


@pytest.fixture
def maintenance(known: Known) -> MaintenanceProjection:
    projection = MaintenanceProjection()
    caught_up(known, projection)
    return projection


def test_intervals_come_from_the_protocol_table() -> None:
    assert INTERVAL_DAYS == {"weekly": 7, "twice_monthly": 14, "monthly": 28}


def test_a_contract_shows_its_terms_sessions_held_and_next_due_date(
        known: Known, maintenance: MaintenanceProjection) -> None:
    times = known.caseload.times
    held = times["p1_maintenance_session"]
    with scoped(known, maintenance) as tx:
        [p1] = contracts(tx)
        assert contracts(tx, therapist="t-b") == []
    assert p1.pathway_id == str(known.caseload.ids["p1"])
    assert (p1.frequency, p1.sessions, p1.sessions_held) == ("monthly", 3, 1)
    assert p1.start_date == (times["p1_completed"] + timedelta(days=28)).date()
    assert p1.last_session_at == held
    assert p1.next_due_on == held.date() + timedelta(days=28)
    assert (p1.latest_phq9, p1.recurrences) == (11, 1)


def test_sessions_due_in_the_next_seven_days_depend_on_now(
        known: Known, maintenance: MaintenanceProjection) -> None:
    held: date = known.caseload.times["p1_maintenance_session"].date()
    with scoped(known, maintenance) as tx:
        soon = due_sessions(tx, now=held + timedelta(days=25))
        later = due_sessions(tx, now=held + timedelta(days=10))
        overdue = due_sessions(tx, now=held + timedelta(days=30), therapist="t-a")
    assert [(d.number, d.days_until, d.overdue) for d in soon] == [(2, 3, False)]
    assert later == []
    assert [(d.number, d.days_until, d.overdue) for d in overdue] == [(2, -2, True)]


def test_sessions_due_are_counted_overdue_then_week_by_week(
        known: Known, maintenance: MaintenanceProjection) -> None:
    due_on: date = known.caseload.times["p1_maintenance_session"].date() + timedelta(days=28)
    with scoped(known, maintenance) as tx:
        def counts(days_before: int, **who: str) -> list[int]:
            return due_counts(tx, now=due_on - timedelta(days=days_before), weeks=3, **who)

        assert counts(0) == [0, 1, 0, 0]  # due today: the first week
        assert counts(7) == [0, 0, 1, 0]  # due in 7 days: the second
        assert counts(20) == [0, 0, 0, 1]
        assert counts(21) == [0, 0, 0, 0]  # beyond the third week
        assert counts(-1) == [1, 0, 0, 0]  # overdue
        assert counts(0, therapist="t-b") == [0, 0, 0, 0]
        assert [d.due_on for d in due_sessions(tx, now=due_on, limit=1)] == [due_on]
        assert due_sessions(tx, now=due_on, limit=0) == []


def test_contracts_are_counted_by_frequency(known: Known,
                                            maintenance: MaintenanceProjection) -> None:
    with scoped(known, maintenance) as tx:
        assert contract_counts(tx) == {"monthly": 1}
        assert contract_counts(tx, protocol="dit") == {}


def test_recurrences_are_listed_with_their_measure(known: Known,
                                                   maintenance: MaintenanceProjection) -> None:
    held = known.caseload.times["p1_maintenance_session"]
    with scoped(known, maintenance) as tx:
        found = recurrences(tx)
        none_after = recurrences(tx, since=held + timedelta(days=1))
    assert [(r.pathway_id, r.instrument, r.total, r.threshold) for r in found] == [
        (str(known.caseload.ids["p1"]), "phq9", 11, 10)]
    assert none_after == []
    with scoped(known, maintenance) as tx:
        assert recurrence_count(tx) == 1
        assert recurrence_count(tx, since=held + timedelta(days=1)) == 0
        assert recurrences(tx, limit=0) == []


def test_a_rebuild_in_small_batches_equals_one_big_batch(
        known: Known, maintenance: MaintenanceProjection) -> None:
    caught_up(known, maintenance, generation=2, batch=3)
    assert table_rows(known, maintenance, 2) == table_rows(known, maintenance, 1)
