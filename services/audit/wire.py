"""The audit's wire form: histories, states as of a version or a time, steps, as JSON.

Shared by both edges: the HTTP endpoints answer these models, and the CLI's ``--json`` prints
the same documents, so a script can move between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # the trail exports through these models: no import cycle at run time
    from services.audit.document import Change
    from services.audit.entries import Entry
    from services.audit.timeline import NotApplied
    from services.audit.trail import AsOf, HistoryPage, Step, StepsPage


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeviationView(View):
    rule: str = Field(description="The soft rule overridden (`IPT-xx`).")
    sentence: str
    reason: str = Field(description="The reason given with the command.")


class GroupSessionLink(View):
    """Where a member's session event came from: the group session that recorded it."""

    group_id: UUID
    number: int = Field(description="The group session's number.")
    history: str = Field(description="The group's audit history, from this session on.")

    @classmethod
    def of(cls, group_id: UUID, number: int) -> GroupSessionLink:
        return cls(group_id=group_id, number=number,
                   history=f"/audit/groups/{group_id}/history")


class AuditEvent(View):
    version: int
    type: str
    occurred_at: datetime = Field(description="Clinical time, given by the caller.")
    recorded_at: datetime = Field(description="Server time when it was stored.")
    back_dated: bool = Field(description="Recorded more than 24 hours after it occurred.")
    actor_id: str
    actor_role: str
    correlation_id: str
    idempotency_key: str
    protocol: str = Field(description="The protocol and version in force: `ipt@1`.")
    rules_checked: list[str] = Field(description=(
        "The rule ids the command was checked against when it was decided (empty for events"
        " stored before the service recorded them)."))
    deviation: DeviationView | None = Field(description="For `DeviationRecorded`.")
    group_session: GroupSessionLink | None = Field(default=None, description=(
        "A group member's `SessionHeld` or `SessionMissed`: the group session that recorded"
        " it, in the same transaction as the group's `GroupSessionHeld`."))
    data: dict[str, Any] = Field(description="The event's own fields.")

    @classmethod
    def of(cls, entry: Entry) -> AuditEvent:
        deviation = entry.deviation
        session = entry.group_session
        return cls(version=entry.version, type=entry.type, occurred_at=entry.occurred_at,
                   recorded_at=entry.recorded_at, back_dated=entry.back_dated,
                   actor_id=entry.actor_id, actor_role=entry.actor_role,
                   correlation_id=entry.correlation_id, idempotency_key=entry.idempotency_key,
                   protocol=entry.protocol, rules_checked=list(entry.rules_checked),
                   deviation=None if deviation is None else DeviationView(
                       rule=deviation.rule, sentence=deviation.sentence,
                       reason=deviation.reason),
                   group_session=None if session is None else GroupSessionLink.of(*session),
                   data=entry.data)


class AuditHistory(View):
    pathway_id: UUID
    latest_version: int
    events: list[AuditEvent]
    next_after: int | None = Field(description="`after` of the next page; null on the last.")

    @classmethod
    def of(cls, page: HistoryPage) -> AuditHistory:
        return cls(pathway_id=page.pathway_id, latest_version=page.latest_version,
                   events=[AuditEvent.of(entry) for entry in page.entries],
                   next_after=page.next_after)


class AuditGroupHistory(View):
    group_id: UUID
    latest_version: int
    events: list[AuditEvent]
    next_after: int | None = Field(description="`after` of the next page; null on the last.")

    @classmethod
    def of(cls, page: HistoryPage) -> AuditGroupHistory:
        return cls(group_id=page.pathway_id, latest_version=page.latest_version,
                   events=[AuditEvent.of(entry) for entry in page.entries],
                   next_after=page.next_after)


class NotAppliedView(View):
    version: int
    type: str
    reason: str

    @classmethod
    def of(cls, skipped: NotApplied) -> NotAppliedView:
        return cls(version=skipped.version, type=skipped.type, reason=skipped.reason)


class _AsOfFields(View):
    axis: Literal["version", "recorded", "clinical"] = Field(description=(
        "`version`: the events up to a version; `recorded`: the record as it stood at"
        " `at` (events recorded by then); `clinical`: as the clinic understood it at clinical"
        " time `at`: the events that occurred by then, of those recorded by `known_at`"
        " (default: now), applied in recorded order."))
    at: datetime | None
    known_at: datetime | None
    version: int = Field(description="The last version included.")
    latest_version: int
    included: list[int] = Field(description="The versions folded into the state.")
    left_out: list[int] = Field(description=(
        "Clinical axis: versions recorded before the last included one that occurred after"
        " `at`."))
    not_applied: list[NotAppliedView] = Field(description=(
        "Clinical axis: events that occurred by `at` but depend on one that had not."))
    state: dict[str, Any]

    @staticmethod
    def fields_of(as_of: AsOf) -> dict[str, Any]:
        return {"axis": as_of.axis, "at": as_of.at, "known_at": as_of.known_at,
                "version": as_of.version, "latest_version": as_of.latest_version,
                "included": list(as_of.included), "left_out": list(as_of.left_out),
                "not_applied": [NotAppliedView.of(n) for n in as_of.not_applied],
                "state": as_of.state}


class AsOfView(_AsOfFields):
    pathway_id: UUID

    @classmethod
    def of(cls, as_of: AsOf) -> AsOfView:
        return cls(pathway_id=as_of.pathway_id, **cls.fields_of(as_of))


class GroupAsOfView(_AsOfFields):
    group_id: UUID

    @classmethod
    def of(cls, as_of: AsOf) -> GroupAsOfView:
        return cls(group_id=as_of.pathway_id, **cls.fields_of(as_of))


class ChangeView(View):
    path: str = Field(description="`diagnosis`, `contract.sessions`, `sessions[3]`...")
    kind: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None

    @classmethod
    def of(cls, change: Change) -> ChangeView:
        return cls(path=change.path, kind=change.kind, before=change.before,
                   after=change.after)


class StepView(View):
    event: AuditEvent
    changes: list[ChangeView] = Field(description="What the event changed in the state.")
    state: dict[str, Any] = Field(description="The state just after the event.")

    @classmethod
    def of(cls, step: Step) -> StepView:
        return cls(event=AuditEvent.of(step.entry),
                   changes=[ChangeView.of(change) for change in step.changes],
                   state=step.state)


class AuditSteps(View):
    pathway_id: UUID
    latest_version: int
    steps: list[StepView]
    next_after: int | None = Field(description="`after` of the next page; null on the last.")

    @classmethod
    def of(cls, page: StepsPage) -> AuditSteps:
        return cls(pathway_id=page.pathway_id, latest_version=page.latest_version,
                   steps=[StepView.of(step) for step in page.steps], next_after=page.next_after)
