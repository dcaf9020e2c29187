"""What the demo's groups and couple look like in the store, for the printed summary.

Read back from the store after seeding (a re-run that records nothing shows the same), each
group with its sessions, members, safety holds and members' phases and outcomes, the couple
with its consents and phase, and the refusals the stories were written to meet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from domain.vocabulary import OUTCOMES, PHASES, SAFETY_HOLD
from services.queries import PathwayQueries

if TYPE_CHECKING:
    from services.application import Pathways
    from services.demo.formats import StoryRun
    from services.groups import Groups


@dataclass(frozen=True)
class Refusal:
    """A command a story was written to be refused, and the refusal it met."""

    story: str
    command: str
    pathway_id: UUID | None
    """The pathway the command named (an enrolment's member)."""
    rule: str
    sentence: str


@dataclass(frozen=True)
class GroupSummary:
    story: str
    group_id: UUID
    leaders: tuple[str, ...]
    sessions_held: int
    sessions_planned: int
    members: tuple[UUID, ...]
    closed_outcome: str | None
    safety_holds: tuple[tuple[int, UUID], ...]
    """(group session, member) for each member recorded absent on a safety hold (IPT-17)."""
    member_phases: Mapping[str, int]
    member_outcomes: Mapping[str, int]
    refusals: tuple[Refusal, ...]


@dataclass(frozen=True)
class CoupleSummary:
    pathway_id: UUID
    therapist_id: str
    phase: str
    focus: str | None
    sessions_held: int
    consented: tuple[str, ...]
    """Who gave treatment consent: the client and the partner."""


@dataclass(frozen=True)
class FormatsSummary:
    groups: tuple[GroupSummary, ...]
    couple: CoupleSummary
    commands: int
    events_recorded: int
    replayed: int
    seconds: float

    @property
    def refusals(self) -> tuple[Refusal, ...]:
        return tuple(refusal for group in self.groups for refusal in group.refusals)

    def group(self, story: str) -> GroupSummary:
        return next(group for group in self.groups if group.story == story)

    def lines(self) -> list[str]:
        def counts(values: Mapping[str, int]) -> str:
            return ", ".join(f"{key} {value}" for key, value in values.items()) or "-"

        lines = [f"demo groups and couple: {len(self.groups)} ipt-g groups, 1 couple pathway"
                 f" ({self.events_recorded} events recorded, {self.replayed} of"
                 f" {self.commands} commands already seeded, {self.seconds:.1f} s)"]
        for group in self.groups:
            state = group.closed_outcome or "running"
            lines.append(
                f"  group {group.group_id} ({state}, led by {', '.join(group.leaders)}):"
                f" {group.sessions_held}/{group.sessions_planned} sessions,"
                f" {len(group.members)} members; members by phase:"
                f" {counts(group.member_phases)}; by outcome: {counts(group.member_outcomes)}")
            lines += [f"    safety hold (IPT-17): member {member} recorded absent at session"
                      f" {number}" for number, member in group.safety_holds]
            lines += [f"    refused: {refusal.command} of {refusal.pathway_id}, {refusal.rule}:"
                      f" {refusal.sentence}" for refusal in group.refusals]
        couple = self.couple
        lines.append(f"  couple {couple.pathway_id} ({couple.therapist_id}): focus"
                     f" {couple.focus}, consents from {' and '.join(couple.consented)},"
                     f" {couple.sessions_held} sessions, phase {couple.phase}")
        return lines


def summarise_formats(pathways: Pathways, groups: Groups, runs: Sequence[StoryRun], *,
                      seconds: float) -> FormatsSummary:
    queries = PathwayQueries(pathways)
    summaries: list[GroupSummary] = []
    couple: CoupleSummary | None = None
    for run in runs:
        if run.group_id is None:
            (pathway_id,) = run.story.pathway_ids.values()
            state = queries.pathway(pathway_id).state
            couple = CoupleSummary(
                pathway_id=pathway_id, therapist_id=state.therapist_id, phase=state.phase,
                focus=state.focus.primary if state.focus else None,
                sessions_held=state.sessions_held,
                consented=tuple(who for who in ("client", "partner")
                                if state.consents.get(f"{who}:treatment")))
            continue
        group = groups.load(run.group_id).state
        members = tuple(group.members)
        states = [queries.pathway(member).state for member in members]
        phases = Counter(state.phase for state in states)
        outcomes = Counter(state.outcome for state in states if state.outcome)
        summaries.append(GroupSummary(
            story=run.story.name, group_id=run.group_id, leaders=group.leaders,
            sessions_held=group.sessions_held, sessions_planned=group.sessions_planned,
            members=members, closed_outcome=group.closed_outcome,
            safety_holds=tuple((entry.number, member) for entry in group.sessions
                               for member, why in entry.absent if why == SAFETY_HOLD),
            member_phases={phase: phases[phase] for phase in PHASES if phases[phase]},
            member_outcomes={name: outcomes[name] for name in OUTCOMES if outcomes[name]},
            refusals=tuple(run.refusals)))
    if couple is None:
        msg = "the demo's stories hold no couple"
        raise TypeError(msg)
    return FormatsSummary(
        groups=tuple(summaries), couple=couple, commands=sum(run.commands for run in runs),
        events_recorded=sum(run.recorded for run in runs),
        replayed=sum(run.replayed for run in runs), seconds=seconds)
