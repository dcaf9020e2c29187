"""The pathway's integration events: one per catalogue event (``domain/pathway/events.py``).

What each leaves out of the stored event, and why:
- fields marked PHI (``PHI_PATHS``): the client's reference and age, inventory aliases and
  relations, the dit pattern summary, who signed the contract;
- free text and references into the notes store: reasons, rationales, the deviation's
  sentence (the rule id names it), the formulation, the safety plan, the relapse-prevention
  plan, the goodbye letter, the contract's contingencies;
- the command's metadata (actor, idempotency key): the envelope carries the correlation id.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field

from domain.pathway import events as e
from domain.values import Format, Frequency
from domain.vocabulary import (
    Channel,
    CloseReason,
    Consenter,
    ConsentKind,
    Instrument,
    MissKind,
    NextStep,
    Outcome,
    Phase,
    ProblemArea,
    SessionKind,
    Signer,
    Tier,
)
from services.integration.codes import (
    AggregateId,
    Band,
    ContractTerm,
    Count,
    FlagSource,
    Icd10,
    MedicationOutcome,
    Positive,
    ProtocolId,
    Quality,
    RecentChange,
    RiskLevel,
    RuleId,
    Severity,
    StaffId,
    Technique,
)
from services.integration.event import IntegrationEvent


class PathwayOpened(IntegrationEvent, frozen=True):
    """A course of care began: the clinician, the protocol and its version, the format and
    channel, the referral date."""

    publishes = e.PathwayOpened
    therapist_id: StaffId
    protocol_id: ProtocolId
    protocol_version: Positive
    format: Format
    channel: Channel
    referral_date: date


class ConsentRecorded(IntegrationEvent, frozen=True):
    """The client (or, for ipt-a, a guardian; for a couple, the partner) consented to these
    kinds of care or data use. Version 2: the partner."""

    publishes = e.ConsentRecorded
    version = 2
    kinds: tuple[ConsentKind, ...]
    given_by: Consenter


class ConsentWithdrawn(IntegrationEvent, frozen=True):
    """Consent of these kinds was withdrawn; care they cover is suspended until recorded again.
    Version 2: the partner."""

    publishes = e.ConsentWithdrawn
    version = 2
    kinds: tuple[ConsentKind, ...]
    given_by: Consenter


class DiagnosisRecorded(IntegrationEvent, frozen=True):
    """An ICD-10 diagnosis and its severity."""

    publishes = e.DiagnosisRecorded
    icd10: Icd10
    severity: Severity


class MeasureRecorded(IntegrationEvent, frozen=True):
    """A scored measure (PHQ-9, GAD-7, HAM-D-17): item scores, total, band; the first is the
    baseline."""

    publishes = e.MeasureRecorded
    instrument: Instrument
    items: tuple[Count, ...]
    total: Count
    band: Band
    baseline: bool


class SafetyFlagRaised(IntegrationEvent, frozen=True):
    """A suicide-risk flag was raised (IPT-17): urgent or routine, by whom or by which measure
    (PHQ-9 item 9)."""

    publishes = e.SafetyFlagRaised
    flag_id: Positive
    tier: Tier
    source: FlagSource
    item9: Count | None


class SafetyFlagAcknowledged(IntegrationEvent, frozen=True):
    """A clinician acknowledged the safety flag."""

    publishes = e.SafetyFlagAcknowledged
    flag_id: Positive


class RiskAssessmentRecorded(IntegrationEvent, frozen=True):
    """The risk behind a safety flag was assessed (the safety plan stays in the clinical record)."""

    publishes = e.RiskAssessmentRecorded
    flag_id: Positive
    risk_level: RiskLevel


class SafetyFlagResolved(IntegrationEvent, frozen=True):
    """An assessed safety flag was resolved (IPT-18: the only way risk clears)."""

    publishes = e.SafetyFlagResolved
    flag_id: Positive


class SickRoleAssigned(IntegrationEvent, frozen=True):
    """The sick role was given, bounded by the course's time limit."""

    publishes = e.SickRoleAssigned


class MedicationNeedAssessed(IntegrationEvent, frozen=True):
    """The need for medication was assessed."""

    publishes = e.MedicationNeedAssessed
    outcome: MedicationOutcome


class InventoryEntry(BaseModel, frozen=True, extra="forbid"):
    """One relationship of the inventory, without who it is (alias and relation are PHI)."""

    closeness: Positive
    quality: Quality
    deceased: bool
    recent_change: RecentChange
    candidate_areas: tuple[ProblemArea, ...]


class InventoryRecorded(IntegrationEvent, frozen=True):
    """The interpersonal inventory: each relationship's closeness, quality and recent change,
    without who it is."""

    publishes = e.InventoryRecorded
    relationships: tuple[InventoryEntry, ...]

    @classmethod
    def fields_of(cls, event: Any) -> dict[str, Any]:
        kept = InventoryEntry.model_fields
        return {"relationships": tuple({name: getattr(relationship, name) for name in kept}
                                       for relationship in event.relationships)}


class FormulationShared(IntegrationEvent, frozen=True):
    """The interpersonal formulation was shared, linking symptoms to a problem area."""

    publishes = e.FormulationShared
    problem_area: ProblemArea


