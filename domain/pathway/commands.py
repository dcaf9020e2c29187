"""The command catalogue: what a caller may ask of a pathway, as validated immutable values.

Commands are imperative; each one maps to one ``Pathway`` method and, when accepted, to one or
more past-tense events. ``occurred_at`` is clinical time, given by the caller.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, Field, JsonValue

from domain.protocols import ACUTE_PROTOCOLS, openable_protocols
from domain.times import ClinicalDate, ClinicalTime
from domain.values import (
    Channel,
    Contingencies,
    Format,
    Frequency,
    ProblemArea,
    Reference,
    Relationship,
    ShortText,
    Signature,
    Value,
)

ConsentKind = Literal["treatment", "telehealth", "recording", "data_sharing"]
Technique = Literal[
    "non_directive_exploration", "direct_elicitation", "encouragement_of_affect",
    "clarification", "communication_analysis", "decision_analysis", "role_play",
]
Reason = Reference
_OPENABLE: list[JsonValue] = [*openable_protocols()]
_VERSIONS: list[JsonValue] = [*sorted({p.version for p in ACUTE_PROTOCOLS.values()}), None]


def _hundredths(hours: float) -> float:
    """Finer than 36 seconds means nothing clinically, and keeps stored numbers canonical."""
    return round(hours, 2)


class Command(Value):
    occurred_at: ClinicalTime = Field(
        description="When it happened (clinical time): ISO 8601 with an offset, stored in UTC;"
                    " not before 1900 and not later than the server's clock plus its clock-skew"
                    " allowance (5 minutes by default).")


class OpenPathway(Command):
    client_ref: ShortText
    client_age: int = Field(ge=0, le=120)
    therapist_id: ShortText
    protocol: ShortText = Field(json_schema_extra={"enum": _OPENABLE},
                                description="A protocol a pathway can be opened under.")
    protocol_version: int | None = Field(
        default=None, ge=1, json_schema_extra={"enum": _VERSIONS},
        description="The protocol's version; its current one when absent (see GET /protocols).")
    format: Format = Field(default="individual", description=(
        "individual; group (the protocol ipt-g); couple (conjoint IPT: needs `partner_ref`)."))
    channel: Channel = "video"
    referral_date: ClinicalDate = Field(
        description="ISO 8601 date, not before 1900 and not after the server's date.")
    partner_ref: ShortText | None = Field(default=None, description=(
        "The couple format's second client (opaque reference); only for format couple."))


class RecordConsent(Command):
    kinds: tuple[ConsentKind, ...] = Field(min_length=1, max_length=4)
    given_by: Literal["client", "guardian", "partner"] = Field(default="client", description=(
        "Who consents: the client; the guardian (ipt-a only); the partner (couple only)."))


class WithdrawConsent(RecordConsent):
    pass


class RecordDiagnosis(Command):
    icd10: str = Field(pattern=r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$", max_length=8)
    severity: Literal["mild", "moderate", "severe"]


class RecordMeasure(Command):
    instrument: Literal["phq9", "gad7", "hamd17"]
    items: tuple[int, ...] = Field(min_length=1, max_length=17)


class RaiseSafetyFlag(Command):
    tier: Literal["urgent", "routine"]
    source: Literal["clinician", "client_report", "measure"] = "clinician"


class AcknowledgeSafetyFlag(Command):
    flag_id: int = Field(ge=1)


class RecordRiskAssessment(Command):
    flag_id: int = Field(ge=1)
    risk_level: Literal["low", "moderate", "high", "imminent"]
    safety_plan_ref: Reference


class ResolveSafetyFlag(Command):
    flag_id: int = Field(ge=1)


class AssignSickRole(Command):
    pass


class AssessMedicationNeed(Command):
    outcome: Literal["not_indicated", "referred_to_prescriber", "already_on_medication",
                     "declined"]


class RecordInventory(Command):
    relationships: tuple[Relationship, ...] = Field(min_length=1, max_length=50)


class ShareFormulation(Command):
    problem_area: ProblemArea
    formulation_ref: Reference


class ChooseFocus(Command):
    primary: ProblemArea
    secondary: ProblemArea | None = None
    rationale_ref: Reference
    patient_agreed: bool
    pattern_summary: ShortText | None = None
    """dit only: a short description of the recurring relational pattern (the IPAF)."""
    reason: Reason | None = None


class SignContract(Command):
    sessions: int = Field(ge=1, le=60)
    frequency: Frequency = "weekly"
    session_minutes: int = Field(ge=15, le=120)
    start_date: ClinicalDate
    course_window_weeks: int = Field(ge=1, le=104)
    foci: tuple[ProblemArea, ...] = Field(min_length=1, max_length=2)
    contingencies: Contingencies
    measurement_plan: tuple[Literal["phq9", "gad7", "hamd17"], ...] = Field(min_length=1,
                                                                           max_length=3)
    signatures: tuple[Signature, ...] = Field(min_length=1, max_length=4)


class RenegotiateContract(Command):
    sessions: int | None = Field(default=None, ge=1, le=60)
    frequency: Frequency | None = None
    foci: tuple[ProblemArea, ...] | None = Field(default=None, min_length=1, max_length=2)
    course_window_weeks: int | None = Field(default=None, ge=1, le=104)
    reason: Reason | None = None
    patient_agreed: bool = False


class HoldSession(Command):
    number: int = Field(ge=1, le=200)
    minutes: int = Field(ge=1, le=240)
    channel: Channel = "video"
    kind: Literal["routine", "safety", "pre_group", "mid_group", "post_group"] = Field(
        default="routine", description=(
            "routine or safety; on an ipt-g pathway, the member's individual meetings"
            " pre_group, mid_group and post_group (numbered on their own; the member's acute"
            " sessions are the group's sessions, recorded by POST /groups/{id}/sessions)."))
    focus_addressed: ProblemArea | None = None
    techniques: tuple[Technique, ...] = Field(default=(), max_length=7)
    homework_set: bool = False
    parent_present: bool = False
    reason: Reason | None = None


class RecordMissedSession(Command):
    kind: Literal["no_show", "late_cancellation", "cancelled_by_therapist"]
    notice_hours: Annotated[float, Field(ge=0, le=24 * 60), AfterValidator(_hundredths)] | None = (
        Field(default=None, description="Hours of notice, kept to 0.01 h (36 s)."))
    reason: Reason | None = None


class DiscussTermination(Command):
    at_session: int = Field(ge=1, le=200)


class ShareGoodbyeLetter(Command):
    letter_ref: Reference


class CompleteAcuteCourse(Command):
    relapse_prevention_plan_ref: Reference | None = None
    next_step: Literal["maintenance", "discharge", "alternative_treatment",
                       "medication_referral", "new_contract", "referred_on"] | None = None


class ScheduleMaintenance(Command):
    frequency: Frequency = "monthly"
    sessions: int = Field(ge=1, le=144)
    start_date: ClinicalDate


class ClosePathway(Command):
    reason: Literal["discharged", "dropped_out", "referred_on", "withdrawn",
                    "maintenance_ended", "entered_in_error"]


class AttendGroupSession(Command):
    """A member's part in a group session (ipt-g): decided on the member's pathway when the
    group holds a session, never sent on its own (the group's command carries it)."""

    group_id: UUID
    number: int = Field(ge=1, le=200)
    minutes: int = Field(ge=1, le=240)
    channel: Channel
    group_sessions: int | None = Field(default=None, ge=1, le=60)
    """The group's planned sessions N: the member's contract has the same (None: take the
    contract's, as a replay of the member's history does)."""
    present: bool
    absence: Literal["no_show", "late_cancellation", "cancelled_by_therapist",
                     "safety_hold"] | None = None
    themes: tuple[ProblemArea, ...] = ()
    ending_discussed: bool = False
    reason: Reason | None = None
