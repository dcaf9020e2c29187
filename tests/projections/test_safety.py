"""Safety read model against the known caseload (tests/projections/caseload.py), on SQLite and
PostgreSQL: open flags oldest urgent first, and the waits to acknowledge and to assess."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from projections.safety import SafetyProjection
from projections.safety.view import (
    open_flag_ages,
    open_flag_counts,
    open_flags,
    response_times,
)
from tests.projections.support import Known, caught_up, known_caseload, scoped, table_rows


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def known(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Known]:
    yield from known_caseload(request, tmp_path_factory)


@pytest.fixture
def safety(known: Known) -> SafetyProjection:
    projection = SafetyProjection()
    caught_up(known, projection)
    return projection


def test_open_flags_come_urgent_first_then_oldest_with_their_age(
        known: Known, safety: SafetyProjection) -> None:
    ids, times = known.caseload.ids, known.caseload.times
    now = times["p5_flag2"] + timedelta(days=2)
    with scoped(known, safety) as tx:
        flags = open_flags(tx, now=now)
        open_only = open_flags(tx, include_closed=False)
    assert [(f.pathway_id, f.flag_id, f.tier, f.status, f.pathway_closed) for f in flags] == [
        (str(ids["p6"]), 1, "urgent", "unacknowledged", False),
        (str(ids["p5"]), 2, "routine", "acknowledged", True)]  # left open when P5 closed
    assert flags[0].age_seconds == (now - times["p6_flag1"]).total_seconds()
    assert flags[1].age_seconds == 2 * 86_400
    assert flags[0].source == "measure"
    assert [f.pathway_id for f in open_only] == [str(ids["p6"])]
    assert open_only[0].age_seconds is None  # no "now", no age


def test_waits_to_acknowledge_and_assess_have_p50_and_p95(known: Known,
                                                          safety: SafetyProjection) -> None:
    with scoped(known, safety) as tx:
        everything = response_times(tx)
        urgent = response_times(tx, tier="urgent")
        latest = response_times(tx, since=known.caseload.times["p5_flag2"])
    assert everything.raised == 3
    assert everything.acknowledge.count == 2  # 30 min and 2 h
    assert everything.acknowledge.p50_seconds == 4_500
    assert everything.acknowledge.p95_seconds == pytest.approx(1_800 + 0.95 * 5_400)
    assert (everything.assess.count, everything.assess.p50_seconds,
            everything.assess.p95_seconds) == (1, 5_400, 5_400)
    assert (everything.waiting_acknowledgement, everything.waiting_assessment) == (1, 2)
    assert (urgent.raised, urgent.acknowledge.p50_seconds) == (2, 1_800)
    assert (latest.raised, latest.acknowledge.p50_seconds, latest.assess.count) == (1, 7_200, 0)


def test_open_flags_are_counted_by_tier(known: Known, safety: SafetyProjection) -> None:
    with scoped(known, safety) as tx:
        assert open_flag_counts(tx) == {"urgent": 1, "routine": 1}
        assert open_flags(tx, therapist="t-a", tier="urgent") == []


def test_the_most_pressing_flags_come_first_when_fewer_are_asked_for(
        known: Known, safety: SafetyProjection) -> None:
    with scoped(known, safety) as tx:
        [first] = open_flags(tx, limit=1)
    assert (first.pathway_id, first.tier) == (str(known.caseload.ids["p6"]), "urgent")


def test_open_flags_are_counted_by_tier_and_age_band(known: Known,
                                                     safety: SafetyProjection) -> None:
    day, p5_raised = 86_400.0, known.caseload.times["p5_flag2"]  # P6's was raised 7 days before
    with scoped(known, safety) as tx:
        def bands(now: datetime, therapist: str | None = None) -> dict[tuple[str, int], int]:
            return open_flag_ages(tx, now=now, under_seconds=[day, 3 * day], therapist=therapist)

        assert bands(p5_raised + timedelta(hours=1)) == {("routine", 0): 1, ("urgent", 2): 1}
        assert bands(p5_raised + timedelta(days=1)) == {("routine", 1): 1, ("urgent", 2): 1}
        # a flag raised after "now" (clinical times run ahead within the clock skew) is new
        assert bands(p5_raised - timedelta(days=6, hours=12)) == {("urgent", 0): 1,
                                                                  ("routine", 0): 1}
        assert bands(p5_raised + timedelta(days=2), therapist="t-a") == {("routine", 1): 1}


def test_a_rebuild_in_small_batches_equals_one_big_batch(known: Known,
                                                         safety: SafetyProjection) -> None:
    caught_up(known, safety, generation=2, batch=3)
    assert table_rows(known, safety, 2) == table_rows(known, safety, 1)
