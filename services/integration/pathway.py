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
from typing import Any, Self

from pydantic import BaseModel

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
    publishes = e.PathwayOpened
    therapist_id: StaffId
    protocol_id: ProtocolId
    protocol_version: Positive
    format: Format
    channel: Channel
    referral_date: date


class ConsentRecorded(IntegrationEvent, frozen=True):
    publishes = e.ConsentRecorded
    kinds: tuple[ConsentKind, ...]
    given_by: Consenter


class ConsentWithdrawn(IntegrationEvent, frozen=True):
    publishes = e.ConsentWithdrawn
    kinds: tuple[ConsentKind, ...]
    given_by: Consenter


class DiagnosisRecorded(IntegrationEvent, frozen=True):
    publishes = e.DiagnosisRecorded
    icd10: Icd10
    severity: Severity


class MeasureRecorded(IntegrationEvent, frozen=True):
    publishes = e.MeasureRecorded
    instrument: Instrument
    items: tuple[Count, ...]
    total: Count
    band: Band
    baseline: bool


class SafetyFlagRaised(IntegrationEvent, frozen=True):
    publishes = e.SafetyFlagRaised
    flag_id: Positive
    tier: Tier
    source: FlagSource
    item9: Count | None


class SafetyFlagAcknowledged(IntegrationEvent, frozen=True):
    publishes = e.SafetyFlagAcknowledged
    flag_id: Positive


class RiskAssessmentRecorded(IntegrationEvent, frozen=True):
    publishes = e.RiskAssessmentRecorded
    flag_id: Positive
    risk_level: RiskLevel


class SafetyFlagResolved(IntegrationEvent, frozen=True):
    publishes = e.SafetyFlagResolved
    flag_id: Positive


class SickRoleAssigned(IntegrationEvent, frozen=True):
    publishes = e.SickRoleAssigned


class MedicationNeedAssessed(IntegrationEvent, frozen=True):
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
    publishes = e.InventoryRecorded
    relationships: tuple[InventoryEntry, ...]

    @classmethod
    def from_event(cls, event: Any) -> Self:
        return cls(relationships=tuple(
            InventoryEntry.model_validate(relationship, from_attributes=True)
            for relationship in event.relationships))


class FormulationShared(IntegrationEvent, frozen=True):
    publishes = e.FormulationShared
    problem_area: ProblemArea


class FocusChosen(IntegrationEvent, frozen=True):
    publishes = e.FocusChosen
    primary: ProblemArea
    secondary: ProblemArea | None
    patient_agreed: bool


class ContractSigned(IntegrationEvent, frozen=True):
    publishes = e.ContractSigned
    sessions: Positive
    frequency: Frequency
    session_minutes: Positive
    start_date: date
    course_window_weeks: Positive
    foci: tuple[ProblemArea, ...]
    measurement_plan: tuple[Instrument, ...]
    signers: tuple[Signer, ...]
    """Who signed (client, guardian, therapist), not their ids."""

    @classmethod
    def fields_of(cls, event: Any) -> dict[str, Any]:
        signers = tuple(signature.signer for signature in event.signatures)
        return {name: signers if name == "signers" else getattr(event, name)
                for name in cls.model_fields}


class ContractRenegotiated(IntegrationEvent, frozen=True):
    publishes = e.ContractRenegotiated
    sessions: Positive
    frequency: Frequency
    foci: tuple[ProblemArea, ...]
    course_window_weeks: Positive
    changed: tuple[ContractTerm, ...]
    patient_agreed: bool


class SessionHeld(IntegrationEvent, frozen=True):
    publishes = e.SessionHeld
    number: Positive
    phase: Phase
    minutes: Positive
    channel: Channel
    kind: SessionKind
    focus_addressed: ProblemArea | None
    techniques: tuple[Technique, ...]
    homework_set: bool
    parent_present: bool


class SessionMissed(IntegrationEvent, frozen=True):
    publishes = e.SessionMissed
    kind: MissKind
    notice_hours: float | None


class TerminationDiscussed(IntegrationEvent, frozen=True):
    publishes = e.TerminationDiscussed
    at_session: Positive


class GoodbyeLetterShared(IntegrationEvent, frozen=True):
    publishes = e.GoodbyeLetterShared


class AcuteCourseCompleted(IntegrationEvent, frozen=True):
    publishes = e.AcuteCourseCompleted
    instrument: Instrument
    baseline_total: Count
    final_total: Count
    outcome: Outcome
    next_step: NextStep


class MaintenanceScheduled(IntegrationEvent, frozen=True):
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
    publishes = e.RecurrenceSuspected
    instrument: Instrument
    total: Count
    threshold: Count


class DeviationRecorded(IntegrationEvent, frozen=True):
    publishes = e.DeviationRecorded
    rule: RuleId


class PathwayClosed(IntegrationEvent, frozen=True):
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
