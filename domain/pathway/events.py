"""The public event catalogue (domain.md section 3), one pathway stream each.

Every event has a fixed topic (``carepath:<Name>``) so stored history survives moving classes,
carries ``occurred_at`` (clinical time, from the caller), ``timestamp`` (recorded_at, server
time) and ``meta`` (actor, role, correlation id, idempotency key, protocol of the command, and
the rule ids the command was checked against).
``evolve`` is the apply logic: it runs again on every replay, so it is deterministic.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from domain.measures import band
from domain.pathway.state import (
    OUTREACH_AFTER_CONSECUTIVE_MISSES,
    OUTREACH_AFTER_TOTAL_MISSES,
    Contract,
    Flag,
    Focus,
    MaintenanceContract,
    MeasureEntry,
    PathwayState,
    SessionEntry,
    consent_key,
    remember_command,
)
from domain.phi import PHI, phi_paths
from domain.values import Channel, Contingencies, Format, Frequency, Relationship, Signature, Value
from domain.vocabulary import (
    GROUP,
    MAINTENANCE,
    NOT_CLIENT_MISSES,
    PHQ9,
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
    Tier,
)


class EventMeta(Value):
    actor_id: str
    actor_role: str
    """Text, not ``Role``: the roles belong to authentication and may change; history stays."""
    correlation_id: str
    idempotency_key: str
    request_digest: str
    protocol: str
    rules_checked: tuple[str, ...] = ()
    """The rule ids the command was checked against when it was decided, sorted (every event
    of one command carries the same). Events stored before it was recorded read as ()."""


class PathwayEvent(Aggregate.Event):
    TOPIC = "carepath:PathwayEvent"
    occurred_at: datetime
    meta: EventMeta

    def apply(self, aggregate: Any) -> None:
        state = aggregate.state
        self.evolve(state)
        meta = self.meta
        remember_command(state.commands, meta.actor_id, meta.idempotency_key,
                         meta.request_digest, self.originator_version)

    def evolve(self, state: PathwayState) -> None:
        """Change the state; the default records nothing but the command."""


class PathwayOpened(PathwayEvent, Aggregate.Created):
    TOPIC = "carepath:PathwayOpened"
    client_ref: Annotated[str, PHI]
    client_age: Annotated[int, PHI]
    therapist_id: str
    protocol_id: str
    protocol_version: int
    format: Format
    channel: Channel
    referral_date: date
    partner_ref: Annotated[str, PHI] | None = None
    """The couple format's second client; None for one client (and events stored before)."""

    def apply(self, aggregate: Any) -> None:
        aggregate.state = PathwayState(
            protocol_id=self.protocol_id, protocol_version=self.protocol_version,
            client_ref=self.client_ref, client_age=self.client_age,
            therapist_id=self.therapist_id, format=self.format, channel=self.channel,
            referral_date=self.referral_date, opened_at=self.occurred_at,
            partner_ref=self.partner_ref,
        )
        super().apply(aggregate)


class ConsentRecorded(PathwayEvent):
    TOPIC = "carepath:ConsentRecorded"
    kinds: tuple[ConsentKind, ...]
    given_by: Consenter

    def evolve(self, state: PathwayState) -> None:
        for kind in self.kinds:
            state.consents[consent_key(self.given_by, kind)] = True


class ConsentWithdrawn(PathwayEvent):
    TOPIC = "carepath:ConsentWithdrawn"
    kinds: tuple[ConsentKind, ...]
    given_by: Consenter

    def evolve(self, state: PathwayState) -> None:
        for kind in self.kinds:
            state.consents[consent_key(self.given_by, kind)] = False


class DiagnosisRecorded(PathwayEvent):
    TOPIC = "carepath:DiagnosisRecorded"
    icd10: str
    severity: str

    def evolve(self, state: PathwayState) -> None:
        state.diagnosis = self.icd10


class MeasureRecorded(PathwayEvent):
    """Version 2 added ``band``; version 1 events get it computed from their total."""

    TOPIC = "carepath:MeasureRecorded"
    class_version = 2
    instrument: Instrument
    items: tuple[int, ...]
    total: int
    band: str
    baseline: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["band"] = band(state["instrument"], state["total"])

    def evolve(self, state: PathwayState) -> None:
        item9 = self.items[8] if self.instrument == PHQ9 else None
        state.measures.append(MeasureEntry(
            instrument=self.instrument, total=self.total, item9=item9,
            occurred_at=self.occurred_at, acute_sessions_held=state.sessions_held,
            version=self.originator_version,
        ))


