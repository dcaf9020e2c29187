"""Response models: what the API shows of a pathway. Domain objects never cross the edge."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from functools import cache
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.group.events import GroupEvent
from domain.pathway.aggregate import Pathway
from domain.pathway.events import PathwayEvent
from domain.values import Format
from domain.vocabulary import CloseReason, NextStep, Outcome, Phase
from projections.pathways import PathwayRow
from services.application import CommandResult

ItemT = TypeVar("ItemT")
_ENVELOPE = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp",
                       "occurred_at", "meta"})


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class FieldError(View):
    field: str = Field(description="Where: `body.items[3]`, `header.If-Match`, `query.limit`.")
    reason: str


class Deviation(View):
    rule: str
    sentence: str


class Problem(View):
    """RFC 9457 problem details; the extension members present depend on the ``type``."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description="`urn:carepath:problem:<slug>`, e.g. `...:rule-violation`.")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="The request path.")
    rule: str | None = Field(default=None, description="The clinical rule id (`IPT-xx`).")
    member: UUID | None = Field(default=None, description=(
        "A group command refused by one member's pathway: that member's pathway id."))
    errors: list[FieldError] | None = Field(default=None, description="Each refused field.")
    deviations: list[Deviation] | None = Field(
        default=None, description="`reason-required`: each soft rule a `reason` would record.")
    hint: str | None = None
    expected: int | None = Field(default=None, description="`version-mismatch`: If-Match.")
    actual: int | None = Field(default=None, description="`version-mismatch`: the version.")
    latest: int | None = Field(default=None, description="`version-not-found`: the latest.")
    attempts: int | None = Field(default=None, description="`concurrency-conflict`.")
    correlation_id: str | None = Field(default=None, description="`internal-error`.")


PROBLEM: dict[str, Any] = {"model": Problem}
"""How routes document a problem answer; services/http/openapi.py files it under
``application/problem+json``, the media type every refusal is sent with."""


class RecordedEventView(View):
    version: int
    type: str


class CommandOutcome(View):
    pathway_id: UUID
    version: int = Field(description="The pathway's version after the command (its ETag).")
    events: list[RecordedEventView]
    replayed: bool = Field(description="True when this answers a retry of the same request.")
    log_position: int = Field(ge=0, description=(
        "Where the ordered log stood once the events were stored: pass it as `min_position`"
        " to a read-model query (e.g. `GET /pathways`) to read your own writes."))

    @classmethod
    def of(cls, result: CommandResult) -> CommandOutcome:
        return cls(pathway_id=result.pathway_id, version=result.version, replayed=result.replayed,
                   events=[RecordedEventView(version=e.version, type=e.type)
                           for e in result.events], log_position=result.log_position)


class ProtocolRef(View):
    id: str
    version: int


class ContractView(View):
    sessions: int
    frequency: str
    session_minutes: int
    start_date: date
    course_window_weeks: int
    foci: list[str]


class FocusView(View):
    primary: str
    secondary: str | None
    patient_agreed: bool


class SafetyFlagView(View):
    id: int
    tier: str
    acknowledged: bool
    assessed: bool


class MaintenanceView(View):
    frequency: str
    sessions: int
    start_date: date
    sessions_held: int


class PathwayView(View):
    id: UUID
    version: int
    protocol: ProtocolRef
    phase: str
    therapist_id: str
    client_ref: str
    opened_at: datetime
    sessions_held: int = Field(description="Acute sessions held.")
    sessions_left: int | None = Field(
        description="Contracted sessions left (of the maintenance contract once in maintenance);"
                    " null before a contract.")
    contract: ContractView | None
    focus: FocusView | None
    open_safety_flags: list[SafetyFlagView]
    outreach_due: bool
    outcome: str | None
    next_step: str | None
    maintenance: MaintenanceView | None
    recurrence_suspected: bool
    closed_reason: str | None
    deviations: dict[str, int] = Field(description="Recorded deviations, counted by rule id.")

    @classmethod
    def of(cls, pathway: Pathway) -> PathwayView:
        s = pathway.state
        contract = None if s.contract is None else ContractView(
            sessions=s.contract.sessions, frequency=s.contract.frequency,
            session_minutes=s.contract.session_minutes, start_date=s.contract.start_date,
            course_window_weeks=s.contract.course_window_weeks, foci=list(s.contract.foci))
        focus = None if s.focus is None else FocusView(
            primary=s.focus.primary, secondary=s.focus.secondary,
            patient_agreed=s.focus.patient_agreed)
        maintenance = None if s.maintenance is None else MaintenanceView(
            frequency=s.maintenance.frequency, sessions=s.maintenance.sessions,
            start_date=s.maintenance.start_date, sessions_held=len(s.maintenance_sessions))
        return cls(
            id=pathway.id, version=pathway.version,
            protocol=ProtocolRef(id=s.protocol_id, version=s.protocol_version), phase=s.phase,
            therapist_id=s.therapist_id, client_ref=s.client_ref, opened_at=s.opened_at,
            sessions_held=s.sessions_held, sessions_left=s.sessions_left, contract=contract,
            focus=focus, maintenance=maintenance,
            open_safety_flags=[SafetyFlagView(id=f.id, tier=f.tier, acknowledged=f.acknowledged,
                                              assessed=f.assessed) for f in s.open_flags],
            outreach_due=s.outreach_due, outcome=s.outcome, next_step=s.next_step,
            recurrence_suspected=s.recurrence_suspected, closed_reason=s.closed_reason,
            deviations=dict(sorted(Counter(rule for rule, _ in s.deviations).items())),
        )


