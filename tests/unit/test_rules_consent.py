"""Consent before care (domain.md section 4, IPT-32).

No routine session without the client's treatment consent (for ipt-a the guardian's too); a
video or phone session also needs telehealth consent (for ipt-a from both, as decided in the
README); a withdrawal suspends what it names until it is recorded again; a safety session is
never blocked; a guardian's consent counts only for ipt-a (elsewhere it is refused on
``given_by``). Maintenance sessions are routine sessions too.
"""

from __future__ import annotations

import pytest

from domain.errors import InvalidCommand
from domain.pathway import commands as c
from domain.pathway import events as e
from tests.journeys import Journey, ctx
from tests.rules_kit import accepted, in_maintenance, in_middle_phase, kinds, refused

IN_PERSON = "in_person"


def adolescent() -> Journey:
    return Journey("ipt-a", age=15)


# ----- treatment consent -------------------------------------------------------------------------


def test_a_routine_session_without_the_clients_treatment_consent_is_refused() -> None:
    j = Journey()

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50, channel=IN_PERSON)

    assert "treatment consent from the client (not recorded)" in refusal.sentence


def test_a_routine_session_with_the_clients_treatment_consent_is_held() -> None:
    j = Journey().do(c.RecordConsent, kinds=("treatment",))

    events = accepted(j.later(), c.HoldSession, number=1, minutes=50, channel=IN_PERSON)

    assert kinds(events) == ["SessionHeld"]


def test_consent_to_recording_or_data_sharing_is_not_treatment_consent() -> None:
    j = Journey().do(c.RecordConsent, kinds=("recording", "data_sharing"))

    refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50, channel=IN_PERSON)


def test_an_adolescents_first_session_without_the_guardians_treatment_consent_is_refused(
        ) -> None:
    j = adolescent().do(c.RecordConsent, kinds=("treatment",))

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50,
                      parent_present=True, channel=IN_PERSON)

    assert "from the guardian (not recorded)" in refusal.sentence
    assert "from the client" not in refusal.sentence


def test_an_adolescents_session_with_client_and_guardian_treatment_consent_is_held() -> None:
    j = adolescent().do(c.RecordConsent, kinds=("treatment",), given_by="guardian")
    j.do(c.RecordConsent, kinds=("treatment",))

    events = accepted(j.later(), c.HoldSession, number=1, minutes=50, parent_present=True,
                      channel=IN_PERSON)

    assert kinds(events) == ["SessionHeld"]


def test_a_guardians_consent_never_stands_in_for_the_adolescents_own() -> None:
    j = adolescent().do(c.RecordConsent, kinds=("treatment",), given_by="guardian")

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50,
                      parent_present=True, channel=IN_PERSON)

    assert "treatment consent from the client (not recorded)" in refusal.sentence


# ----- telehealth consent ------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["video", "phone"])
def test_a_remote_session_without_telehealth_consent_is_refused(channel: str) -> None:
    j = Journey().do(c.RecordConsent, kinds=("treatment",))

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50,
                      channel=channel)

    assert f"this {channel} session needs telehealth consent from the client" in (
        refusal.sentence)


@pytest.mark.parametrize("channel", ["video", "phone"])
def test_a_remote_session_with_telehealth_consent_is_held(channel: str) -> None:
    j = Journey().do(c.RecordConsent, kinds=("treatment", "telehealth"))

    events = accepted(j.later(), c.HoldSession, number=1, minutes=50, channel=channel)

    assert (events[0].channel, kinds(events)) == (channel, ["SessionHeld"])


def test_an_in_person_session_needs_no_telehealth_consent() -> None:
    j = Journey().do(c.RecordConsent, kinds=("treatment",))

    events = accepted(j.later(), c.HoldSession, number=1, minutes=50, channel=IN_PERSON)

    assert events[0].channel == "in_person"


def test_telehealth_consent_alone_does_not_allow_a_video_session() -> None:
    j = Journey().do(c.RecordConsent, kinds=("telehealth",))

    refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50)


def test_an_adolescents_video_session_needs_the_guardians_telehealth_consent_too() -> None:
    j = adolescent().do(c.RecordConsent, kinds=("treatment",), given_by="guardian")
    j.do(c.RecordConsent, kinds=("treatment", "telehealth"))

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50,
                      parent_present=True)

    assert "telehealth consent from the guardian (not recorded)" in refusal.sentence
    j.do(c.RecordConsent, kinds=("telehealth",), given_by="guardian")
    assert kinds(accepted(j, c.HoldSession, number=1, minutes=50, parent_present=True)) == [
        "SessionHeld"]


# ----- withdrawal suspends what it names ---------------------------------------------------------


