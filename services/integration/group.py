"""The group's integration events: one per catalogue event (``domain/group/events.py``).

A group's events carry codes, ids and numbers as a pathway's do: the protocol, the leaders'
user ids (clinicians', like a pathway's ``therapist_id``), members named by the ids of their
ipt-g pathways (the ``subject`` of those pathways' own events), attendance and themes as codes.
What each leaves out of the stored event, and why:
- the reason a group closed early (free text; ``outcome`` says whether it completed);
- the command's metadata (actor, idempotency key): the envelope carries the correlation id.
No group event has a field marked PHI (``domain/phi.py``): a group holds no client reference.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.group import events as e
from domain.values import Channel
from domain.vocabulary import GroupOutcome, LeaveReason, MissKind, ProblemArea
from services.integration.codes import AggregateId, Positive, ProtocolId, StaffId
from services.integration.event import IntegrationEvent


class GroupIntegrationEvent(IntegrationEvent, frozen=True):
    """A group's event: ``org.carepath.group.<Name>.v<major>``, its subject the group's id."""

    aggregate = "group"


class GroupFormed(GroupIntegrationEvent, frozen=True):
    """A group IPT course was formed: its protocol and version, its leaders, the planned
    sessions and their length, its capacity and its start date."""

    publishes = e.GroupFormed
    protocol_id: ProtocolId
    protocol_version: Positive
    leaders: tuple[StaffId, ...]
    """The clinicians who lead it (their user ids)."""
    sessions: Positive
    session_minutes: Positive
    capacity: Positive
    start_date: date


class MemberEnrolled(GroupIntegrationEvent, frozen=True):
    """A member joined the group: the id of their ipt-g pathway (IPT-19, IPT-31, IPT-33)."""

    publishes = e.MemberEnrolled
    pathway_id: AggregateId


class MemberLeft(GroupIntegrationEvent, frozen=True):
    """A member left the group, and why (a code)."""

    publishes = e.MemberLeft
    pathway_id: AggregateId
    reason: LeaveReason


class Attendance(BaseModel, frozen=True, extra="forbid", from_attributes=True):
    """One member at a group session: present, or absent and why (``safety_hold``: a safety
    flag kept the member out, IPT-17). Its fields are in the stored JSON's (sorted) order, so
    the feed's fast path copies the stored attendance as it is."""

    absence: MissKind | None
    pathway_id: AggregateId
    present: bool


class GroupSessionHeld(GroupIntegrationEvent, frozen=True):
    """A group session was held: its number, minutes, channel, who attended, the problem
    areas it worked on, and whether the ending was discussed. Each member's pathway records
    its own part in the same transaction (``SessionHeld`` kind ``group``, or
    ``SessionMissed``): the log holds them together, in one unbroken run of positions."""

    publishes = e.GroupSessionHeld
    number: Positive
    minutes: Positive
    channel: Channel
    attendance: tuple[Attendance, ...]
    themes: tuple[ProblemArea, ...]
    ending_discussed: bool


class GroupClosed(GroupIntegrationEvent, frozen=True):
    """The group closed: completed, or ended early (the reason stays in the clinical
    record)."""

    publishes = e.GroupClosed
    outcome: GroupOutcome


GROUP_EVENTS: tuple[type[IntegrationEvent], ...] = (
    GroupFormed, MemberEnrolled, MemberLeft, GroupSessionHeld, GroupClosed)
