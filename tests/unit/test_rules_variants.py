"""Variant rules (domain.md sections 2 and 4, IPT-31, with the ipt-m contract of IPT-03/04/27).

ipt-a: clients aged 12-18, a guardian's consent and signature, a parent at session 1 and in the
ending (sessions 9-12 of 12). dit: the IPAF agreed by session 4 and a goodbye letter before the
final session 16. ipt-m: a maintenance contract of 1-36 months at an allowed frequency.
ipt-g's variant rules are in ``test_rules_group_members.py`` and ``test_rules_group.py``.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidCommand, RuleViolation
from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from domain.values import Signature, Signer
from tests.journeys import PHQ9_PARTIAL, START, Journey, ctx
from tests.rules_kit import completed, hold_until, names, recorded, refusing


def open_pathway(protocol: str, age: int) -> Pathway:
    return Pathway.open(uuid4(), c.OpenPathway(
        occurred_at=START, client_ref="client-002", client_age=age, therapist_id="t-1",
        protocol=protocol, referral_date=date(2026, 1, 2)), ctx())


def signatures(*signers: Signer) -> tuple[Signature, ...]:
    return tuple(Signature(signer=signer, signed_by=f"{signer}-1") for signer in signers)


# ----- ipt-a: adolescents ----------------------------------------------------------------------


@pytest.mark.parametrize("age", [12, 15, 18])
def test_ipt_a_opens_for_clients_aged_12_to_18(age: int) -> None:
    pathway = open_pathway("ipt-a", age)

    assert (pathway.state.protocol_id, pathway.state.client_age) == ("ipt-a", age)
    assert pathway.state.phase == "initial"


@pytest.mark.parametrize("age", [11, 19, 34])
def test_ipt_a_is_refused_outside_ages_12_to_18(age: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        open_pathway("ipt-a", age)

    assert caught.value.rule == "IPT-31"


def adolescent() -> Journey:
    return Journey("ipt-a", age=15).assessed_initial()


def test_an_adolescent_contract_with_guardian_consent_and_signature_is_signed() -> None:
    j = adolescent()
    before = j.pathway.version

    j.sign()

    (event,) = recorded(j, before)
    assert type(event).__name__ == "ContractSigned"
    assert {s.signer for s in event.signatures} == {"client", "guardian", "therapist"}


def test_an_adolescent_contract_without_guardian_consent_is_refused() -> None:
    j = adolescent().do(c.WithdrawConsent, kinds=("treatment",), given_by="guardian")
    assert j.state.consents["client:treatment"]

    with refusing(j, "IPT-31"):
        j.sign()


def test_an_adolescent_contract_without_the_guardians_signature_is_refused() -> None:
    j = adolescent()

    with refusing(j, "IPT-31"):
        j.sign(signatures=signatures("client", "therapist"))


def test_an_adult_contract_needs_no_guardian() -> None:
    j = Journey("ipt").assessed_initial()

    j.sign(signatures=signatures("client", "therapist"))

    assert j.state.contract is not None


def test_an_adolescents_first_session_is_held_with_a_parent_present() -> None:
    j = Journey("ipt-a", age=15).consented()
    before = j.pathway.version

    j.session(parent_present=True)

    assert recorded(j, before)[0].parent_present


def test_an_adolescents_first_session_without_a_parent_is_refused() -> None:
    j = Journey("ipt-a", age=15).consented()

    with refusing(j, "IPT-31"):
        j.session(parent_present=False)


def test_later_adolescent_sessions_before_the_ending_need_no_parent() -> None:
    j = adolescent().sign().measure()
    before = j.pathway.version

    j.session(parent_present=False)

    assert names(j, before) == ["SessionHeld"]


def test_the_adolescent_final_session_needs_a_parent_in_the_ending_sessions() -> None:
    j = hold_until(adolescent().sign().measure(), 11, discuss_at=9, parent_at=frozenset({1}))

    with refusing(j, "IPT-31"):
        j.session(parent_present=False, reason="review done")


def test_a_parent_at_one_ending_session_lets_the_adolescent_course_end() -> None:
    j = hold_until(adolescent().sign().measure(), 11, discuss_at=9,
                   parent_at=frozenset({1, 10}))
    before = j.pathway.version

    j.session(parent_present=False, reason="review done")

    assert [e.number for e in recorded(j, before) if type(e).__name__ == "SessionHeld"] == [12]


def test_a_parent_at_the_final_session_itself_is_in_the_ending() -> None:
    j = hold_until(adolescent().sign().measure(), 11, discuss_at=9, parent_at=frozenset({1}))

    j.session(parent_present=True, reason="review done")

    assert j.state.sessions_held == 12


# ----- dit: the IPAF by session 4, a goodbye letter before session 16 --------------------------


def test_a_dit_session_5_without_an_agreed_focus_is_refused() -> None:
    j = Journey("dit", sessions=16).consented()
    for _ in range(4):
        j.session()

    with refusing(j, "IPT-31"):
        j.session(reason="still exploring")


def test_a_dit_focus_the_client_did_not_agree_to_does_not_count() -> None:
    j = Journey("dit", sessions=16).assessed_initial()
    j.do(c.ChooseFocus, primary="ipaf", rationale_ref="doc/rationale-2", patient_agreed=False,
         pattern_summary="expects rejection, withdraws")
    j.session().session()

    with refusing(j, "IPT-31"):
        j.session(reason="still exploring")


def test_a_dit_focus_agreed_by_session_4_lets_the_middle_phase_begin_at_session_5() -> None:
    j = Journey("dit", sessions=16).assessed_initial().session().session()
    assert j.state.sessions_held == 4
    j.sign().measure()
    before = j.pathway.version

    j.session()

    (event,) = recorded(j, before)
    assert (event.number, event.phase, event.focus_addressed) == (5, "middle", "ipaf")


def test_dit_sessions_1_to_4_are_held_before_the_focus_is_agreed() -> None:
    j = Journey("dit", sessions=16).consented()

    for _ in range(4):
        j.session()

    assert j.state.sessions_held == 4
    assert j.state.focus is None


def dit_before_final(letter: bool) -> Journey:
    j = Journey("dit", sessions=16).through_initial()
    return hold_until(j, 15, discuss_at=13, letter=letter)


def test_the_dit_final_session_without_a_goodbye_letter_is_refused() -> None:
    j = dit_before_final(letter=False)

    with refusing(j, "IPT-31"):
        j.session(reason="review done")


def test_the_dit_final_session_follows_the_goodbye_letter() -> None:
    j = dit_before_final(letter=False)
    j.do(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")
    before = j.pathway.version

    j.session(reason="review done")

    assert [e.number for e in recorded(j, before) if type(e).__name__ == "SessionHeld"] == [16]


def test_a_dit_goodbye_letter_is_recorded_during_the_acute_course() -> None:
    j = Journey("dit", sessions=16).through_initial()
    before = j.pathway.version

    j.do(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")

    assert names(j, before) == ["GoodbyeLetterShared"]
    assert j.state.goodbye_letter_shared


def test_a_goodbye_letter_belongs_to_dit_only() -> None:
    j = Journey("ipt").through_initial()
    before = j.pathway.version

    with pytest.raises(InvalidCommand):
        j.do(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")
    assert j.pathway.version == before


def test_a_dit_course_has_exactly_16_sessions() -> None:
    j = Journey("dit", sessions=16).assessed_initial()

    with refusing(j, "IPT-03"):
        j.sign(sessions=12)


# ----- ipt-m: the maintenance contract ---------------------------------------------------------


@pytest.mark.parametrize(("frequency", "sessions"), [
    ("monthly", 1), ("monthly", 36), ("twice_monthly", 2), ("twice_monthly", 72),
    ("weekly", 4), ("weekly", 144),
])
def test_a_maintenance_contract_lasts_1_to_36_months(frequency: str, sessions: int) -> None:
    j = completed()

    j.do(c.ScheduleMaintenance, frequency=frequency, sessions=sessions, start_date=j.at.date())

    assert j.state.maintenance.sessions == sessions


@pytest.mark.parametrize(("frequency", "sessions"), [
    ("monthly", 37), ("twice_monthly", 1), ("twice_monthly", 73), ("weekly", 3),
])
def test_a_maintenance_contract_outside_1_to_36_months_is_refused(frequency: str,
                                                                  sessions: int) -> None:
    j = completed()

    with refusing(j, "IPT-03"):
        j.do(c.ScheduleMaintenance, frequency=frequency, sessions=sessions,
             start_date=j.at.date())


def test_maintenance_sessions_never_exceed_the_maintenance_contract() -> None:
    j = completed()
    j.do(c.ScheduleMaintenance, sessions=2, start_date=j.at.date())
    j.session(days=30).session(days=30)

    with refusing(j, "IPT-04"):
        j.later(30).do(c.HoldSession, number=3, minutes=50)
    assert j.state.sessions_left == 0


def test_events_under_maintenance_carry_the_ipt_m_protocol() -> None:
    j = completed()
    j.do(c.ScheduleMaintenance, sessions=6, start_date=j.at.date())
    before = j.pathway.version

    j.session(days=30).measure(PHQ9_PARTIAL)

    assert {event.meta.protocol for event in recorded(j, before)} == {"ipt-m@1"}


# ----- formats ---------------------------------------------------------------------------------


def test_a_group_ipt_pathway_opens_in_the_group_format_only() -> None:
    with pytest.raises(InvalidCommand) as caught:
        open_pathway("ipt-g", 34)
    assert caught.value.field == "format"

    opened = Pathway.open(uuid4(), c.OpenPathway(
        occurred_at=START, client_ref="client-002", client_age=34, therapist_id="t-1",
        protocol="ipt-g", format="group", referral_date=date(2026, 1, 2)), ctx())
    assert opened.state.protocol.is_group


@pytest.mark.parametrize("protocol", ["ipt", "ipt-a", "dit"])
def test_only_group_ipt_runs_in_the_group_format(protocol: str) -> None:
    with pytest.raises(InvalidCommand) as caught:
        Pathway.open(uuid4(), c.OpenPathway(
            occurred_at=START, client_ref="client-002", client_age=15, therapist_id="t-1",
            protocol=protocol, format="group", referral_date=date(2026, 1, 2)), ctx())
    assert caught.value.field == "format"


def test_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(InvalidCommand) as caught:
        open_pathway("mit", 34)

    assert caught.value.field == "protocol"