class PathwaySummary(View):
    """One pathway's row in the ``pathways`` read model (no replay: one table)."""

    id: UUID
    position: int = Field(description="Where it was opened in the event log: the list's order"
                                      " and its cursor.")
    protocol: ProtocolRef
    format: Format
    therapist_id: str
    phase: Phase
    version: int
    sessions_held: int = Field(description="Acute sessions held.")
    sessions_left: int | None = Field(
        description="Contracted sessions left (of the maintenance contract once in maintenance);"
                    " null before a contract.")
    open_flags: int = Field(description="Safety flags not yet resolved.")
    urgent_open_flags: int
    outreach_due: bool
    outcome: Outcome | None
    next_step: NextStep | None
    referral_date: date
    opened_at: datetime = Field(description="Clinical time.")
    first_session_at: datetime | None = Field(description="Clinical time.")
    contract_signed_at: datetime | None = Field(description="Clinical time.")
    last_activity_at: datetime = Field(description="Clinical time of its latest event.")
    last_recorded_at: datetime = Field(description="Server time of its latest event.")
    closed_reason: CloseReason | None

    @classmethod
    def of(cls, row: PathwayRow) -> PathwaySummary:
        return cls(
            id=row.id, position=row.opened_position,
            protocol=ProtocolRef(id=row.protocol, version=row.protocol_version),
            format=cast(Format, row.format), therapist_id=row.therapist,
            phase=cast(Phase, row.phase), version=row.version, sessions_held=row.sessions_held,
            sessions_left=row.sessions_left, open_flags=row.open_flags,
            urgent_open_flags=row.urgent_open_flags, outreach_due=row.outreach_due,
            outcome=cast(Outcome | None, row.outcome),
            next_step=cast(NextStep | None, row.next_step), referral_date=row.referral_date,
            opened_at=row.opened_at, first_session_at=row.first_session_at,
            contract_signed_at=row.contract_signed_at, last_activity_at=row.last_clinical_at,
            last_recorded_at=row.last_recorded_at,
            closed_reason=cast(CloseReason | None, row.closed_reason))


# A page of a read model's list, paged by log position (``GET /pathways``, ``GET /groups``).
# No docstring: a subclass's own (or none) is its schema's description.
class ReadModelPage(View, Generic[ItemT]):
    items: list[ItemT]
    next_after: int | None = Field(
        description="`after` of the next page (the last item's `position`); null on the last"
                    " page. Keep the same filters from page to page.")
    log_position: int = Field(
        description="The read model includes every event up to at least this log position"
                    " (0 while it is still being built).")


class PathwayList(ReadModelPage[PathwaySummary]):
    pass


class HistoryEvent(View):
    version: int
    type: str
    occurred_at: datetime = Field(description="Clinical time, given by the caller.")
    recorded_at: datetime = Field(description="Server time when it was recorded.")
    actor_id: str
    actor_role: str
    correlation_id: str
    idempotency_key: str
    protocol: str
    rules_checked: list[str] = Field(description=(
        "The rule ids the command was checked against when it was decided (empty for events"
        " recorded before the service kept them)."))
    data: dict[str, Any] = Field(description="The event's own fields.")

    @classmethod
    def of(cls, event: PathwayEvent | GroupEvent) -> HistoryEvent:
        meta = event.meta
        return cls(version=event.originator_version, type=type(event).__name__,
                   occurred_at=event.occurred_at, recorded_at=event.timestamp,
                   actor_id=meta.actor_id, actor_role=meta.actor_role,
                   correlation_id=meta.correlation_id, idempotency_key=meta.idempotency_key,
                   protocol=meta.protocol, rules_checked=list(meta.rules_checked),
                   data=event_data(event))


class HistoryPage(View):
    pathway_id: UUID
    events: list[HistoryEvent]
    next_after: int | None = Field(description="`after` of the next page; null on the last.")


@cache
def _adapter(event_class: type[PathwayEvent | GroupEvent]) -> TypeAdapter[Any]:
    return TypeAdapter(event_class)


def event_data(event: PathwayEvent | GroupEvent) -> dict[str, Any]:
    dumped: dict[str, Any] = _adapter(type(event)).dump_python(event, mode="json")
    return {name: value for name, value in dumped.items() if name not in _ENVELOPE}
