"""The ``attendance`` read model: appointments per ISO week and therapist, and waiting times."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.pathway import commands as c
from projections.attendance import (
    AttendanceProjection,
    WaitingTimes,
    WeekAttendance,
    waiting_times,
    weekly_attendance,
)
from projections.catch_up import catch_up
from projections.log import OrderedLog
from projections.rows import percentile
from projections.store import SQLiteReadStore
from services.composition import bootstrap
from services.settings import load_settings
from tests.group_app import AppGroup, caller
from tests.journeys import NOW
from tests.projections.known_caseload import Known, known, scoped, table_rows

__all__ = ["known"]


def weeks(k: Known, **filters: object) -> list[WeekAttendance]:
    with k.store.transaction() as tx:
        return weekly_attendance(scoped(tx, AttendanceProjection()),
                                 **filters)  # type: ignore[arg-type]


def waits(k: Known, **filters: object) -> WaitingTimes:
    with k.store.transaction() as tx:
        return waiting_times(scoped(tx, AttendanceProjection()),
                             **filters)  # type: ignore[arg-type]


def counts(found: list[WeekAttendance], therapist: str) -> dict[str, tuple[int, int, int]]:
    return {w.week: (w.held, w.no_shows, w.late_cancellations) for w in found
            if w.therapist == therapist}


def test_sessions_and_misses_per_iso_week_and_therapist(known: Known) -> None:
    known.fold(AttendanceProjection())
    found = weeks(known)
    assert counts(found, "t-ana") == {
        "2026-W04": (2, 0, 0), "2026-W05": (1, 1, 0), "2026-W06": (1, 0, 1),
        "2026-W07": (1, 0, 0), "2026-W08": (1, 0, 0), "2026-W09": (0, 1, 0)}
    assert counts(found, "t-ben") == {
        "2026-W04": (2, 0, 0), "2026-W05": (2, 0, 0), "2026-W06": (2, 0, 0),
        "2026-W07": (1, 0, 0), "2026-W08": (1, 0, 0), "2026-W09": (1, 0, 0),
        "2026-W10": (1, 0, 0), "2026-W11": (1, 0, 0),
        "2026-W15": (1, 0, 0)}  # the maintenance session
    w05 = next(w for w in found if w.week == "2026-W05" and w.therapist == "t-ana")
    assert (w05.week_start, w05.no_show_rate, w05.late_cancellation_rate) == (
        date(2026, 1, 26), 0.5, 0.0)


def test_weeks_filter_by_their_monday_therapist_and_protocol(known: Known) -> None:
    known.fold(AttendanceProjection())
    between = weeks(known, since=date(2026, 2, 16), until=date(2026, 2, 23), therapist="t-ana")
    assert [(w.week, w.held, w.no_shows) for w in between] == [
        ("2026-W08", 1, 0), ("2026-W09", 0, 1)]
    assert weeks(known, protocol="dit") == []  # the dit pathway held no session


def test_time_from_referral_to_first_session_and_contract(known: Known) -> None:
    known.fold(AttendanceProjection())
    found = waits(known)
    # first sessions 19 Jan 09:00, referred 2 Jan, 1 Jan, 29 Dec, 2 Jan (the dit one: none)
    assert found.to_first_session.count == 4
    assert found.to_first_session.median_days == pytest.approx(17.875)
    assert found.to_first_session.p90_days == pytest.approx(20.475)
    # contracts 26 Jan 09:00: referred 2 Jan, 29 Dec, 2 Jan
    assert found.to_contract.count == 3
    assert found.to_contract.median_days == pytest.approx(24.375)
    assert found.to_contract.p90_days == pytest.approx(27.575)
    ben = waits(known, therapist="t-ben")
    assert ben.to_first_session.median_days == pytest.approx(19.375)
    assert waits(known, since=date(2026, 1, 3)).to_first_session.count == 0  # the dit one
    assert waits(known, until=date(2025, 12, 31)).to_contract.count == 1


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([float(n) for n in range(1, 11)], 0.9) == pytest.approx(9.1)


def test_a_rebuild_in_small_batches_equals_one_big_fold(known: Known) -> None:
    projection = AttendanceProjection()
    known.fold(projection, batch=1, generation=1)
    known.fold(projection, batch=100_000, generation=2)
    assert table_rows(known.store, projection, 1) == table_rows(known.store, projection, 2)


def test_a_group_member_kept_out_on_a_safety_hold_counts_as_no_miss(tmp_path: Path) -> None:
    """IPT-17 in a group: the held member's SessionMissed (``safety_hold``) is no no-show,
    late cancellation or therapist's cancellation; the present members' sessions count."""
    container = bootstrap(load_settings(data_dir=tmp_path), clock=lambda: NOW)
    store = SQLiteReadStore(tmp_path / "ReadModels.sqlite3")
    try:
        group = AppGroup(container, members=6)
        container.pathways.execute(group.members[0], c.RecordMeasure(
            occurred_at=group.course.soon(), instrument="phq9", items=(1,) * 9), caller())
        session = group.hold(group.session_command())
        assert [a.absence for a in session.attendance if not a.present] == ["safety_hold"]
        projection = AttendanceProjection()
        catch_up(store, OrderedLog(container.pathways), projection, 1)
        with store.transaction() as tx:
            found = weekly_attendance(scoped(tx, projection))
        totals = [sum(getattr(w, name) for w in found) for name in (
            "held", "no_shows", "late_cancellations", "cancelled_by_therapist")]
        assert totals == [6 + 5, 0, 0, 0]  # six pre-group meetings, five members present
    finally:
        store.close()
        container.close()