def test_a_withdrawn_treatment_consent_suspends_routine_sessions() -> None:
    j = in_middle_phase().do(c.WithdrawConsent, kinds=("treatment",))

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=4, minutes=50,
                      focus_addressed="role_dispute")

    assert "treatment consent from the client (withdrawn)" in refusal.sentence


def test_treatment_consent_recorded_again_lets_sessions_resume() -> None:
    j = in_middle_phase().do(c.WithdrawConsent, kinds=("treatment",))
    j.do(c.RecordConsent, kinds=("treatment",))

    events = accepted(j.later(), c.HoldSession, number=4, minutes=50,
                      focus_addressed="role_dispute")

    assert kinds(events) == ["SessionHeld"]


def test_a_withdrawn_telehealth_consent_suspends_video_sessions_but_not_in_person_ones() -> None:
    j = in_middle_phase().do(c.WithdrawConsent, kinds=("telehealth",))

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=4, minutes=50,
                      focus_addressed="role_dispute")
    events = accepted(j, c.HoldSession, number=4, minutes=50, focus_addressed="role_dispute",
                      channel=IN_PERSON)

    assert "telehealth consent from the client (withdrawn)" in refusal.sentence
    assert kinds(events) == ["SessionHeld"]


def test_withdrawing_another_kind_of_consent_leaves_sessions_going() -> None:
    j = in_middle_phase().do(c.WithdrawConsent, kinds=("recording", "data_sharing"))

    events = accepted(j.later(), c.HoldSession, number=4, minutes=50,
                      focus_addressed="role_dispute")

    assert kinds(events) == ["SessionHeld"]


def test_a_guardians_withdrawal_suspends_an_adolescents_sessions_after_the_contract() -> None:
    """IPT-31 checks the guardian's consent at the contract; IPT-32 at every session after."""
    j = adolescent().through_initial().session()
    j.do(c.WithdrawConsent, kinds=("treatment",), given_by="guardian")

    refusal = refused(j.later(), c.HoldSession, "IPT-32", number=4, minutes=50,
                      focus_addressed="role_dispute")

    assert "treatment consent from the guardian (withdrawn)" in refusal.sentence


def test_a_maintenance_session_is_a_routine_session_and_needs_consent() -> None:
    j = in_maintenance().do(c.WithdrawConsent, kinds=("treatment",))

    refused(j.later(28), c.HoldSession, "IPT-32", number=1, minutes=50)
    j.do(c.RecordConsent, kinds=("treatment",))
    events = accepted(j, c.HoldSession, number=1, minutes=50)

    assert events[0].phase == "maintenance"


# ----- a safety session is never blocked ---------------------------------------------------------


def test_a_safety_session_is_held_without_any_consent_on_record() -> None:
    j = Journey()

    events = accepted(j.later(), c.HoldSession, number=1, minutes=30, kind="safety")

    assert (events[0].kind, kinds(events)) == ("safety", ["SessionHeld"])


def test_a_safety_session_is_held_after_every_consent_is_withdrawn() -> None:
    j = in_middle_phase().do(c.WithdrawConsent, kinds=("treatment", "telehealth"))

    events = accepted(j.later(), c.HoldSession, number=4, minutes=30, kind="safety",
                      focus_addressed="role_dispute")

    assert events[0].kind == "safety"


# ----- a guardian's consent counts only for ipt-a ------------------------------------------------


@pytest.mark.parametrize("protocol", ["ipt", "dit"])
@pytest.mark.parametrize("command", [c.RecordConsent, c.WithdrawConsent])
def test_a_guardians_consent_outside_ipt_a_is_refused_on_given_by(
        protocol: str, command: type[c.RecordConsent]) -> None:
    j = Journey(protocol, sessions=16)
    version = j.pathway.version

    with pytest.raises(InvalidCommand) as caught:
        j.do(command, kinds=("treatment",), given_by="guardian")

    assert caught.value.field == "given_by"
    assert "only for ipt-a" in caught.value.reason
    assert j.pathway.version == version


def test_a_guardians_consent_on_an_adolescents_pathway_is_recorded() -> None:
    j = adolescent()

    events = accepted(j, c.RecordConsent, kinds=("treatment", "telehealth"),
                      given_by="guardian")

    assert (kinds(events), events[0].given_by) == (["ConsentRecorded"], "guardian")


def test_a_guardians_consent_already_in_an_adult_history_satisfies_nothing() -> None:
    """History written before IPT-32 may hold one: it replays, and it counts for nothing."""
    j = Journey()
    command = c.RecordConsent(occurred_at=j.at, kinds=("treatment", "telehealth"),
                              given_by="guardian")
    j.pathway._emit(ctx(), command, e.ConsentRecorded, kinds=command.kinds,
                    given_by="guardian")

    refused(j.later(), c.HoldSession, "IPT-32", number=1, minutes=50)
