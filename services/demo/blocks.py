"""The stretches of care a demo pathway is made of: referral, intake, formulation, contract,
the acute course, completion, maintenance and closure, each in a clinician's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from random import Random

from domain import commands as c
from domain.values import Channel, Signature, Signer
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
    return script.do(c.OpenPathway, client_ref=client.ref, client_age=client.age,
                     therapist_id=client.therapist, protocol=protocol, format="individual",
                     channel=client.channel, referral_date=referral)


def consented(script: Script, client: Client, *, item9: int = 0) -> Script:
    """Consents (the guardian's first for ipt-a) and the baseline PHQ-9, a week after opening.

    IPT-32: treatment consent, and telehealth consent unless sessions are held in person.
    """
    script.later(7)
    kinds: tuple[c.ConsentKind, ...] = (
        ("treatment",) if client.channel == "in_person" else ("treatment", "telehealth"))
    if script.protocol.guardian_required:
        script.do(c.RecordConsent, kinds=(*kinds, "data_sharing"), given_by="guardian")
    script.do(c.RecordConsent, kinds=kinds)
    return script.measure(script.course.baseline, item9)


def intake(script: Script, client: Client, *, item9: int = 0) -> Script:
    """Session 1: assessment, diagnosis, the sick role and the medication question."""
    consented(script, client, item9=item9)
    if item9:  # IPT-17: the flag is seen and assessed before any routine session
        acknowledged(script, script.flags, risk="low")
    script.session(minutes=60)
    severe = script.course.baseline >= SEVERE_BASELINE
    script.do(c.RecordDiagnosis, icd10="F32.2" if severe else client.rng.choice(
        ("F32.1", "F32.1", "F33.1")), severity="severe" if severe else "moderate")
    script.do(c.AssignSickRole)
    medication = client.rng.choice(("referred_to_prescriber", "already_on_medication")) if (
        severe) else client.rng.choice(("not_indicated", "not_indicated", "declined"))
    return script.do(c.AssessMedicationNeed, outcome=medication)


def acknowledged(script: Script, flag: int, *, risk: str | None = None,
                 minutes: int = 0) -> Script:
    """The safety workflow (domain.md 5): acknowledge the flag, and assess the risk."""
    at = script.at + timedelta(minutes=minutes)
    script.do(c.AcknowledgeSafetyFlag, flag_id=flag, occurred_at=at)
    if risk:
        script.do(c.RecordRiskAssessment, flag_id=flag, risk_level=risk,
                  safety_plan_ref=f"plan/safety-{flag}", occurred_at=at)
    return script


def formulated(script: Script, client: Client, focus: str, *, secondary: str | None = None,
               initial_sessions: int = 2, long_initial_reason: str | None = None) -> Script:
    """Session 2 onwards: the inventory, then the formulation and the focus agreed."""
    adolescent = script.protocol.parent_at_first_and_ending
    relationships = inventory(focus, adolescent=adolescent)
    if secondary:
        relationships += inventory(secondary)[:1]
    script.visit()
    script.do(c.RecordInventory, relationships=relationships)
    while script.held < initial_sessions:
        over_cap = script.held >= script.protocol.initial_cap
        script.visit(reason=long_initial_reason if over_cap else None)
    script.do(c.ShareFormulation, problem_area=focus,
              formulation_ref=f"doc/formulation-{client.number}")
    pattern = client.rng.choice(IPAF_PATTERNS) if focus == "ipaf" else None
    script.do(c.ChooseFocus, primary=focus, secondary=secondary,
              rationale_ref=f"doc/focus-rationale-{client.number}", patient_agreed=True,
              pattern_summary=pattern)
    script.foci = (focus,) if secondary is None else (focus, secondary)
    return script


def contracted(script: Script, client: Client) -> Script:
    """The contract, signed at the end of the last initial session."""
    signers: list[Signer] = ["client", "therapist"]
    if script.protocol.guardian_required:
        signers.append("guardian")
    people = {"client": client.ref, "therapist": client.therapist,
              "guardian": f"{client.ref}-guardian"}
    script.do(c.SignContract, sessions=script.contract_sessions, frequency="weekly",
              session_minutes=45 if script.protocol.parent_at_first_and_ending else 50,
              start_date=(script.at + timedelta(days=7)).date(),
              course_window_weeks=script.contract_sessions + 8, foci=script.foci,
              contingencies=CONTINGENCIES,
              measurement_plan=("phq9", "gad7") if client.number % 3 == 0 else ("phq9",),
              signatures=tuple(Signature(signer=s, signed_by=people[s]) for s in signers),
              occurred_at=script.at + timedelta(minutes=55))
    script.contracted = True
    return script


def started(client: Client, protocol: str, course: Course, focus: str, *, sessions: int,
            secondary: str | None = None) -> Script:
    """Referral through the signed contract: the usual two initial sessions."""
    script = opened(client, protocol, course, sessions=sessions)
    intake(script, client)
    formulated(script, client, focus, secondary=secondary)
    return contracted(script, client)


def held_until(script: Script, number: int) -> Script:
    while script.held < number:
        script.visit()
    return script


def completed(script: Script, client: Client, next_step: str) -> Script:
    """The remaining sessions, the final measure, and the completion with its next step."""
    held_until(script, script.contract_sessions)
    return script.do(c.CompleteAcuteCourse,
                     relapse_prevention_plan_ref=f"doc/relapse-prevention-{client.number}",
                     next_step=next_step, occurred_at=script.at + timedelta(minutes=60))


def maintained(script: Script, *, sessions: int, totals: tuple[int, ...]) -> Script:
    """An ipt-m contract (IPT-26/27, monthly) and one session with a PHQ-9 per total."""
    script.do(c.ScheduleMaintenance, frequency="monthly", sessions=sessions,
              start_date=(script.at + timedelta(days=28)).date(),
              occurred_at=script.at + timedelta(minutes=65))
    script.maintenance_held = 0
    for total in totals:
        script.later(28)
        script.session()
        script.measure(total, minutes=50)
    return script


def closed(script: Script, reason: str, *, days: int = 7) -> Script:
    script.later(days)
    return script.do(c.ClosePathway, reason=reason)


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
