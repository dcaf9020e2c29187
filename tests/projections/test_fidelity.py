"""Structural fidelity against the known caseload (tests/projections/caseload.py), on SQLite and
PostgreSQL: initial phase within the cap, the ending in time, measurement cadence, deviations by
rule id, renegotiations; per therapist and protocol."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from projections.fidelity import FidelityProjection
from projections.fidelity.view import (
    deviations_by_rule,
    fidelity_summaries,
    fidelity_summary,
    pathway_fidelity,
)
from tests.projections.support import Known, caught_up, known_caseload, scoped, table_rows


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def known(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Known]:
    yield from known_caseload(request, tmp_path_factory)


@pytest.fixture
def fidelity(known: Known) -> FidelityProjection:
    projection = FidelityProjection()
    caught_up(known, projection)
    return projection


def _counts(group: object) -> tuple[object, ...]:
    names = ("key", "pathways", "initial_decided", "initial_within_cap", "ending_decided",
             "ending_in_time", "cadence_decided", "cadence_met", "deviations", "renegotiations")
    return tuple(getattr(group, name) for name in names)


def test_the_summary_decides_each_indicator_only_when_the_record_can_tell(
        known: Known, fidelity: FidelityProjection) -> None:
    with scoped(known, fidelity) as tx:
        [everyone] = fidelity_summary(tx)  # P7, entered in error, is left out
    # initial: P1 P2 P4 within, P3 over the cap (P5 P6 still initial); ending: P1 P3, and P4
    # after its renegotiation (P2 not yet in the window); cadence: P4 measured HAM-D only
    assert _counts(everyone) == (None, 6, 4, 3, 3, 3, 5, 4, 3, 1)
    assert everyone.cadence_met_rate == 0.8


def test_the_summary_groups_by_therapist_and_protocol(known: Known,
                                                      fidelity: FidelityProjection) -> None:
    with scoped(known, fidelity) as tx:
        by_therapist = fidelity_summary(tx, by="therapist")
        by_protocol = fidelity_summary(tx, by="protocol", therapist="t-b")
    assert [_counts(g) for g in by_therapist] == [
        ("t-a", 3, 2, 2, 1, 1, 3, 3, 1, 0), ("t-b", 3, 2, 1, 2, 2, 2, 1, 2, 1)]
    assert [_counts(g) for g in by_protocol] == [("ipt", 3, 2, 1, 2, 2, 2, 1, 2, 1)]


def test_the_summaries_read_together_equal_each_read_alone(
        known: Known, fidelity: FidelityProjection) -> None:
    middle = datetime(2026, 2, 1, tzinfo=UTC)
    with scoped(known, fidelity) as tx:
        for filters in ({}, {"therapist": "t-b"}, {"protocol": "ipt"}, {"since": middle},
                        {"until": middle}, {"therapist": "nobody"}):
            together = fidelity_summaries(tx, **filters)
            assert [together.everyone] == fidelity_summary(tx, **filters)
            assert together.by_protocol == fidelity_summary(tx, by="protocol", **filters)
            assert together.by_therapist == fidelity_summary(tx, by="therapist", **filters)


def test_deviations_are_counted_by_rule_id(known: Known, fidelity: FidelityProjection) -> None:
    with scoped(known, fidelity) as tx:
        rules = deviations_by_rule(tx)
        for_ta = deviations_by_rule(tx, therapist="t-a")
    assert [(d.rule, d.deviations, d.pathways) for d in rules] == [
        ("IPT-16", 2, 2), ("IPT-06", 1, 1)]
    assert [(d.rule, d.deviations) for d in for_ta] == [("IPT-16", 1)]


def test_a_pathway_shows_its_protocol_numbers_and_indicators(
        known: Known, fidelity: FidelityProjection) -> None:
    with scoped(known, fidelity) as tx:
        p3 = pathway_fidelity(tx, known.caseload.ids["p3"])
        p4 = pathway_fidelity(tx, known.caseload.ids["p4"])
        p6 = pathway_fidelity(tx, known.caseload.ids["p6"])
    assert p3 is not None
    assert p4 is not None
    assert p6 is not None
    assert (p3.initial_sessions, p3.initial_cap, p3.initial_within_cap) == (4, 3, False)
    assert (p3.contracted, p3.ending_start, p3.discussed_at, p3.ending_in_time) == (
        12, 10, 10, True)
    assert (p4.contracted, p4.ending_start, p4.discussed_at, p4.ending_in_time) == (
        14, 12, 11, True)
    assert (p4.measure_every, p4.longest_unmeasured_run, p4.cadence_met) == (4, 9, False)
    assert p4.renegotiations == 1
    assert (p6.initial_within_cap, p6.ending_in_time, p6.cadence_met) == (None, None, None)


def test_a_rebuild_in_small_batches_equals_one_big_batch(known: Known,
                                                         fidelity: FidelityProjection) -> None:
    caught_up(known, fidelity, generation=2, batch=3)
    assert table_rows(known, fidelity, 2) == table_rows(known, fidelity, 1)
