"""The group's state as its events left it, and what follows from it (members, sessions held).

Nothing here is set by a caller: events evolve it, and everything else is derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.pathway.state import CommandRecord
from domain.protocols import Protocol, acute_protocol
from domain.vocabulary import GroupOutcome, LeaveReason, MissKind


@dataclass
class Member:
    pathway_id: UUID
    enrolled_at: datetime
    enrolled_after_session: int
    """How many group sessions the group had held when the member enrolled."""
    left_reason: LeaveReason | None = None


@dataclass(frozen=True)
class GroupSessionEntry:
    number: int
    occurred_at: datetime
    present: tuple[UUID, ...]
    absent: tuple[tuple[UUID, MissKind], ...]
    """(member, why) for each absent member."""


@dataclass
class GroupState:
    protocol_id: str
    protocol_version: int
    leaders: tuple[str, ...]
    sessions_planned: int
    session_minutes: int
    capacity: int
    start_date: date
    formed_at: datetime
    members: dict[UUID, Member] = field(default_factory=dict)
    """Every member ever enrolled, in enrolment order (one entry each, the latest enrolment)."""
    sessions: list[GroupSessionEntry] = field(default_factory=list)
    ending_discussed_at: int | None = None
    closed_outcome: GroupOutcome | None = None
    closed_reason: str | None = None
    commands: dict[str, CommandRecord] = field(default_factory=dict)

    @property
    def protocol(self) -> Protocol:
        return acute_protocol(self.protocol_id, self.protocol_version)

    @property
    def active_members(self) -> list[UUID]:
        """The members enrolled now (not left), in enrolment order."""
        return [m.pathway_id for m in self.members.values() if m.left_reason is None]

    @property
    def sessions_held(self) -> int:
        return len(self.sessions)

    @property
    def closed(self) -> bool:
        return self.closed_outcome is not None

    @property
    def ending_starts_at(self) -> int:
        """The first group session of the ending window (ipt-g: the last 5)."""
        return self.protocol.ending_starts_at(self.sessions_planned)
