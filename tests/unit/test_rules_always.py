"""Rules that hold in every phase (domain.md section 4, IPT-29 and IPT-30).

IPT-29: a closed pathway accepts no command (and `closed` can be entered from any phase).
IPT-30: sessions are numbered consecutively, in chronological order, never in the future
(a small clock skew aside); maintenance sessions are numbered from 1 under their own contract.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from domain.context import CLOCK_SKEW
from domain.pathway import commands as c
from tests.journeys import INVENTORY, NOW, Journey
from tests.rules_kit import in_maintenance, in_middle_phase, names, recorded, refusing

# ----- IPT-29: a closed pathway accepts no command ---------------------------------------------

PHASES: dict[str, Callable[[], Journey]] = {
    "initial": lambda: Journey().assessed_initial(),
    "middle": in_middle_phase,
    "termination": lambda: Journey().through_initial().middle_sessions_until(10),
    "completed": lambda: Journey().through_initial().complete(),
    "maintenance": in_maintenance,
}


@pytest.mark.parametrize("phase", list(PHASES))
def test_a_pathway_may_be_closed_from_any_phase(phase: str) -> None:
    j = PHASES[phase]()
    assert j.state.phase == phase
    before = j.pathway.version

    j.do(c.ClosePathway, reason="withdrawn")

    assert names(j, before) == ["PathwayClosed"]
    assert (j.state.phase, j.state.closed_reason) == ("closed", "withdrawn")


COMMANDS: dict[str, Callable[[Journey], Any]] = {
    "hold a session": lambda j: j.session(),
    "hold a safety session": lambda j: j.session(kind="safety"),
    "record a miss": lambda j: j.do(c.RecordMissedSession, kind="no_show"),
    "record a measure": lambda j: j.measure(),
    "record an item-9 measure": lambda j: j.measure((0,) * 8 + (3,)),
    "raise a flag": lambda j: j.do(c.RaiseSafetyFlag, tier="urgent"),
    "record consent": lambda j: j.do(c.RecordConsent, kinds=("recording",)),
    "withdraw consent": lambda j: j.do(c.WithdrawConsent, kinds=("treatment",)),
    "record an inventory": lambda j: j.do(c.RecordInventory, relationships=INVENTORY),
    "discuss termination": lambda j: j.do(c.DiscussTermination, at_session=4),
    "renegotiate": lambda j: j.do(c.RenegotiateContract, sessions=14, reason="doc/r-1",
                                  patient_agreed=True),
    "complete": lambda j: j.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/r-1",
                               next_step="discharge"),
    "schedule maintenance": lambda j: j.do(c.ScheduleMaintenance, sessions=6,
                                           start_date=j.at.date()),
    "close again": lambda j: j.do(c.ClosePathway, reason="entered_in_error"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_closed_pathway_accepts_no_command(command: str) -> None:
    j = in_middle_phase().do(c.ClosePathway, reason="dropped_out")

    with refusing(j, "IPT-29"):
        COMMANDS[command](j.later(1))


def test_a_closed_pathway_keeps_its_open_flags_but_accepts_no_resolution() -> None:
    j = in_middle_phase().measure((0,) * 8 + (2,)).do(c.ClosePathway, reason="referred_on")

    with refusing(j, "IPT-29"):
        j.do(c.AcknowledgeSafetyFlag, flag_id=1)
    assert [flag.id for flag in j.state.open_flags] == [1]


# ----- IPT-30: consecutive, chronological, never in the future ---------------------------------


def test_sessions_numbered_consecutively_are_held() -> None:
    j = in_middle_phase()
    before = j.pathway.version

    j.session(number=4).session(number=5)

    assert [event.number for event in recorded(j, before)] == [4, 5]


@pytest.mark.parametrize("number", [5, 7, 12])
def test_a_gap_in_the_session_numbers_is_refused(number: int) -> None:
    j = in_middle_phase()

    with refusing(j, "IPT-30"):
        j.session(number=number)


@pytest.mark.parametrize("number", [1, 3])
def test_a_repeated_session_number_is_refused(number: int) -> None:
    j = in_middle_phase()

    with refusing(j, "IPT-30"):
        j.session(number=number)


def test_the_first_session_must_be_number_one() -> None:
    j = Journey()

    with refusing(j, "IPT-30"):
        j.session(number=2)


def test_a_session_dated_before_the_previous_session_is_refused() -> None:
    j = in_middle_phase()
    previous = j.state.sessions[-1].occurred_at

    with refusing(j, "IPT-30"):
        j.do(c.HoldSession, number=4, minutes=50, focus_addressed="role_dispute",
             occurred_at=previous - timedelta(hours=1))


def test_a_session_dated_after_the_previous_session_is_held() -> None:
    j = in_middle_phase()
    previous = j.state.sessions[-1].occurred_at
    before = j.pathway.version

    j.do(c.HoldSession, number=4, minutes=50, focus_addressed="role_dispute",
         occurred_at=previous + timedelta(days=2))

    assert names(j, before) == ["SessionHeld"]


def test_a_session_within_the_clock_skew_of_now_is_held() -> None:
    j = Journey().consented()
    before = j.pathway.version

    j.do(c.HoldSession, number=1, minutes=50, occurred_at=NOW + CLOCK_SKEW - timedelta(
        seconds=1))

    assert names(j, before) == ["SessionHeld"]


def test_a_session_held_in_the_future_is_refused() -> None:
    j = Journey()

    with refusing(j, "IPT-30"):
        j.do(c.HoldSession, number=1, minutes=50,
             occurred_at=NOW + CLOCK_SKEW + timedelta(seconds=1))


def test_maintenance_sessions_are_numbered_from_one() -> None:
    j = in_maintenance().later(30)

    with refusing(j, "IPT-30"):
        j.do(c.HoldSession, number=13, minutes=50)
    j.do(c.HoldSession, number=1, minutes=50).later(30).do(c.HoldSession, number=2, minutes=50)
    with refusing(j, "IPT-30"):
        j.later(30).do(c.HoldSession, number=4, minutes=50)

    assert [s.number for s in j.state.maintenance_sessions] == [1, 2]


def test_a_maintenance_session_dated_before_the_previous_one_is_refused() -> None:
    j = in_maintenance().later(30).do(c.HoldSession, number=1, minutes=50)

    with refusing(j, "IPT-30"):
        j.do(c.HoldSession, number=2, minutes=50, occurred_at=j.at - timedelta(days=1))


def test_the_first_maintenance_session_cannot_be_dated_before_the_last_acute_session() -> None:
    j = in_maintenance()
    last_acute = j.state.sessions[-1].occurred_at

    with refusing(j, "IPT-30"):
        j.do(c.HoldSession, number=1, minutes=50, occurred_at=last_acute - timedelta(days=7))

