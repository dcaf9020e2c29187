"""What the API shows of a group and of a group command's answer. Domain objects stay inside."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from domain.group.aggregate import Group
from domain.group.events import GroupEvent
from domain.vocabulary import GroupOutcome, LeaveReason, MissKind
from services.groups import GroupResult
from services.http.views import HistoryEvent, ProtocolRef, RecordedEventView, View


class MemberOutcome(View):
    pathway_id: UUID
    version: int = Field(description="The member's pathway version after the command.")
    events: list[RecordedEventView]


class AttendanceView(View):
    pathway_id: UUID
    present: bool
    absence: MissKind | None = Field(description=(
        "Why an absent member was absent; `safety_hold` when an open safety flag without"
        " acknowledgement and assessment kept them out (IPT-17)."))


class GroupOutcomeView(View):
    group_id: UUID
    version: int = Field(description="The group's version after the command (its ETag).")
    events: list[RecordedEventView]
    members: list[MemberOutcome] = Field(description=(
        "A group session: what it recorded on each member's pathway, in the same transaction."))
    attendance: list[AttendanceView] = Field(description="A group session: who attended.")
    replayed: bool = Field(description="True when this answers a retry of the same request.")
    log_position: int = Field(ge=0, description=(
        "Where the ordered log stood once the events were stored (read-your-writes)."))

    @classmethod
    def of(cls, result: GroupResult) -> GroupOutcomeView:
        return cls(
            group_id=result.group_id, version=result.version, replayed=result.replayed,
            log_position=result.log_position,
            events=[RecordedEventView(version=e.version, type=e.type) for e in result.events],
            members=[MemberOutcome(pathway_id=m.pathway_id, version=m.version, events=[
                RecordedEventView(version=e.version, type=e.type) for e in m.events])
                for m in result.members],
            attendance=[AttendanceView(pathway_id=a.pathway_id, present=a.present,
                                       absence=a.absence) for a in result.attendance])


class MemberView(View):
    pathway_id: UUID
    enrolled_at: datetime = Field(description="Clinical time of the (latest) enrolment.")
    enrolled_after_session: int = Field(description="Group sessions held before it.")
    left_reason: LeaveReason | None = Field(description="Why the member left (null: a member).")


class AbsenceView(View):
    pathway_id: UUID
    absence: MissKind


class GroupSessionView(View):
    number: int
    held_at: datetime = Field(description="Clinical time.")
    present: list[UUID]
    absent: list[AbsenceView]


class GroupView(View):
    id: UUID
    version: int
    protocol: ProtocolRef
    leaders: list[str]
    sessions_planned: int
    session_minutes: int
    capacity: int
    start_date: date
    formed_at: datetime = Field(description="Clinical time.")
    members: list[MemberView] = Field(description="Everyone ever enrolled, in enrolment order.")
    sessions_held: int
    sessions: list[GroupSessionView]
    ending_discussed_at: int | None = Field(description=(
        "The group session at which the ending was discussed (IPT-23)."))
    closed_outcome: GroupOutcome | None
    closed_reason: str | None

    @classmethod
    def of(cls, group: Group) -> GroupView:
        s = group.state
        return cls(
            id=group.id, version=group.version,
            protocol=ProtocolRef(id=s.protocol_id, version=s.protocol_version),
            leaders=list(s.leaders), sessions_planned=s.sessions_planned,
            session_minutes=s.session_minutes, capacity=s.capacity, start_date=s.start_date,
            formed_at=s.formed_at, sessions_held=s.sessions_held,
            members=[MemberView(pathway_id=m.pathway_id, enrolled_at=m.enrolled_at,
                                enrolled_after_session=m.enrolled_after_session,
                                left_reason=m.left_reason)
                     for m in s.members.values()],
            sessions=[GroupSessionView(
                number=entry.number, held_at=entry.occurred_at, present=list(entry.present),
                absent=[AbsenceView(pathway_id=pid, absence=why)
                        for pid, why in entry.absent]) for entry in s.sessions],
            ending_discussed_at=s.ending_discussed_at,
            closed_outcome=s.closed_outcome,
            closed_reason=s.closed_reason)


class GroupHistoryPage(View):
    group_id: UUID
    events: list[HistoryEvent]
    next_after: int | None = Field(description="`after` of the next page; null on the last.")

    @classmethod
    def of(cls, group_id: UUID, events: list[GroupEvent], limit: int) -> GroupHistoryPage:
        next_after = events[-1].originator_version if len(events) == limit else None
        return cls(group_id=group_id, events=[HistoryEvent.of(e) for e in events],
                   next_after=next_after)