class SafetyFlagRaised(PathwayEvent):
    TOPIC = "carepath:SafetyFlagRaised"
    flag_id: int
    tier: Tier
    source: str
    item9: int | None

    def evolve(self, state: PathwayState) -> None:
        state.flags[self.flag_id] = Flag(id=self.flag_id, tier=self.tier,
                                         raised_at=self.occurred_at)


class SafetyFlagAcknowledged(PathwayEvent):
    TOPIC = "carepath:SafetyFlagAcknowledged"
    flag_id: int

    def evolve(self, state: PathwayState) -> None:
        state.flags[self.flag_id].acknowledged = True


class RiskAssessmentRecorded(PathwayEvent):
    TOPIC = "carepath:RiskAssessmentRecorded"
    flag_id: int
    risk_level: str
    safety_plan_ref: str

    def evolve(self, state: PathwayState) -> None:
        state.flags[self.flag_id].assessed = True


class SafetyFlagResolved(PathwayEvent):
    TOPIC = "carepath:SafetyFlagResolved"
    flag_id: int

    def evolve(self, state: PathwayState) -> None:
        state.flags[self.flag_id].resolved = True


class SickRoleAssigned(PathwayEvent):
    TOPIC = "carepath:SickRoleAssigned"

    def evolve(self, state: PathwayState) -> None:
        state.sick_role = True


class MedicationNeedAssessed(PathwayEvent):
    TOPIC = "carepath:MedicationNeedAssessed"
    outcome: str

    def evolve(self, state: PathwayState) -> None:
        state.medication_need = self.outcome


class InventoryRecorded(PathwayEvent):
    TOPIC = "carepath:InventoryRecorded"
    relationships: tuple[Relationship, ...]

    def evolve(self, state: PathwayState) -> None:
        state.inventory = self.relationships
        state.focus = None  # IPT-13: a focus is chosen from the inventory in force


class FormulationShared(PathwayEvent):
    TOPIC = "carepath:FormulationShared"
    problem_area: ProblemArea
    formulation_ref: str

    def evolve(self, state: PathwayState) -> None:
        state.formulation_area = self.problem_area


class FocusChosen(PathwayEvent):
    TOPIC = "carepath:FocusChosen"
    primary: ProblemArea
    secondary: ProblemArea | None
    rationale_ref: str
    patient_agreed: bool
    pattern_summary: Annotated[str, PHI] | None

    def evolve(self, state: PathwayState) -> None:
        state.focus = Focus(self.primary, self.secondary, self.patient_agreed)


class ContractSigned(PathwayEvent):
    TOPIC = "carepath:ContractSigned"
    sessions: int
    frequency: Frequency
    session_minutes: int
    start_date: date
    course_window_weeks: int
    foci: tuple[ProblemArea, ...]
    contingencies: Contingencies
    measurement_plan: tuple[str, ...]
    signatures: tuple[Signature, ...]

    def evolve(self, state: PathwayState) -> None:
        state.contract = Contract(self.sessions, self.frequency, self.session_minutes,
                                  self.start_date, self.course_window_weeks, self.foci)
        state.contract_signed_at = self.occurred_at


class ContractRenegotiated(PathwayEvent):
    """Carries the whole resulting contract terms and which of them changed."""

    TOPIC = "carepath:ContractRenegotiated"
    sessions: int
    frequency: Frequency
    foci: tuple[ProblemArea, ...]
    course_window_weeks: int
    changed: tuple[str, ...]
    reason: str
    patient_agreed: bool

    def evolve(self, state: PathwayState) -> None:
        old = state.signed_contract
        state.contract = Contract(self.sessions, self.frequency, old.session_minutes,
                                  old.start_date, self.course_window_weeks, self.foci)
        state.renegotiations.append((state.sessions_held, self.occurred_at))


class SessionHeld(PathwayEvent):
    """An acute or maintenance session; for an ipt-g member, a group session (kind ``group``,
    the group's number and ``group_id``) or an individual meeting, numbered on its own."""

    TOPIC = "carepath:SessionHeld"
    number: int
    phase: Phase
    minutes: int
    channel: Channel
    kind: SessionKind
    focus_addressed: ProblemArea | None
    techniques: tuple[str, ...]
    homework_set: bool
    parent_present: bool
    group_id: UUID | None = None

    def evolve(self, state: PathwayState) -> None:
        entry = SessionEntry(self.number, self.occurred_at, self.phase, self.focus_addressed,
                             self.parent_present)
        if state.is_meeting(self.kind):
            state.meetings.append((self.kind, entry))
        elif self.phase == MAINTENANCE:
            state.maintenance_sessions.append(entry)
        else:
            state.sessions.append(entry)
        if self.kind == GROUP:
            state.group_id, state.last_group_session = self.group_id, self.number
        state.consecutive_misses = 0
        state.misses_since_session = 0
        state.outreach_due = False


