"""A shared vocabulary for the rule specifications in ``tests/unit``: run a command, expect it
accepted or refused under a named rule, and read back what it recorded.

A refusal is checked the same way everywhere: the ``RuleViolation`` names the rule (a soft rule
without a reason raises ``ReasonRequired``, a hard one a plain ``RuleViolation``), and neither
the pathway's version nor its pending events change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from domain.errors import ReasonRequired, RuleViolation
from domain.pathway import commands as c
from tests.journeys import PHQ9_PARTIAL, PHQ9_REMISSION, Journey

# ----- reading back what was recorded ----------------------------------------------------------


def recorded(j: Journey, since: int) -> list[Any]:
    """The events recorded after version ``since``."""
    return [event for event in j.pathway.pending_events if event.originator_version > since]


def kinds(events: list[Any]) -> list[str]:
    """The event class names, in order."""
    return [type(event).__name__ for event in events]


def names(j: Journey, since: int) -> list[str]:
    """The class names of the events recorded after version ``since``."""
    return kinds(recorded(j, since))


# ----- accepted and refused --------------------------------------------------------------------


def accepted(j: Journey, command_class: type[c.Command], **fields: Any) -> list[Any]:
    """Run a command that must be accepted; return the events it recorded."""
    version = j.pathway.version
    j.do(command_class, **fields)
    return recorded(j, version)


@contextmanager
def refusing(j: Journey, rule: str | set[str], *, soft: bool | None = None
             ) -> Iterator[pytest.ExceptionInfo[RuleViolation]]:
    """The block must be refused under ``rule`` (or one of a set) and record nothing.

    ``soft=True`` expects ``ReasonRequired``, ``soft=False`` a plain ``RuleViolation``; by
    default either is fine. Yields the ``pytest.raises`` info, to inspect the refusal after.
    """
    version, pending = j.pathway.version, len(j.pathway.pending_events)
    with pytest.raises(ReasonRequired if soft else RuleViolation) as caught:
        yield caught
    assert caught.value.rule in ({rule} if isinstance(rule, str) else rule), caught.value
    if soft is not None:
        assert isinstance(caught.value, ReasonRequired) is soft, caught.value
    assert j.pathway.version == version, "a refused command recorded events"
    assert len(j.pathway.pending_events) == pending, "a refused command left pending events"


def refused(j: Journey, command_class: type[c.Command], rule: str, *, soft: bool = False,
            **fields: Any) -> RuleViolation:
    """Run a command that must be refused under ``rule`` (a soft rule when ``soft``), recording
    nothing; return the refusal."""
    with refusing(j, rule, soft=soft) as caught:
        j.do(command_class, **fields)
    return caught.value


def assert_deviation_before(events: list[Any], accepted_event: str, *rules: str,
                            reason: str) -> None:
    """``events`` are one ``DeviationRecorded`` per soft rule in ``rules`` (in order, each with
    ``reason``), then the ``accepted_event`` they allowed."""
    assert kinds(events) == ["DeviationRecorded"] * len(rules) + [accepted_event]
    assert [event.rule for event in events[:-1]] == list(rules)
    assert all(event.reason == reason for event in events[:-1])


# ----- commands and measures -------------------------------------------------------------------


def next_session(j: Journey, **fields: Any) -> dict[str, Any]:
    """The fields of the next acute session, at the journey's current time (the clock stays):
    the course writer's, but for ipt-a a parent at session 1 only."""
    writer = j.writer()
    number = fields.pop("number", writer.held + 1)
    usual = writer.session_fields(number, writer.phase_of(number))
    if "parent_present" in usual:
        usual["parent_present"] = number == 1
    return {"number": number, **usual, **fields}


def phq9_total(total: int) -> tuple[int, ...]:
    """PHQ-9 items adding up to ``total`` (item 9 kept at 0)."""
    items = [0] * 9
    for index in range(8):
        items[index] = min(3, total - sum(items))
    assert sum(items) == total
    return tuple(items)


# ----- journeys at a given point ---------------------------------------------------------------


def in_middle_phase() -> Journey:
    """Contract of 12 signed, sessions 1-3 held (3 is the first middle-phase session)."""
    return Journey().through_initial().session()


def hold_until(j: Journey, number: int, discuss_at: int | None = None,
               items: tuple[int, ...] = PHQ9_PARTIAL, *, letter: bool = True,
               parent_at: frozenset[int] | None = None) -> Journey:
    """Hold sessions up to ``number``, measuring ``items`` every third session and discussing
    the ending only at ``discuss_at``. dit shares its goodbye letter before the final session
    when ``letter``; ipt-a has a parent only at the sessions in ``parent_at`` (when given)."""
    for session in range(j.state.sessions_held + 1, number + 1):
        if session == discuss_at:
            j.do(c.DiscussTermination, at_session=session)
        if letter and j.protocol == "dit" and session == j.state.contract.sessions:
            j.do(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")
        fields: dict[str, Any] = {"reason": "review done" if session > 8 else None}
        if parent_at is not None:
            fields["parent_present"] = session in parent_at
        j.session(**fields)
        if session % 3 == 0:
            j.measure(items)
    return j


def completed(final: tuple[int, ...] = PHQ9_REMISSION, next_step: str = "maintenance"
              ) -> Journey:
    """A 12-session acute course completed with the final measure ``final``."""
    return Journey().through_initial().complete(final, next_step=next_step)


def schedule(j: Journey, **fields: Any) -> Journey:
    """Schedule maintenance (6 sessions from today unless ``fields`` say otherwise)."""
    return j.run(j.writer().maintenance_scheduled(fields.pop("sessions", 6), **fields))


def in_maintenance() -> Journey:
    """Maintenance scheduled the day the course was completed in remission."""
    return schedule(completed())
