"""The couple format (domain.md 4b): one pathway with two client references; both clients'
treatment (and telehealth) consents before a routine session (IPT-32); both sign the contract;
and IPT-34 (S): a couple's focus is ``role_dispute``, another focus is a deviation.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import InvalidCommand, ReasonRequired
from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from domain.values import Signature
from tests.journeys import SIGNED_BY, START, Journey, ctx
from tests.rules_kit import accepted, assert_deviation_before, next_session, refused

BOTH_SIGN = (Signature(signer="client", signed_by="client-1"),
             Signature(signer="partner", signed_by="partner-1"),
             Signature(signer="therapist", signed_by="therapist-1"))


def opening(**fields: Any) -> c.OpenPathway:
    return c.OpenPathway(**{"occurred_at": START, "client_ref": "client-1", "client_age": 41,
                            "therapist_id": "t-1", "protocol": "ipt", "format": "couple",
                            "partner_ref": "partner-1", "referral_date": date(2026, 1, 2),
                            **fields})


def couple() -> Journey:
    """A couple pathway (ipt), nothing recorded after the opening."""
    j = Journey("ipt")
    j.pathway = Pathway.open(uuid4(), opening(), ctx())
    return j


def partner_consented(j: Journey, kinds: tuple[c.ConsentKind, ...] = ("treatment",
                                                                      "telehealth")) -> Journey:
    return j.do(c.RecordConsent, kinds=kinds, given_by="partner")


def assessed_couple(focus: str = "role_dispute", reason: str | None = None) -> Journey:
    """Both partners' consents, and everything before the contract, on ``focus`` (chosen with
    ``reason``)."""
    j = partner_consented(couple())
    writer = j.writer().consented().measure(j.baseline)
    writer.later(7).intake()
    writer.formulated(focus)
    choice = writer.commands[-1]
    assert isinstance(choice, c.ChooseFocus)
    writer.commands[-1] = choice.model_copy(update={"reason": reason})
    return j.run(writer)


# ----- opening: two clients -------------------------------------------------------------------

def test_a_couple_pathway_opens_with_both_client_references() -> None:
    opened: Any = Pathway.open(uuid4(), opening(), ctx()).pending_events[0]

    assert (opened.format, opened.client_ref, opened.partner_ref) == ("couple", "client-1",
                                                                       "partner-1")


def test_a_couple_pathway_without_the_partner_is_refused() -> None:
    with pytest.raises(InvalidCommand) as caught:
        Pathway.open(uuid4(), opening(partner_ref=None), ctx())
    assert caught.value.field == "partner_ref"


def test_only_a_couple_pathway_has_a_partner() -> None:
    with pytest.raises(InvalidCommand) as caught:
        Pathway.open(uuid4(), opening(format="individual"), ctx())
    assert caught.value.field == "partner_ref"


@pytest.mark.parametrize("protocol", ["ipt-a", "dit"])
def test_the_couple_format_is_conjoint_ipt(protocol: str) -> None:
    with pytest.raises(InvalidCommand) as caught:
        Pathway.open(uuid4(), opening(protocol=protocol, client_age=16), ctx())
    assert caught.value.field == "format"


# ----- IPT-32: both consents ------------------------------------------------------------------

def test_a_session_needs_the_partners_treatment_consent_too_under_ipt_32() -> None:
    j = couple()
    j.do(c.RecordConsent, kinds=("treatment", "telehealth"))

    refusal = refused(j, c.HoldSession, "IPT-32", **next_session(j))
    assert "from the partner (not recorded)" in refusal.sentence


def test_a_video_session_needs_the_partners_telehealth_consent_under_ipt_32() -> None:
    j = partner_consented(couple(), ("treatment",))
    j.do(c.RecordConsent, kinds=("treatment", "telehealth"))

    refusal = refused(j, c.HoldSession, "IPT-32", **next_session(j))
    assert "telehealth consent from the partner" in refusal.sentence


def test_a_session_with_both_clients_consents_is_held() -> None:
    j = partner_consented(couple())
    j.do(c.RecordConsent, kinds=("treatment", "telehealth"))

    (held,) = accepted(j, c.HoldSession, **next_session(j))
    assert held.number == 1


def test_a_partners_withdrawal_suspends_the_couples_sessions() -> None:
    j = partner_consented(couple())
    j.do(c.RecordConsent, kinds=("treatment", "telehealth"))
    j.do(c.WithdrawConsent, kinds=("treatment",), given_by="partner")

    refused(j, c.HoldSession, "IPT-32", **next_session(j))


def test_a_partners_consent_counts_only_on_a_couple_pathway() -> None:
    j = Journey("ipt")

    with pytest.raises(InvalidCommand) as caught:
        j.do(c.RecordConsent, kinds=("treatment",), given_by="partner")
    assert caught.value.field == "given_by"


# ----- the contract: both sign ----------------------------------------------------------------

def test_a_couples_contract_needs_both_partners_signatures() -> None:
    j = assessed_couple()

    with pytest.raises(InvalidCommand) as caught:
        j.sign()
    assert caught.value.field == "signatures"
    assert "partner" in caught.value.reason
    j.sign(signatures=BOTH_SIGN)
    assert j.state.contract is not None


def test_an_individual_contract_still_needs_the_clients_signature() -> None:
    j = Journey("ipt").assessed_initial()

    with pytest.raises(InvalidCommand) as caught:
        j.sign(signatures=(Signature(signer="therapist", signed_by=SIGNED_BY["therapist"]),))
    assert "client" in caught.value.reason


# ----- IPT-34: a couple's focus is the dispute ------------------------------------------------

def test_a_couples_role_dispute_focus_needs_no_reason() -> None:
    j = assessed_couple("role_dispute")

    assert j.state.focus.primary == "role_dispute"
    assert not j.state.deviations


def test_another_focus_for_a_couple_is_refused_without_a_reason_under_ipt_34() -> None:
    with pytest.raises(ReasonRequired) as caught:
        assessed_couple("role_transition")
    assert caught.value.rule == "IPT-34"
    assert "couple" in caught.value.sentence


def test_another_focus_for_a_couple_with_a_reason_is_recorded_as_a_deviation() -> None:
    j = assessed_couple("role_transition", reason="the couple's move abroad dominates")

    events = list(j.pathway.pending_events)[-2:]
    assert_deviation_before(events, "FocusChosen", "IPT-34",
                            reason="the couple's move abroad dominates")


def test_an_individual_pathway_may_choose_any_focus() -> None:
    j = Journey("ipt").assessed_initial("role_transition")

    assert not j.state.has_deviation("IPT-34")


def test_renegotiating_a_couples_foci_away_from_the_dispute_is_a_deviation() -> None:
    j = assessed_couple().sign(signatures=BOTH_SIGN)

    events = accepted(j, c.RenegotiateContract, foci=("role_dispute", "role_transition"),
                      patient_agreed=True, reason="doc/renegotiation-1")

    assert_deviation_before(events, "ContractRenegotiated", "IPT-34",
                            reason="doc/renegotiation-1")
