"""A small language for driving pathways in tests: a clock, a context, and whole journeys.

Tests read as specifications when the setup steps have clinical names: ``j.through_initial()``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any, ClassVar
from uuid import uuid4

from domain.context import CommandContext
from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from domain.pathway.state import PathwayState
from services.courses import (
    CONTINGENCIES,
    INVENTORY,
    PHQ9_MODERATE,
    PHQ9_PARTIAL,
    PHQ9_REMISSION,
    CourseWriter,
    course,
)

__all__ = ["CONTINGENCIES", "INVENTORY", "NOW", "PHQ9_MODERATE", "PHQ9_PARTIAL",
           "PHQ9_REMISSION", "SIGNED_BY", "START", "Journey", "ctx"]

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SIGNED_BY = {"client": "client-1", "therapist": "therapist-1", "guardian": "guardian-1"}
_keys = count(1)


def ctx(role: str = "therapist", now: datetime = NOW) -> CommandContext:
    return CommandContext(actor_id="t-1", actor_role=role, correlation_id="corr-1",
                          idempotency_key=f"key-{next(_keys)}", recorded_at=now)


class Journey:
    """One pathway and a clinical clock that moves a week per session by default.

    The by-the-book stretches are written by the shared course writer (``services.courses``),
    going on from wherever the pathway is, so a test may step off the book in between.
    """

    instrument: ClassVar[str] = "phq9"
    """The instrument of the baseline and of every measure the stretches take."""
    baseline: ClassVar[tuple[int, ...]] = PHQ9_MODERATE

    def __init__(self, protocol: str = "ipt", age: int = 34, sessions: int = 12) -> None:
        self.at = START
        self.protocol = protocol
        self.contract_sessions = sessions
        opening = course(protocol, START, sessions=sessions).opened(
            client_ref="client-001", client_age=age, therapist_id="t-1",
            referral_date=date(2026, 1, 2)).commands[0]
        assert isinstance(opening, c.OpenPathway)
        self.pathway = Pathway.open(uuid4(), opening, ctx())

    @property
    def state(self) -> Any:
        return self.pathway.state

    def do(self, command_class: type[c.Command], **fields: Any) -> Journey:
        fields.setdefault("occurred_at", self.at)
        self.pathway.handle(command_class(**fields), ctx())
        return self

    def later(self, days: float = 7) -> Journey:
        self.at += timedelta(days=days)
        return self

    def writer(self) -> CourseWriter:
        """The course writer, going on from where the pathway is now."""
        state: PathwayState = self.state
        return CourseWriter.following(state, self.at, sessions=self.contract_sessions)

    def run(self, writer: CourseWriter) -> Journey:
        """Handle what ``writer`` wrote, and take its clock."""
        for command in writer.commands:
            self.pathway.handle(command, ctx())
        self.at = writer.at
        return self

    def session(self, **fields: Any) -> Journey:
        days = fields.pop("days", 7)
        return self.run(self.writer().later(days).session(**fields))

    def measure(self, items: tuple[int, ...] | None = None, instrument: str | None = None
                ) -> Journey:
        return self.run(self.writer().measure(items or self.baseline,
                                              instrument or self.instrument))

    def consented(self, kinds: tuple[c.ConsentKind, ...] = ("treatment", "telehealth")
                  ) -> Journey:
        """IPT-32: the consents a video session needs (the guardian's first, for ipt-a)."""
        return self.run(self.writer().consented(kinds))

    def assessed_initial(self, focus: str = "role_dispute") -> Journey:
        """Everything IPT-07 asks for except the contract."""
        area = "ipaf" if self.protocol == "dit" else focus
        writer = self.writer().consented().measure(self.baseline, self.instrument)
        writer.later(7).intake()
        return self.run(writer.formulated(
            area, pattern_summary="expects rejection, withdraws" if area == "ipaf" else None))

    def sign(self, **overrides: Any) -> Journey:
        return self.run(self.writer().signed(SIGNED_BY, **overrides))

    def through_initial(self) -> Journey:
        self.assessed_initial().sign()
        return self.measure()

    def middle_sessions_until(self, number: int, items: tuple[int, ...] = PHQ9_PARTIAL
                              ) -> Journey:
        """Hold sessions up to ``number``, measuring every third and discussing the ending."""
        writer = self.writer()
        while writer.held < number:
            writer.visit(reason="continuing" if writer.held >= 8 else None)
            if writer.held % 3 == 0:
                writer.measure(items, self.instrument)
        return self.run(writer)

    def complete(self, final: tuple[int, ...] = PHQ9_REMISSION, next_step: str = "maintenance"
                 ) -> Journey:
        self.middle_sessions_until(self.state.contract.sessions)
        return self.run(self.writer().measure(final, self.instrument).completed(next_step))
