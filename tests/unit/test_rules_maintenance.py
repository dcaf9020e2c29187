"""Maintenance (domain.md section 4, IPT-26 to IPT-28).

IPT-26: maintenance follows an acute course completed in remission (PHQ-9 < 5, HAM-D-17 <= 7),
as a new contract. IPT-27: monthly by default, weekly and twice-monthly allowed. IPT-28: in
maintenance, a PHQ-9 of 10 or more raises RecurrenceSuspected.
"""

from __future__ import annotations

import pytest

from domain.pathway import commands as c
from tests.journeys import PHQ9_MODERATE, Journey
from tests.rules_kit import (
    completed,
    in_maintenance,
    names,
    phq9_total,
    recorded,
    refusing,
    schedule,
)

HAMD17_MODERATE = (3, 2, 2, 1, 1, 1, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0)  # 18
HAMD17_PARTIAL = (2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)  # 12
HAMD17_SEVEN = (1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)  # 7
HAMD17_EIGHT = (1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)  # 8


class HamdJourney(Journey):
    """A course whose baseline and every measure are the clinician-rated HAM-D-17."""

    instrument = "hamd17"
    baseline = HAMD17_MODERATE


# ----- IPT-26: maintenance only after remission ------------------------------------------------


def test_maintenance_follows_an_acute_course_completed_in_remission() -> None:
    j = completed()
    before = j.pathway.version

    schedule(j, sessions=6)

    (event,) = recorded(j, before)
    assert type(event).__name__ == "MaintenanceScheduled"
    assert (event.protocol, event.frequency, event.sessions) == ("ipt-m@1", "monthly", 6)
    assert j.state.phase == "maintenance"
    assert j.state.sessions_left == 6, "a new contract with its own count"


def test_maintenance_sessions_are_numbered_from_one_under_the_new_contract() -> None:
    j = in_maintenance().later(30)
    before = j.pathway.version

    j.session(days=0)

    (event,) = recorded(j, before)
    assert (event.number, event.phase) == (1, "maintenance")
    assert j.state.sessions_held == 12, "the acute count is untouched"
    assert j.state.sessions_left == 5


def test_maintenance_during_the_acute_course_is_refused() -> None:
    j = Journey().through_initial().middle_sessions_until(6)

    with refusing(j, "IPT-26"):
        schedule(j)


@pytest.mark.parametrize(("final", "accepted"), [(4, True), (5, False)])
def test_maintenance_needs_a_final_phq9_below_5(final: int, accepted: bool) -> None:
    j = completed(phq9_total(final), next_step="discharge")
    before = j.pathway.version

    if accepted:
        schedule(j)
        assert names(j, before) == ["MaintenanceScheduled"]
    else:
        assert j.state.outcome == "response"
        with refusing(j, "IPT-26"):
            schedule(j)


@pytest.mark.parametrize(("final", "accepted"), [(HAMD17_SEVEN, True), (HAMD17_EIGHT, False)])
def test_maintenance_needs_a_final_hamd17_of_at_most_7(final: tuple[int, ...],
                                                       accepted: bool) -> None:
    j = HamdJourney().through_initial()
    j.middle_sessions_until(12, items=HAMD17_PARTIAL).measure(final)
    j.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/relapse-1",
         next_step="maintenance" if accepted else "discharge")
    before = j.pathway.version

    if accepted:
        schedule(j)
        assert names(j, before) == ["MaintenanceScheduled"]
    else:
        assert j.state.outcome == "response"
        with refusing(j, "IPT-26"):
            schedule(j)


def test_a_course_that_did_not_remit_cannot_name_maintenance_as_its_next_step() -> None:
    j = Journey().through_initial().middle_sessions_until(12).measure(phq9_total(6))

    with refusing(j, "IPT-26"):
        j.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/relapse-1",
             next_step="maintenance")


def test_maintenance_cannot_be_scheduled_twice() -> None:
    j = in_maintenance().later(30)

    with refusing(j, "IPT-26"):
        schedule(j)


# ----- IPT-27: monthly by default; weekly and twice-monthly allowed ----------------------------


def test_maintenance_is_monthly_by_default() -> None:
    j = completed()
    before = j.pathway.version

    j.do(c.ScheduleMaintenance, sessions=12, start_date=j.at.date())

    assert recorded(j, before)[0].frequency == "monthly"
    assert j.state.maintenance.frequency == "monthly"


@pytest.mark.parametrize(("frequency", "sessions"), [("monthly", 12), ("twice_monthly", 24),
                                                     ("weekly", 48)])
def test_maintenance_may_be_monthly_twice_monthly_or_weekly(frequency: str,
                                                            sessions: int) -> None:
    j = completed()

    schedule(j, frequency=frequency, sessions=sessions)

    assert (j.state.maintenance.frequency, j.state.maintenance.sessions) == (frequency, sessions)


@pytest.mark.parametrize("frequency", ["twice_weekly", "fortnightly"])
def test_other_maintenance_frequencies_are_refused(frequency: str) -> None:
    j = completed()

    with refusing(j, "IPT-27"):
        schedule(j, frequency=frequency, sessions=12)


# ----- IPT-28: recurrence in maintenance -------------------------------------------------------


@pytest.mark.parametrize("total", [10, 15, 24])
def test_a_phq9_of_10_or_more_in_maintenance_raises_recurrence_suspected(total: int) -> None:
    j = in_maintenance().later(30)
    before = j.pathway.version

    j.measure(phq9_total(total))

    measure, recurrence = recorded(j, before)
    assert type(measure).__name__ == "MeasureRecorded"
    assert type(recurrence).__name__ == "RecurrenceSuspected"
    assert (recurrence.instrument, recurrence.total, recurrence.threshold) == ("phq9", total, 10)
    assert recurrence.meta.idempotency_key == measure.meta.idempotency_key
    assert j.state.recurrence_suspected


@pytest.mark.parametrize("total", [0, 5, 9])
def test_a_phq9_below_10_in_maintenance_raises_nothing(total: int) -> None:
    j = in_maintenance().later(30)
    before = j.pathway.version

    j.measure(phq9_total(total))

    assert names(j, before) == ["MeasureRecorded"]
    assert not j.state.recurrence_suspected


def test_a_high_phq9_in_the_acute_course_is_not_a_recurrence() -> None:
    j = Journey().through_initial().session()
    before = j.pathway.version

    j.measure(phq9_total(20))

    assert names(j, before) == ["MeasureRecorded"]


def test_a_high_phq9_after_completion_but_before_maintenance_is_not_a_recurrence() -> None:
    j = completed()
    before = j.pathway.version

    j.later(7).measure(PHQ9_MODERATE)

    assert names(j, before) == ["MeasureRecorded"]
    assert j.state.phase == "completed"


def test_a_high_gad7_in_maintenance_is_not_a_phq9_recurrence() -> None:
    j = in_maintenance().later(30)
    before = j.pathway.version

    j.measure((2, 2, 2, 2, 2, 1, 1), instrument="gad7")

    assert names(j, before) == ["MeasureRecorded"]


def test_a_recurrence_with_item_9_also_raises_a_safety_flag() -> None:
    j = in_maintenance().later(30)
    before = j.pathway.version

    j.measure((2, 2, 2, 2, 1, 1, 0, 0, 1))

    assert names(j, before) == ["MeasureRecorded", "SafetyFlagRaised", "RecurrenceSuspected"]
