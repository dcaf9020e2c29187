"""A demo pathway's commands: the shared course writer in the demo clinic's house style.

The writer (``services.courses``) knows the course; a ``Script`` adds what makes the demo look
like a clinic's records: a PHQ-9 after every visit along the course's trajectory, techniques and
homework, shorter ipt-a sessions, and the IPT-16 review reason where a weak early response would
otherwise go unremarked. Plans start on a fixed Monday and are shifted by whole days
(``shifted``), so dates and times move together and the same seed always writes the same
commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.measures import improvement
from domain.pathway import commands as c
from domain.protocols import acute_protocol
from domain.values import Channel
from services.courses import CourseWriter
from services.demo.clinical import Course, gad7, phq9

ORIGIN = datetime(2000, 1, 3, tzinfo=UTC)
WEEK = timedelta(days=7)
REVIEW_REASON = "reviewed with supervisor: continuing as contracted, medication discussed"
ADOLESCENT_MINUTES = 45


def shifted(command: c.Command, days: int) -> c.Command:
    """``command`` with its clinical dates and times moved by whole ``days``."""
    shift = timedelta(days=days)
    return command.model_copy(update={
        name: value + shift for name, value in command if isinstance(value, date)})


@dataclass(kw_only=True)
class Script(CourseWriter):
    """The plan of one demo pathway and the little state needed to keep writing it."""

    course: Course
    hour: int
    idle_days: int = 0
    """Days between the last step and the anchor day (how long ago the last contact was)."""
    anxiety: bool = False
    """The client is measured with GAD-7 too (the contract's plan names it): one follows every
    PHQ-9."""
    _first_session: datetime | None = None
    _last_total: int | None = None
    _reviewed: bool = False

    @classmethod
    def new(cls, protocol_id: str, *, sessions: int, course: Course, hour: int,
            channel: Channel = "video") -> Script:
        protocol = acute_protocol(protocol_id)
        minutes = ADOLESCENT_MINUTES if protocol.parent_at_first_and_ending else 50
        return cls(protocol=protocol, contract_sessions=sessions, course=course, hour=hour,
                   channel=channel, session_minutes=minutes,
                   at=ORIGIN + timedelta(hours=hour))

    def scored(self, total: int, item9: int = 0, *, minutes: int = 0) -> Script:
        """A PHQ-9 adding up to ``total``; item 9 >= 1 makes the aggregate raise a flag."""
        self.measure(phq9(total, item9, self.flags + total), minutes=minutes)
        if self.anxiety:
            self.measure(gad7(total, self.flags + total), "gad7", minutes=minutes + 5)
        self._last_total = total
        return self

    def session_fields(self, number: int, phase: str) -> dict[str, Any]:
        fields = super().session_fields(number, phase)
        if phase != "initial":
            fields["techniques"] = _TECHNIQUES[number % len(_TECHNIQUES)]
            fields["homework_set"] = number % 2 == 0
        else:
            fields["techniques"] = ("non_directive_exploration", "direct_elicitation")
        return fields

    def session(self, reason: str | None = None, **fields: Any) -> Script:
        super().session(reason, **fields)
        if self.maintenance_held is None:
            self._first_session = self._first_session or self.at
        return self

    def visit(self, days: float = 7, *, reason: str | None = None, item9: int = 0,
              **fields: Any) -> Script:
        """A weekly acute visit: ending talk when due, the session, then a PHQ-9."""
        self.later(days)
        self.discuss_if_due()
        self.session(reason, **fields)
        self.letter_if_due(f"doc/goodbye-letter-{self.hour}", minutes=55)
        return self.scored(self.course.after(self.held), item9, minutes=50)

    def reason_for(self, number: int) -> str | None:
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