class FocusChosen(IntegrationEvent, frozen=True):
    """The focus of treatment: a primary problem area, an optional secondary, and the client's
    agreement."""

    publishes = e.FocusChosen
    primary: ProblemArea
    secondary: ProblemArea | None
    patient_agreed: bool


class ContractSigned(IntegrationEvent, frozen=True):
    """The treatment contract: sessions, frequency, length, start, course window, foci, measures,
    who signed. Version 2: a couple's partner signs too."""

    publishes = e.ContractSigned
    version = 2
    sessions: Positive
    frequency: Frequency
    session_minutes: Positive
    start_date: date
    course_window_weeks: Positive
    foci: tuple[ProblemArea, ...]
    measurement_plan: tuple[Instrument, ...]
    signers: tuple[Signer, ...]
    """Who signed (client, guardian, partner, therapist), not their ids."""

    @classmethod
    def fields_of(cls, event: Any) -> dict[str, Any]:
        signers = tuple(signature.signer for signature in event.signatures)
        return {name: signers if name == "signers" else getattr(event, name)
                for name in cls.model_fields}


class ContractRenegotiated(IntegrationEvent, frozen=True):
    """The contract's terms after a renegotiation, and which of them changed."""

    publishes = e.ContractRenegotiated
    sessions: Positive
    frequency: Frequency
    foci: tuple[ProblemArea, ...]
    course_window_weeks: Positive
    changed: tuple[ContractTerm, ...]
    patient_agreed: bool


class SessionHeld(IntegrationEvent, frozen=True):
    """A session was held: its number, phase, minutes, channel, kind, focus and techniques.
    Version 2: an ipt-g member's group session (kind ``group``, the group's number and id) and
    individual meetings (``pre_group``, ``mid_group``, ``post_group``, numbered on their own)."""

    publishes = e.SessionHeld
    version = 2
    number: Positive
    phase: Phase
    minutes: Positive
    channel: Channel
    kind: SessionKind
    focus_addressed: ProblemArea | None
    techniques: tuple[Technique, ...]
    homework_set: bool
    parent_present: bool
    group_id: AggregateId | None = None
    """A group session's group (ipt-g); none otherwise."""


class SessionMissed(IntegrationEvent, frozen=True):
    """A session was missed: how, and with how many hours' notice. Version 2: an ipt-g member
    absent from a group session (its number and group; ``safety_hold`` when a safety flag kept
    the member out)."""

    publishes = e.SessionMissed
    version = 2
    kind: MissKind
    notice_hours: Annotated[float, Field(ge=0)] | None
    number: Positive | None = None
    group_id: AggregateId | None = None


class TerminationDiscussed(IntegrationEvent, frozen=True):
    """The ending of treatment was discussed, at this session."""

    publishes = e.TerminationDiscussed
    at_session: Positive


class GoodbyeLetterShared(IntegrationEvent, frozen=True):
    """dit: the therapist's goodbye letter was shared (the letter stays in the clinical record)."""

    publishes = e.GoodbyeLetterShared


class AcuteCourseCompleted(IntegrationEvent, frozen=True):
    """The acute course completed: the measure, baseline and final totals, the outcome and the
    next step."""

    publishes = e.AcuteCourseCompleted
    instrument: Instrument
    baseline_total: Count
    final_total: Count
    outcome: Outcome
    next_step: NextStep


class MaintenanceScheduled(IntegrationEvent, frozen=True):
    """A maintenance (ipt-m) contract: its protocol, frequency, sessions and start."""

    publishes = e.MaintenanceScheduled
    protocol_id: ProtocolId
    protocol_version: Positive
    frequency: Frequency
    sessions: Positive
    start_date: date

    @classmethod
    def fields_of(cls, event: Any) -> dict[str, Any]:
        """The stored ``protocol`` is ``<id>@<version>`` (``ipt-m@1``): published as two."""
        protocol_id, _, version = event.protocol.partition("@")
        return {"protocol_id": protocol_id, "protocol_version": int(version),
                "frequency": event.frequency, "sessions": event.sessions,
                "start_date": event.start_date}


class RecurrenceSuspected(IntegrationEvent, frozen=True):
    """In maintenance, a measure crossed the recurrence threshold (IPT-28)."""

    publishes = e.RecurrenceSuspected
    instrument: Instrument
    total: Count
    threshold: Count


class DeviationRecorded(IntegrationEvent, frozen=True):
    """A soft rule was overridden with a reason; the rule id names it (the reason stays home)."""

    publishes = e.DeviationRecorded
    rule: RuleId


class PathwayClosed(IntegrationEvent, frozen=True):
    """The pathway closed, and why (a code)."""

    publishes = e.PathwayClosed
    reason: CloseReason


PATHWAY_EVENTS: tuple[type[IntegrationEvent], ...] = (
    PathwayOpened, ConsentRecorded, ConsentWithdrawn, DiagnosisRecorded, MeasureRecorded,
    SafetyFlagRaised, SafetyFlagAcknowledged, RiskAssessmentRecorded, SafetyFlagResolved,
    SickRoleAssigned, MedicationNeedAssessed, InventoryRecorded, FormulationShared, FocusChosen,
    ContractSigned, ContractRenegotiated, SessionHeld, SessionMissed, TerminationDiscussed,
    GoodbyeLetterShared, AcuteCourseCompleted, MaintenanceScheduled, RecurrenceSuspected,
    DeviationRecorded, PathwayClosed,
)
