"""The stretches of care a demo pathway is made of: referral, intake, formulation, contract,
the acute course, completion, maintenance and closure, each in a clinician's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from random import Random

from domain.values import Channel
from services.demo.clinical import CONTINGENCIES, IPAF_PATTERNS, Course, inventory
from services.demo.script import Script

SEVERE_BASELINE = 20
IPT_FOCI = ("role_dispute", "role_transition", "grief", "role_dispute", "interpersonal_deficits")


@dataclass(frozen=True)
class Client:
    """Who a demo pathway is for: an opaque reference, an age, a therapist and a channel."""

    number: int
    ref: str
    age: int
    therapist: str
    channel: Channel
    rng: Random


def opened(client: Client, protocol: str, course: Course, *, sessions: int) -> Script:
    """Referral: the pathway opens a few days after the referral letter."""
    script = Script.new(protocol, sessions=sessions, course=course,
                        hour=client.rng.choice((9, 10, 11, 13, 14, 15, 16)),
                        channel=client.channel)
    referral = (script.at - timedelta(days=client.rng.randint(3, 20))).date()
    script.anxiety = client.number % 3 == 0  # a GAD-7 beside every PHQ-9, baseline included
    return script.opened(client_ref=client.ref, client_age=client.age,
                         therapist_id=client.therapist, referral_date=referral)


def consented(script: Script, *, item9: int = 0) -> Script:
    """Consents (the guardian's, with data sharing, first for ipt-a) and the baseline PHQ-9, a
    week after opening."""
    script.later(7).consented(guardian_also=("data_sharing",))
    return script.scored(script.course.baseline, item9)


def intake(script: Script, client: Client, *, item9: int = 0) -> Script:
    """Session 1: assessment, diagnosis, the sick role and the medication question."""
    consented(script, item9=item9)
    if item9:  # IPT-17: the flag is seen and assessed before any routine session
        script.acknowledged(script.flags, risk="low")
    severe = script.course.baseline >= SEVERE_BASELINE
    icd10 = "F32.2" if severe else client.rng.choice(("F32.1", "F32.1", "F33.1"))
    medication = client.rng.choice(("referred_to_prescriber", "already_on_medication")) if (
        severe) else client.rng.choice(("not_indicated", "not_indicated", "declined"))
    return script.intake(icd10=icd10, severity="severe" if severe else "moderate",
                         medication=medication, minutes=60)


def formulated(script: Script, client: Client, focus: str, *, secondary: str | None = None,
               initial_sessions: int = 2, long_initial_reason: str | None = None) -> Script:
    """Session 2 onwards: the inventory, then the formulation and the focus agreed."""
    relationships = inventory(focus, adolescent=script.protocol.parent_at_first_and_ending)
    if secondary:
        relationships += inventory(secondary)[:1]
    return script.formulated(
        focus, relationships=relationships, secondary=secondary,
        pattern_summary=client.rng.choice(IPAF_PATTERNS) if focus == "ipaf" else None,
        formulation_ref=f"doc/formulation-{client.number}",
        rationale_ref=f"doc/focus-rationale-{client.number}", initial_sessions=initial_sessions,
        long_initial_reason=long_initial_reason)


def contracted(script: Script, client: Client) -> Script:
    """The contract, signed at the end of the last initial session."""
    plan = ("phq9", "gad7") if script.anxiety else ("phq9",)
    script.signed(
        {"client": client.ref, "therapist": client.therapist,
         "guardian": f"{client.ref}-guardian"},
        start_date=(script.at + timedelta(days=7)).date(), contingencies=CONTINGENCIES,
        measurement_plan=plan, minutes=55)
    return script


def started(client: Client, protocol: str, course: Course, focus: str, *, sessions: int,
            secondary: str | None = None) -> Script:
    """Referral through the signed contract: the usual two initial sessions."""
    script = opened(client, protocol, course, sessions=sessions)
    intake(script, client)
    formulated(script, client, focus, secondary=secondary)
    return contracted(script, client)


def completed(script: Script, client: Client, next_step: str) -> Script:
    """The remaining sessions, the final measure, and the completion with its next step."""
    script.held_until(script.contract_sessions)
    return script.completed(next_step, plan_ref=f"doc/relapse-prevention-{client.number}",
                            minutes=60)


def maintained(script: Script, *, sessions: int, totals: tuple[int, ...]) -> Script:
    """An ipt-m contract (IPT-26/27, monthly) and one session with a PHQ-9 per total."""
    script.maintenance_scheduled(sessions, frequency="monthly",
                                 start_date=(script.at + timedelta(days=28)).date(), minutes=65)
    for total in totals:
        script.later(28)
        script.session()
        script.scored(total, minutes=50)
    return script


def course_for(client: Client, result: str) -> Course:
    """A moderate to moderately severe baseline whose course ends in ``result``."""
    return Course.towards(client.rng.randint(12, 19), result)


def ipt_focus(client: Client) -> str:
    return client.rng.choice(IPT_FOCI)


def ipt_sessions(client: Client) -> int:
    return client.rng.choice((12, 12, 14, 16))


def ipt_started(client: Client, result: str) -> Script:
    """An adult 12-session ipt pathway through its contract, heading for ``result``."""
    return started(client, "ipt", course_for(client, result), ipt_focus(client), sessions=12)
