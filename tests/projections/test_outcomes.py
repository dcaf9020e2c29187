"""Outcomes read model against the known caseload (tests/projections/caseload.py), on SQLite and
PostgreSQL: completions, reliable improvement, not on track, trajectories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from projections.outcomes import OutcomesProjection
from projections.outcomes.view import (
    mean_trajectory,
    not_on_track,
    not_on_track_count,
    outcome_summaries,
    outcome_summary,
    trajectory,
)
from tests.projections.support import Known, caught_up, known_caseload, scoped, table_rows


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def known(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Known]:
    yield from known_caseload(request, tmp_path_factory)


@pytest.fixture
def outcomes(known: Known) -> OutcomesProjection:
    projection = OutcomesProjection()
    caught_up(known, projection)
    return projection


def test_completions_count_remission_response_and_reliable_improvement(
        known: Known, outcomes: OutcomesProjection) -> None:
    with scoped(known, outcomes) as tx:
        [everyone] = outcome_summary(tx)
    assert everyone.key is None
    assert (everyone.completed, everyone.remission, everyone.response, everyone.partial,
            everyone.no_response) == (2, 1, 1, 1, 0)
    assert (everyone.phq9_paired, everyone.phq9_improved, everyone.phq9_deteriorated) == (
        2, 2, 0)  # P1 12 -> 3 (the maintenance 11 is not the acute course), P3 16 -> 9
    assert (everyone.gad7_paired, everyone.gad7_improved) == (1, 1)  # P1 10 -> 5
    assert (everyone.reviewed, everyone.not_on_track) == (4, 2)  # P2 and P4
    assert everyone.remission_rate == 0.5
    assert everyone.not_on_track_rate == 0.5


def test_outcomes_group_by_therapist_and_focus(known: Known,
                                               outcomes: OutcomesProjection) -> None:
    with scoped(known, outcomes) as tx:
        by_therapist = outcome_summary(tx, by="therapist")
        by_focus = outcome_summary(tx, by="focus")
        only_tb = outcome_summary(tx, by="protocol", therapist="t-b")
    assert [(g.key, g.completed, g.remission, g.partial, g.reviewed, g.not_on_track)
            for g in by_therapist] == [("t-a", 1, 1, 0, 2, 1), ("t-b", 1, 0, 1, 2, 1)]
    assert [(g.key, g.completed, g.reviewed, g.not_on_track) for g in by_focus] == [
        ("grief", 1, 1, 0), ("role_dispute", 1, 3, 2)]
    assert [(g.key, g.completed, g.partial) for g in only_tb] == [("ipt", 1, 1)]


def test_the_summaries_read_together_equal_each_read_alone(
        known: Known, outcomes: OutcomesProjection) -> None:
    after_p1 = known.caseload.times["p1_completed"] + timedelta(microseconds=1)
    with scoped(known, outcomes) as tx:
        for filters in ({}, {"therapist": "t-b"}, {"protocol": "ipt"}, {"since": after_p1},
                        {"until": after_p1}, {"focus": "grief"}, {"therapist": "nobody"}):
            together = outcome_summaries(tx, **filters)
            assert [together.everyone] == outcome_summary(tx, **filters)
            assert together.by_protocol == outcome_summary(tx, by="protocol", **filters)
            assert together.by_therapist == outcome_summary(tx, by="therapist", **filters)
            assert together.by_focus == outcome_summary(tx, by="focus", **filters)


def test_each_count_filters_on_the_time_of_its_own_fact(known: Known,
                                                        outcomes: OutcomesProjection) -> None:
    after_p1 = known.caseload.times["p1_completed"] + timedelta(microseconds=1)
    with scoped(known, outcomes) as tx:
        [later] = outcome_summary(tx, since=after_p1)
        [earlier] = outcome_summary(tx, until=after_p1)
    assert (later.completed, later.partial, later.reviewed) == (1, 1, 0)  # P3; reviews before
    assert (earlier.completed, earlier.remission, earlier.reviewed) == (1, 1, 4)


def test_not_on_track_lists_active_pathways_past_the_review_without_reliable_improvement(
        known: Known, outcomes: OutcomesProjection) -> None:
    ids = known.caseload.ids
    with scoped(known, outcomes) as tx:
        listed = not_on_track(tx)
        for_ta = not_on_track(tx, therapist="t-a")
    assert [(p.pathway_id, p.sessions_held, p.phq9_baseline, p.phq9_latest) for p in listed] == [
        (str(ids["p2"]), 9, 12, 10), (str(ids["p4"]), 11, 14, 14)]
    assert [p.pathway_id for p in for_ta] == [str(ids["p2"])]
    with scoped(known, outcomes) as tx:
        assert [p.pathway_id for p in not_on_track(tx, limit=1)] == [str(ids["p2"])]
        assert (not_on_track_count(tx), not_on_track_count(tx, therapist="t-a")) == (2, 1)


def test_a_trajectory_has_every_measure_with_its_session_and_stage(
        known: Known, outcomes: OutcomesProjection) -> None:
    with scoped(known, outcomes) as tx:
        points = trajectory(tx, known.caseload.ids["p1"])
        phq9 = trajectory(tx, known.caseload.ids["p1"], instrument="phq9")
    assert [(p.instrument, p.total, p.session, p.stage) for p in points] == [
        ("phq9", 12, 0, "acute"), ("phq9", 12, 2, "acute"), ("gad7", 10, 2, "acute"),
        ("phq9", 8, 4, "acute"), ("phq9", 5, 8, "acute"), ("gad7", 5, 12, "acute"),
        ("phq9", 3, 12, "acute"), ("phq9", 11, 1, "maintenance")]
    assert [p.total for p in phq9] == [12, 12, 8, 5, 3, 11]
    assert points[-1].band == "moderate"


def test_the_mean_trajectory_averages_each_session_over_pathways(
        known: Known, outcomes: OutcomesProjection) -> None:
    with scoped(known, outcomes) as tx:
        points = mean_trajectory(tx, therapist="t-a")  # P1, P2, P5 (P7 entered in error)
    assert [(p.session, p.pathways) for p in points] == [(0, 3), (2, 2), (4, 2), (8, 2),
                                                         (12, 1)]
    assert [round(p.mean_total, 3) for p in points] == [12.667, 12.0, 9.5, 7.5, 3.0]


def test_a_rebuild_in_small_batches_equals_one_big_batch(known: Known,
                                                         outcomes: OutcomesProjection) -> None:
    caught_up(known, outcomes, generation=2, batch=3)
    assert table_rows(known, outcomes, 2) == table_rows(known, outcomes, 1)