class SessionMissed(PathwayEvent):
    """A session not held; for an ipt-g member absent from a group session, the group's
    ``number`` and ``group_id`` (a safety hold is ``safety_hold``, IPT-17)."""

    TOPIC = "carepath:SessionMissed"
    kind: MissKind
    notice_hours: float | None
    number: int | None = None
    group_id: UUID | None = None

    def evolve(self, state: PathwayState) -> None:
        state.misses_since_session += 1
        if self.number is not None:
            state.group_id, state.last_group_session = self.group_id, self.number
        if self.kind in NOT_CLIENT_MISSES:
            return
        state.client_misses += 1
        state.consecutive_misses += 1
        state.outreach_due = (state.consecutive_misses >= OUTREACH_AFTER_CONSECUTIVE_MISSES
                              or state.client_misses >= OUTREACH_AFTER_TOTAL_MISSES
                              or bool(state.open_flags))


class TerminationDiscussed(PathwayEvent):
    TOPIC = "carepath:TerminationDiscussed"
    at_session: int

    def evolve(self, state: PathwayState) -> None:
        if state.termination_discussed_at is None:
            state.termination_discussed_at = self.at_session


class GoodbyeLetterShared(PathwayEvent):
    """dit: the therapist's goodbye letter, shared before the final session (IPT-31)."""

    TOPIC = "carepath:GoodbyeLetterShared"
    letter_ref: str

    def evolve(self, state: PathwayState) -> None:
        state.goodbye_letter_shared = True


class AcuteCourseCompleted(PathwayEvent):
    TOPIC = "carepath:AcuteCourseCompleted"
    instrument: Instrument
    baseline_total: int
    final_total: int
    outcome: Outcome
    relapse_prevention_plan_ref: str
    next_step: NextStep

    def evolve(self, state: PathwayState) -> None:
        state.outcome = self.outcome
        state.next_step = self.next_step


class MaintenanceScheduled(PathwayEvent):
    TOPIC = "carepath:MaintenanceScheduled"
    protocol: str
    frequency: Frequency
    sessions: int
    start_date: date

    def evolve(self, state: PathwayState) -> None:
        state.maintenance = MaintenanceContract(self.frequency, self.sessions, self.start_date)


class RecurrenceSuspected(PathwayEvent):
    TOPIC = "carepath:RecurrenceSuspected"
    instrument: Instrument
    total: int
    threshold: int

    def evolve(self, state: PathwayState) -> None:
        state.recurrence_suspected = True


class DeviationRecorded(PathwayEvent):
    TOPIC = "carepath:DeviationRecorded"
    rule: str
    sentence: str
    reason: str

    def evolve(self, state: PathwayState) -> None:
        state.deviations.append((self.rule, self.originator_version))


class PathwayClosed(PathwayEvent):
    TOPIC = "carepath:PathwayClosed"
    reason: CloseReason

    def evolve(self, state: PathwayState) -> None:
        state.closed_reason = self.reason


CATALOGUE: tuple[type[PathwayEvent], ...] = (
    PathwayOpened, ConsentRecorded, ConsentWithdrawn, DiagnosisRecorded, MeasureRecorded,
    SafetyFlagRaised, SafetyFlagAcknowledged, RiskAssessmentRecorded, SafetyFlagResolved,
    SickRoleAssigned, MedicationNeedAssessed, InventoryRecorded, FormulationShared, FocusChosen,
    ContractSigned, ContractRenegotiated, SessionHeld, SessionMissed, TerminationDiscussed,
    GoodbyeLetterShared, AcuteCourseCompleted, MaintenanceScheduled, RecurrenceSuspected,
    DeviationRecorded, PathwayClosed,
)

PHI_PATHS: dict[str, tuple[str, ...]] = {
    cls.__name__: paths for cls in CATALOGUE if (paths := phi_paths(cls))}
"""The one list of fields that identify or describe a client, by event name (domain/phi.py)."""

_TOPICS: tuple[type[PathwayEvent], ...] = (PathwayEvent, *CATALOGUE)
for _event_class in _TOPICS:
    register_topic(_event_class.TOPIC, _event_class)
