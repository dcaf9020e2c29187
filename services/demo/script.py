"""A pathway's commands written on a relative clinical clock, then shifted to end before now.

A ``Script`` knows just enough of the course (session numbers, the contract, flags) to write
valid commands in a clinician's order; the aggregate still decides every rule when they run.
Plans start on a fixed Monday and are shifted by whole days, so dates and times move together
and the same seed always writes the same commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain import commands as c
from domain.measures import improvement
from domain.protocols import Protocol, acute_protocol
from domain.values import Channel
from services.demo.clinical import Course, phq9

ORIGIN = datetime(2000, 1, 3, tzinfo=UTC)
WEEK = timedelta(days=7)
REVIEW_REASON = "reviewed with supervisor: continuing as contracted, medication discussed"


@dataclass(frozen=True)
class Step:
    """One command of a plan, with its clinical times still relative to ``ORIGIN``."""

    command: type[c.Command]
    fields: Mapping[str, Any]

    def build(self, shift_days: int) -> c.Command:
        shift = timedelta(days=shift_days)
        return self.command(**{name: _shifted(value, shift) for name, value in
                               self.fields.items()})


def _shifted(value: Any, shift: timedelta) -> Any:
    if isinstance(value, date):  # datetimes too: both move by whole days
        return value + shift
    return value


@dataclass
class Script:
    """The plan of one pathway and the little state needed to keep writing it."""

    protocol: Protocol
    contract_sessions: int
    course: Course
    hour: int
    channel: Channel = "video"
    """How sessions are held (a video or phone session needs telehealth consent, IPT-32)."""
    steps: list[Step] = field(default_factory=list)
    at: datetime = ORIGIN
    held: int = 0
    contracted: bool = False
    foci: tuple[str, ...] = ()
    flags: int = 0
    discussed: bool = False
    maintenance_held: int | None = None
    idle_days: int = 0
    """Days between the last step and the anchor day (how long ago the last contact was)."""
    _first_session: datetime | None = None
    _last_total: int | None = None
    _reviewed: bool = False

    @classmethod
    def new(cls, protocol_id: str, *, sessions: int, course: Course, hour: int,
            channel: Channel = "video") -> Script:
        script = cls(acute_protocol(protocol_id), sessions, course, hour, channel)
        script.at = ORIGIN + timedelta(hours=hour)
        return script

    # ----- the clock and raw steps ----------------------------------------------------------

    def do(self, command: type[c.Command], **fields: Any) -> Script:
        fields.setdefault("occurred_at", self.at)
        self.steps.append(Step(command, fields))
        return self

    def later(self, days: float = 7, minutes: int = 0) -> Script:
        self.at += timedelta(days=days, minutes=minutes)
        return self

    @property
    def last_at(self) -> datetime:
        times: list[datetime] = [step.fields["occurred_at"] for step in self.steps]
        return max(times)

    # ----- clinical building blocks ---------------------------------------------------------

    def measure(self, total: int, item9: int = 0, *, minutes: int = 0) -> Script:
        """A PHQ-9; item 9 >= 1 makes the aggregate raise a safety flag (IPT-17)."""
        self.do(c.RecordMeasure, instrument="phq9", items=phq9(total, item9, self.flags + total),
                occurred_at=self.at + timedelta(minutes=minutes))
        self._last_total = total
        if item9:
            self.flags += 1
        return self

    def raise_flag(self, tier: str, source: str = "client_report") -> int:
        self.do(c.RaiseSafetyFlag, tier=tier, source=source)
        self.flags += 1
        return self.flags

    @property
    def ending_start(self) -> int:
        return self.protocol.ending_starts_at(self.contract_sessions)

    @property
    def phase_of_next(self) -> str:
        number = self.held + 1
        if not self.contracted:
            return "initial"
        return "termination" if number >= self.ending_start else "middle"

    def session(self, reason: str | None = None, **fields: Any) -> Script:
        """Hold the next acute or maintenance session at the current time."""
        fields.setdefault("channel", self.channel)
        if self.maintenance_held is not None:
            self.maintenance_held += 1
            return self.do(c.HoldSession, number=self.maintenance_held, minutes=50, **fields)
        number, phase = self.held + 1, self.phase_of_next
        fields.setdefault("minutes", 45 if self.protocol.parent_at_first_and_ending else 50)
        if phase != "initial":
            fields.setdefault("focus_addressed", self.foci[0])
            fields.setdefault("techniques", _TECHNIQUES[number % len(_TECHNIQUES)])
            fields.setdefault("homework_set", number % 2 == 0)
        else:
            fields.setdefault("techniques", ("non_directive_exploration", "direct_elicitation"))
        if self.protocol.parent_at_first_and_ending:
            fields.setdefault("parent_present", number == 1 or (
                self.contracted and number >= self.ending_start))
        reason = reason or self._review_reason(number)
        if reason:
            fields["reason"] = reason
        self.do(c.HoldSession, number=number, **fields)
        self.held += 1
        self._first_session = self._first_session or self.at
        return self

    def visit(self, days: float = 7, *, item9: int = 0, reason: str | None = None,
              **fields: Any) -> Script:
        """A weekly acute visit: ending talk when due, the session, then a PHQ-9."""
        self.later(days)
        number = self.held + 1
        if self.contracted and number == self.ending_start and not self.discussed:
            self.do(c.DiscussTermination, at_session=number)
            self.discussed = True
        self.session(reason, **fields)
        if (self.protocol.goodbye_letter_before_final and self.contracted
                and self.held == self.contract_sessions - 1):
            self.do(c.ShareGoodbyeLetter, letter_ref=f"doc/goodbye-letter-{self.hour}",
                    occurred_at=self.at + timedelta(minutes=55))
        return self.measure(self.course.after(self.held), item9, minutes=50)

    def miss(self, kind: str = "no_show", reason: str | None = None, days: float = 7) -> Script:
        self.later(days)
        notice = {"no_show": 0.0, "late_cancellation": 6.0, "cancelled_by_therapist": 72.0}
        extra = {"reason": reason} if reason else {}
        return self.do(c.RecordMissedSession, kind=kind, notice_hours=notice[kind], **extra)

    def _review_reason(self, number: int) -> str | None:
        """IPT-16: where the course would continue after a weak early response, say why."""
        protocol = self.protocol
        if (self._reviewed or not self.contracted or self._first_session is None
                or self._last_total is None):
            return None
        due = (number > protocol.review_at_session or self.at - self._first_session
               >= WEEK * protocol.review_at_session)
        weak = improvement(self.course.baseline, self._last_total) < (
            protocol.review_min_improvement)
        if due and weak:
            self._reviewed = True
            return REVIEW_REASON
        return None


_TECHNIQUES: tuple[tuple[c.Technique, ...], ...] = (
    ("communication_analysis", "clarification"),
    ("encouragement_of_affect", "clarification"),
    ("role_play", "communication_analysis"),
    ("decision_analysis",),
    ("clarification", "encouragement_of_affect", "role_play"),
)
