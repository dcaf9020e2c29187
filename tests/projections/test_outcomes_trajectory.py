"""The mean trajectory's points on SQLite and PostgreSQL: one per pathway and session number
(its first measure there), the pathways closed as entered in error taken back out, and the
summed points (no date range) equal to the measures read one by one (a date range).

A small log of its own: A (t-x) repeats its baseline PHQ-9 before any session (12, then 10), B
(t-x) has a baseline of 8 and a PHQ-9 of 6 after two missed weeks and a second measure a week
later, still with no session held; C (t-y) has a baseline of 20 and is closed as entered in
error; D (t-y) has a baseline of 16.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from projections.outcomes import OutcomesProjection
from projections.outcomes.view import TrajectoryPoint, mean_trajectory
from services.courses import CourseWriter, course
from tests.projections.caseload import phq, send
from tests.projections.support import Known, caught_up, scoped, stores, table_rows

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _opened(therapist: str, ref: str, at: datetime) -> CourseWriter:
    return course("ipt", at, sessions=12).opened(
        client_ref=ref, client_age=40, therapist_id=therapist, referral_date=date(2026, 2, 27))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def known(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Known]:
    with stores(request, tmp_path_factory.mktemp(f"trajectory-{request.param}")) as known:
        a = _opened("t-x", "client-a", START).consented().measure(phq(12))
        a.later(2).measure(phq(10))
        b = _opened("t-x", "client-b", START).consented().measure(phq(8))
        b.later(14).measure(phq(6)).later(7).measure(phq(7))
        c = _opened("t-y", "client-c", START).consented().measure(phq(20)).closed(
            "entered_in_error")
        d = _opened("t-y", "client-d", START).consented().measure(phq(16))
        for name, writer in {"a": a, "b": b, "c": c, "d": d}.items():
            send(known.container.pathways, name, writer)
        yield known


@pytest.fixture
def outcomes(known: Known) -> OutcomesProjection:
    projection = OutcomesProjection()
    caught_up(known, projection)
    return projection


def _points(points: list[TrajectoryPoint]) -> list[tuple[int, int, float]]:
    return [(p.session, p.pathways, round(p.mean_total, 3)) for p in points]


def test_each_pathway_counts_once_per_session_with_its_first_measure_there(
        known: Known, outcomes: OutcomesProjection) -> None:
    with scoped(known, outcomes) as tx:
        t_x = mean_trajectory(tx, therapist="t-x")
    assert _points(t_x) == [(0, 2, 10.0)]  # A's 12 and B's 8; not A's 10, not B's 6 or 7


def test_a_pathway_entered_in_error_leaves_the_trajectory(
        known: Known, outcomes: OutcomesProjection) -> None:
    with scoped(known, outcomes) as tx:
        everyone = mean_trajectory(tx)
        t_y = mean_trajectory(tx, therapist="t-y")
    assert _points(everyone) == [(0, 3, 12.0)]  # A 12, B 8, D 16; C's 20 withdrawn
    assert _points(t_y) == [(0, 1, 16.0)]


def test_the_summed_points_equal_the_measures_read_one_by_one(
        known: Known, outcomes: OutcomesProjection) -> None:
    since, until = START - timedelta(days=365), START + timedelta(days=365)
    with scoped(known, outcomes) as tx:
        for therapist, protocol in ((None, None), ("t-x", None), ("t-y", None), (None, "ipt"),
                                    (None, "dit")):
            summed = mean_trajectory(tx, therapist=therapist, protocol=protocol)
            assert summed == mean_trajectory(tx, therapist=therapist, protocol=protocol,
                                             since=since, until=until)


def test_the_summed_days_equal_the_measures_read_one_by_one(
        known: Known, outcomes: OutcomesProjection) -> None:
    day, tick = timedelta(days=1), timedelta(microseconds=1)
    first = START.date()

    def midnight(on: date | None) -> datetime | None:
        """A microsecond before ``on`` starts: not a day's start, so the measures are read
        (no measure in this log falls in that microsecond)."""
        return None if on is None else datetime.combine(on, datetime.min.time(), UTC) - tick

    with scoped(known, outcomes) as tx:
        for since, until in ((first, None), (None, first + day), (first + day, first + 30 * day),
                             (first - day, first + 15 * day)):
            for therapist in (None, "t-x", "t-y"):
                by_days = mean_trajectory(tx, therapist=therapist, since=since, until=until)
                assert by_days == mean_trajectory(tx, therapist=therapist,
                                                  since=midnight(since), until=midnight(until))


def test_a_date_range_selects_the_points_by_their_own_time(
        known: Known, outcomes: OutcomesProjection) -> None:
    with scoped(known, outcomes) as tx:
        later = mean_trajectory(tx, since=START + timedelta(days=1))
        first_day = mean_trajectory(tx, until=START + timedelta(days=1))
    assert _points(later) == []  # the later measures were not first at their session
    assert _points(first_day) == [(0, 3, 12.0)]


def test_one_event_per_batch_sums_the_same_points_as_one_batch(
        known: Known, outcomes: OutcomesProjection) -> None:
    caught_up(known, outcomes, generation=2, batch=1)
    assert table_rows(known, outcomes, 2) == table_rows(known, outcomes, 1)
