"""What a demo seeding left in the store, counted the way the ops dashboards count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from domain.pathway.state import PathwayState
from domain.vocabulary import OUTCOMES, PHASES
from services.demo.formats_summary import FormatsSummary


@dataclass(frozen=True)
class DemoSummary:
    """The demo caseload after seeding, and what this run itself recorded."""

    pathway_ids: tuple[UUID, ...]
    commands: int
    """Commands sent by this run (recorded or answered as replays)."""
    events_recorded: int
    """Events this run added: 0 when the caseload was already seeded."""
    replayed: int
    """Commands answered from an earlier run by their idempotency key."""
    seconds: float
    by_phase: Mapping[str, int]
    by_protocol: Mapping[str, int]
    by_outcome: Mapping[str, int]
    open_flags: Mapping[str, int]
    """Open safety flags by tier (urgent, routine)."""
    outreach_due: int
    deviations: Mapping[str, int]
    """Recorded deviations by rule id."""
    recurrences: int
    formats: FormatsSummary | None = None
    """The groups and the couple, when seeded (``services.demo.formats``)."""

    @property
    def pathways(self) -> int:
        return len(self.pathway_ids)

    def render(self) -> str:
        def counts(values: Mapping[str, int]) -> str:
            return ", ".join(f"{key} {value}" for key, value in values.items()) or "-"

        return "\n".join((
            f"demo caseload: {self.pathways} pathways ({self.events_recorded} events recorded,"
            f" {self.replayed} of {self.commands} commands already seeded, {self.seconds:.1f} s)",
            f"  by phase:    {counts(self.by_phase)}",
            f"  by protocol: {counts(self.by_protocol)}",
            f"  by outcome:  {counts(self.by_outcome)}",
            f"  open safety flags: {counts(self.open_flags)}; outreach due: {self.outreach_due};"
            f" recurrence suspected: {self.recurrences}",
            f"  deviations:  {counts(self.deviations)}",
            *(self.formats.lines() if self.formats else ()),
        ))


def summarise(pathway_ids: Iterable[UUID], states: Iterable[PathwayState], *, commands: int,
              events_recorded: int, replayed: int, seconds: float) -> DemoSummary:
    states = list(states)
    phases = Counter(state.phase for state in states)
    outcomes = Counter(state.outcome for state in states if state.outcome is not None)
    flags = Counter(flag.tier for state in states for flag in state.open_flags)
    deviations = Counter(rule for state in states for rule, _ in state.deviations)
    return DemoSummary(
        pathway_ids=tuple(pathway_ids), commands=commands, events_recorded=events_recorded,
        replayed=replayed, seconds=seconds,
        by_phase={phase: phases[phase] for phase in PHASES if phases[phase]},
        by_protocol=dict(sorted(Counter(state.protocol_id for state in states).items())),
        by_outcome={name: outcomes[name] for name in OUTCOMES if outcomes[name]},
        open_flags={tier: flags[tier] for tier in ("urgent", "routine") if flags[tier]},
        outreach_due=sum(state.outreach_due for state in states),
        deviations=dict(sorted(deviations.items())),
        recurrences=sum(state.recurrence_suspected for state in states),
    )
