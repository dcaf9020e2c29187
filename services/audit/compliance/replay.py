"""Decide a stored history again, command by command, under today's rules or a proposal.

Each stored command is rebuilt and decided on the pathway as the store left it just before
(the history as it happened, not as the replay would have changed it), so one refusal does
not hide the ones after it. A command is a *finding* when today's rules refuse it (a hard
rule), ask for a reason it was not given (a soft rule), or accept it recording other
deviations than the store holds. A proposal's new soft rule is so reported on every later
command it applies to, until the record itself holds what the rule asks for (a review, say).

The pathway moves on by the decided events when they match the stored ones, by the stored
events after a refusal (a refused command leaves the pathway untouched), and is replayed from
the stored events only when a decision recorded something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import ValidationError

from domain.context import CLOCK_SKEW
from domain.errors import InvalidCommand, ReasonRequired, RuleViolation
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.aggregate import Pathway
from domain.protocols import Protocol
from services.application import replay
from services.audit.compliance.commands import StoredCommand, stored_commands
from services.audit.entries import event_fields

Kind = Literal["refused", "reason-required", "deviation-added", "deviation-dropped",
               "invalid", "unreplayable"]
INVALID = "invalid-command"
UNREPLAYABLE = "unreplayable"


@dataclass(frozen=True)
class Finding:
    """A stored command today's rules (or the proposal) would have answered otherwise."""

    pathway_id: UUID
    version: int
    """The first version of the command's stored events."""
    event: str
    """The command's main stored event (``SessionHeld``...)."""
    rule: str
    """The rule id (``IPT-05``); ``invalid-command`` or ``unreplayable`` otherwise."""
    kind: Kind
    sentence: str


@dataclass(frozen=True)
class Replayed:
    pathway_id: UUID
    protocol: str
    """The protocol it was decided under (``ipt@1``, or the proposal's ``ipt@2``)."""
    commands: int
    findings: tuple[Finding, ...]


def replay_history(events: Sequence[e.PathwayEvent], proposed: Protocol | None = None, *,
                   clock_skew: timedelta = CLOCK_SKEW) -> Replayed:
    """Decide every stored command of one pathway again (under ``proposed`` if given)."""
    pathway_id = events[0].originator_id
    findings: list[Finding] = []
    pathway: Pathway | None = None
    count = 0
    for stored in stored_commands(events):
        count += 1
        found, outcome = _decide(pathway, stored, proposed, clock_skew)
        findings.extend(found)
        if outcome.pathway is not None and outcome.same:
            pathway = outcome.pathway
        elif outcome.untouched and pathway is not None:
            pathway = replay(pathway, stored.events)
        else:
            pathway = _rebuilt(events, stored.last_version, proposed)
    opened = events[0]
    protocol = proposed.ref if proposed is not None else opened.meta.protocol
    return Replayed(pathway_id, protocol, count, tuple(findings))


@dataclass(frozen=True)
class _Outcome:
    pathway: Pathway | None = None
    """The pathway after an accepted decision."""
    same: bool = False
    """The decision recorded exactly the stored events."""
    untouched: bool = False
    """Refused, leaving the pathway as it was."""


def _decide(pathway: Pathway | None, stored: StoredCommand, proposed: Protocol | None,
            clock_skew: timedelta) -> tuple[list[Finding], _Outcome]:
    """The findings of deciding ``stored`` again, and where that left the pathway."""
    def finding(rule: str, kind: Kind, sentence: str) -> Finding:
        return Finding(stored.main.originator_id, stored.first_version,
                       type(stored.main).__name__, rule, kind, sentence)

    version = pathway.version if pathway is not None else 0
    try:
        command = stored.command()
        ctx = stored.context(clock_skew)
        if pathway is None:
            if not isinstance(command, c.OpenPathway):
                return [finding(UNREPLAYABLE, "unreplayable", "the history does not begin"
                                " with the pathway's opening")], _Outcome()
            pathway = Pathway.open(stored.main.originator_id, command, ctx, proposed=proposed)
        else:
            pathway.handle(command, ctx)
    except ReasonRequired as asked:
        return [finding(rule, "reason-required", sentence)
                for rule, sentence in asked.deviations], _untouched(pathway, version)
    except RuleViolation as refusal:
        return [finding(refusal.rule, "refused", refusal.sentence)], _untouched(pathway, version)
    except InvalidCommand as invalid:
        return ([finding(INVALID, "invalid", f"{invalid.field}: {invalid.reason}")],
                _untouched(pathway, version))
    except (ValidationError, KeyError) as broken:
        return [finding(UNREPLAYABLE, "unreplayable",
                        f"the stored command cannot be rebuilt today: {broken}")], _Outcome(
                            untouched=True)
    decided = [ev for ev in pathway.pending_events if isinstance(ev, e.PathwayEvent)]
    now = [ev.rule for ev in decided if isinstance(ev, e.DeviationRecorded)]
    before = list(stored.deviations)
    found = [finding(ev.rule, "deviation-added", ev.sentence) for ev in decided
             if isinstance(ev, e.DeviationRecorded) and ev.rule not in before]
    found += [finding(rule, "deviation-dropped", "recorded then, not a deviation now")
              for rule in before if rule not in now]
    return found, _Outcome(pathway=pathway, same=_same(pathway, stored.events))


def _untouched(pathway: Pathway | None, version: int) -> _Outcome:
    """A refusal leaves the pathway as it was, unless it had begun to record (never today)."""
    return _Outcome(untouched=pathway is not None and pathway.version == version
                    and not pathway.pending_events)


def _same(pathway: Pathway, stored: Sequence[e.PathwayEvent]) -> bool:
    """Whether the decision recorded exactly the stored events (type and fields)."""
    decided = pathway.collect_events()
    return len(decided) == len(stored) and all(
        type(new) is type(old) and _fields(new) == _fields(old)
        for new, old in zip(decided, stored, strict=True))


def _fields(event: Any) -> dict[str, Any]:
    fields = event_fields(event)
    fields.pop("protocol", None)  # a proposal names its own version
    fields.pop("protocol_version", None)
    return fields


def _rebuilt(events: Sequence[e.PathwayEvent], version: int,
             proposed: Protocol | None) -> Pathway:
    """The pathway as the store left it at ``version`` (deciding under ``proposed``)."""
    pathway: Pathway = replay(None, [ev for ev in events if ev.originator_version <= version])
    if proposed is not None:
        pathway.decide_under(proposed)
    return pathway
