"""A by-the-book group IPT course, written as the commands a clinic sends: pure, no I/O.

The group's commands (form, enrol, a session a week, close) and each member's own (consent, a
baseline, the pre-group meeting with the assessment, the contract on the group's N, a measure
every few sessions, the mid-group and post-group meetings, completion) share one clinical
clock, so the member's meetings fall in their place between the group's sessions. The
aggregates still decide every rule when the commands run; tests, the benchmark and the demo
drive it through the domain or the application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.group import commands as g
from domain.pathway import commands as c
from domain.protocols import acute_protocol
from domain.values import Channel, ProblemArea, Relationship
from domain.vocabulary import GroupOutcome
from services.courses import INVENTORY, PHQ9_MODERATE, PHQ9_PARTIAL, PHQ9_REMISSION, CourseWriter

MEASURE_EVERY = 3
"""Group sessions between a member's measures (IPT-15 asks at least every 4)."""


@dataclass
class MemberCourse:
    """One member's own commands: a course writer with the meetings counted."""

    writer: CourseWriter
    meetings: int = 0

    @property
    def commands(self) -> list[c.Command]:
        return self.writer.commands

    def take(self) -> list[c.Command]:
        """The commands written since the last take."""
        taken, self.writer.commands = self.writer.commands, []
        return taken

    def opening(self) -> tuple[c.OpenPathway, list[c.Command]]:
        """The pathway's opening and the commands written after it (both taken)."""
        opening, *rest = self.take()
        if not isinstance(opening, c.OpenPathway):
            msg = "a member's course starts with its opening"
            raise TypeError(msg)
        return opening, rest

    def meeting(self, kind: str, at: datetime, **fields: Any) -> MemberCourse:
        self.meetings += 1
        self.writer.at = at
        self.writer.do(c.HoldSession, number=self.meetings, kind=kind, minutes=50,
                       channel=self.writer.channel, **fields)
        return self

    def measure(self, at: datetime, items: tuple[int, ...] = PHQ9_PARTIAL) -> MemberCourse:
        self.writer.at = at
        self.writer.measure(items)
        return self


@dataclass
class GroupCourse:
    """The group's commands and the clock its members' commands share."""

    at: datetime
    sessions: int = 8
    capacity: int = 9
    leaders: tuple[str, ...] = ("t-lead",)
    minutes: int = 90
    channel: Channel = "in_person"
    themes: tuple[ProblemArea, ...] = ("role_dispute", "role_transition")
    held: int = 0
    discussed: bool = False
    commands: list[c.Command] = field(default_factory=list)

    def later(self, days: float = 7) -> GroupCourse:
        self.at += timedelta(days=days)
        return self

    def soon(self, minutes: int = 5) -> datetime:
        return self.at + timedelta(minutes=minutes)

    @property
    def ending_start(self) -> int:
        return acute_protocol("ipt-g").ending_starts_at(self.sessions)

    # ----- the group ----------------------------------------------------------------------

    def formed(self) -> g.FormGroup:
        return g.FormGroup(occurred_at=self.at, leaders=self.leaders, sessions=self.sessions,
                           session_minutes=self.minutes, capacity=self.capacity,
                           start_date=self.at.date())

    def enrolment(self, pathway_id: UUID) -> g.EnrolMember:
        return g.EnrolMember(occurred_at=self.at, pathway_id=pathway_id)

    def session(self, members: Sequence[UUID], *,
                absent: Mapping[UUID, g.Absence | None] = {},
                days: float = 7, **fields: Any) -> g.HoldGroupSession:
        """The next weekly session; the ending is discussed at the first session of the ending
        window. ``absent`` maps a member to why (None: no show)."""
        self.later(days)
        number = self.held + 1
        discuss = not self.discussed and number == self.ending_start
        attendance = tuple(
            g.Attendance(pathway_id=member, present=member not in absent,
                         absence=absent.get(member)) for member in members)
        session = g.HoldGroupSession(**{
            "occurred_at": self.at, "number": number, "minutes": self.minutes,
            "channel": self.channel, "attendance": attendance, "themes": self.themes,
            "ending_discussed": discuss, **fields})
        self.held, self.discussed = number, self.discussed or session.ending_discussed
        return session

    def closed(self, outcome: GroupOutcome = "completed", reason: str | None = None
               ) -> g.CloseGroup:
        return g.CloseGroup(occurred_at=self.soon(120), outcome=outcome, reason=reason)

    # ----- a member -----------------------------------------------------------------------

    def member(self, client_ref: str, *, focus: ProblemArea = "role_dispute", age: int = 34,
               therapist_id: str = "t-lead", channel: Channel = "in_person",
               referral_date: date | None = None, sessions: int | None = None,
               pre_group: bool = True) -> MemberCourse:
        """A new member's pathway up to a signed contract on the group's N (or ``sessions``):
        opened, consent, a baseline, the pre-group meeting (unless not ``pre_group``) with the
        assessment, the formulation and the focus."""
        writer = CourseWriter(protocol=acute_protocol("ipt-g"), at=self.at - timedelta(days=3),
                              contract_sessions=sessions or self.sessions, channel=channel)
        writer.do(c.OpenPathway, client_ref=client_ref, client_age=age,
                  therapist_id=therapist_id, protocol="ipt-g", format="group", channel=channel,
                  referral_date=referral_date or (self.at - timedelta(days=10)).date())
        writer.consented().measure(PHQ9_MODERATE)
        member = MemberCourse(writer)
        if pre_group:
            member.meeting("pre_group", writer.at + timedelta(hours=1))
        writer.at += timedelta(hours=2)
        writer.do(c.RecordDiagnosis, icd10="F32.1", severity="moderate")
        writer.do(c.AssignSickRole)
        writer.do(c.AssessMedicationNeed, outcome="not_indicated")
        writer.do(c.RecordInventory, relationships=_inventory(focus))
        writer.do(c.ShareFormulation, problem_area=focus, formulation_ref="doc/formulation-g")
        writer.do(c.ChooseFocus, primary=focus, rationale_ref="doc/rationale-g",
                  patient_agreed=True)
        writer.foci = (focus,)
        writer.signed({"client": client_ref, "therapist": therapist_id},
                      start_date=self.at.date())
        return member

    def between_sessions(self, member: MemberCourse) -> MemberCourse:
        """What a member does after the session just held: a measure every few sessions, the
        mid-group meeting after session N/2, and after the final session a last measure, the
        post-group meeting and completion."""
        number = self.held
        if number == self.sessions:
            member.measure(self.soon(10), PHQ9_REMISSION)
            member.meeting("post_group", self.soon(30))
            member.writer.completed("maintenance", minutes=35)
            return member
        if number % MEASURE_EVERY == 0:
            member.measure(self.soon(10))
        if number == self.sessions // 2:
            member.meeting("mid_group", self.soon(60))
        return member


def _inventory(focus: ProblemArea) -> tuple[Relationship, ...]:
    """The usual inventory; for a role transition, one that shows a change of role."""
    if focus != "role_transition":
        return INVENTORY
    work = Relationship(alias="work", relation="colleague", closeness=2, quality="distant",
                        recent_change="role_change", candidate_areas=("role_transition",))
    return (*INVENTORY, work)
