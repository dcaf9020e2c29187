"""The group's command catalogue: form, enrol, leave, hold a session, close.

Like the pathway's, each command is an immutable validated value with its clinical time
(``occurred_at``); a member is named by the id of their ipt-g pathway.
"""

from __future__ import annotations

from typing import Literal, Self
from uuid import UUID

from pydantic import Field, JsonValue, model_validator

from domain.pathway.commands import Command, Reason
from domain.protocols import ACUTE_PROTOCOLS
from domain.times import ClinicalDate
from domain.values import Channel, ProblemArea, Reference, ShortText, Value
from domain.vocabulary import GroupOutcome, LeaveReason

_GROUP_PROTOCOLS: list[JsonValue] = [*sorted(
    {p.id for p in ACUTE_PROTOCOLS.values() if p.is_group and p.available})]
MAX_MEMBERS = 30
"""More than any protocol's capacity: a bound on a request, not a clinical number."""

Absence = Literal["no_show", "late_cancellation", "cancelled_by_therapist"]


class FormGroup(Command):
    leaders: tuple[ShortText, ...] = Field(min_length=1, max_length=2,
                                           description="The therapists who lead it (1-2).")
    protocol: ShortText = Field(default="ipt-g", json_schema_extra={"enum": _GROUP_PROTOCOLS},
                                description="A group protocol.")
    protocol_version: int | None = Field(default=None, ge=1, description=(
        "The protocol's version; its current one when absent."))
    sessions: int = Field(ge=1, le=60, description="Planned group sessions N (ipt-g: 8-20).")
    session_minutes: int = Field(ge=15, le=240)
    capacity: int = Field(ge=1, le=MAX_MEMBERS, description=(
        "The most members it holds, within the protocol's group size (ipt-g: 6-9)."))
    start_date: ClinicalDate


class EnrolMember(Command):
    pathway_id: UUID = Field(description="The member's ipt-g pathway.")


class RecordMemberLeft(Command):
    pathway_id: UUID
    reason: LeaveReason


class Attendance(Value):
    """One member at one group session: present, or absent and why."""

    pathway_id: UUID
    present: bool
    absence: Absence | None = Field(default=None, description=(
        "Why an absent member was absent (no_show when not given); none when present. A member"
        " under a safety hold (IPT-17) is recorded absent with `safety_hold` by the service."))

    @model_validator(mode="after")
    def _absence_only_when_absent(self) -> Self:
        if self.present and self.absence is not None:
            msg = "a present member has no absence"
            raise ValueError(msg)
        return self


class HoldGroupSession(Command):
    number: int = Field(ge=1, le=200, description="The group's session number.")
    minutes: int = Field(ge=1, le=240)
    channel: Channel = "in_person"
    attendance: tuple[Attendance, ...] = Field(min_length=1, max_length=MAX_MEMBERS,
                                               description="Every current member, once.")
    themes: tuple[ProblemArea, ...] = Field(default=(), max_length=5, description=(
        "The problem areas the session worked on: a present member's session addresses their"
        " focus when it is among them (IPT-14)."))
    ending_discussed: bool = Field(default=False, description=(
        "The group's ending was discussed at this session (IPT-23: by the first session of the"
        " ending window); present members' pathways record it."))
    reason: Reason | None = None


class CloseGroup(Command):
    outcome: GroupOutcome
    reason: Reference | None = Field(default=None, description="Why it ended early.")


GROUP_COMMANDS: tuple[type[Command], ...] = (FormGroup, EnrolMember, RecordMemberLeft,
                                              HoldGroupSession, CloseGroup)
