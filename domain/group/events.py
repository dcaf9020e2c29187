"""The group's event catalogue (domain.md 4b), one group stream each.

Every event has a fixed topic (``carepath:<Name>``), carries ``occurred_at`` (clinical time),
``timestamp`` (recorded time) and the same ``meta`` as a pathway's events (actor, role,
correlation id, idempotency key, protocol, rules checked). ``evolve`` is the apply logic: it
runs again on every replay, so it is deterministic.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from domain.group.state import GroupSessionEntry, GroupState, Member
from domain.pathway.events import EventMeta
from domain.pathway.state import remember_command
from domain.values import Channel, Value
from domain.vocabulary import NO_SHOW, GroupOutcome, LeaveReason, MissKind, ProblemArea


class AttendanceRecord(Value):
    """One member at a group session as recorded: present, or absent and why."""

    pathway_id: UUID
    present: bool
    absence: MissKind | None


class GroupEvent(Aggregate.Event):
    TOPIC = "carepath:GroupEvent"
    occurred_at: datetime
    meta: EventMeta

    def apply(self, aggregate: Any) -> None:
        state = aggregate.state
        self.evolve(state)
        meta = self.meta
        remember_command(state.commands, meta.actor_id, meta.idempotency_key,
                         meta.request_digest, self.originator_version)

    def evolve(self, state: GroupState) -> None:
        """Change the state; the default records nothing but the command."""


class GroupFormed(GroupEvent, Aggregate.Created):
    TOPIC = "carepath:GroupFormed"
    protocol_id: str
    protocol_version: int
    leaders: tuple[str, ...]
    sessions: int
    session_minutes: int
    capacity: int
    start_date: date

    def apply(self, aggregate: Any) -> None:
        aggregate.state = GroupState(
            protocol_id=self.protocol_id, protocol_version=self.protocol_version,
            leaders=self.leaders, sessions_planned=self.sessions,
            session_minutes=self.session_minutes, capacity=self.capacity,
            start_date=self.start_date, formed_at=self.occurred_at)
        super().apply(aggregate)


class MemberEnrolled(GroupEvent):
    TOPIC = "carepath:MemberEnrolled"
    pathway_id: UUID

    def evolve(self, state: GroupState) -> None:
        state.members.pop(self.pathway_id, None)  # enrolled again: the latest enrolment
        state.members[self.pathway_id] = Member(self.pathway_id, self.occurred_at,
                                                state.sessions_held)


class MemberLeft(GroupEvent):
    TOPIC = "carepath:MemberLeft"
    pathway_id: UUID
    reason: LeaveReason

    def evolve(self, state: GroupState) -> None:
        state.members[self.pathway_id].left_reason = self.reason


class GroupSessionHeld(GroupEvent):
    TOPIC = "carepath:GroupSessionHeld"
    number: int
    minutes: int
    channel: Channel
    attendance: tuple[AttendanceRecord, ...]
    themes: tuple[ProblemArea, ...]
    ending_discussed: bool

    def evolve(self, state: GroupState) -> None:
        state.sessions.append(GroupSessionEntry(
            self.number, self.occurred_at,
            tuple(a.pathway_id for a in self.attendance if a.present),
            tuple((a.pathway_id, a.absence or NO_SHOW) for a in self.attendance
                  if not a.present)))
        if self.ending_discussed and state.ending_discussed_at is None:
            state.ending_discussed_at = self.number


class GroupClosed(GroupEvent):
    TOPIC = "carepath:GroupClosed"
    outcome: GroupOutcome
    reason: str | None

    def evolve(self, state: GroupState) -> None:
        state.closed_outcome, state.closed_reason = self.outcome, self.reason


CATALOGUE: tuple[type[GroupEvent], ...] = (
    GroupFormed, MemberEnrolled, MemberLeft, GroupSessionHeld, GroupClosed)

_TOPICS: tuple[type[GroupEvent], ...] = (GroupEvent, *CATALOGUE)
for _event_class in _TOPICS:
    register_topic(_event_class.TOPIC, _event_class)
