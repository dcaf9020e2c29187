"""How a rebuild of several read models is shared out between processes.

Each process reads and decodes the log itself (a pass), and folds it into the read models it
was given: the decode is paid once per pass, the folds once each. Read models that fold the
same event types in one pass share one list of events, and those that fold pathway states
(pathways, caseload, funnel) share one fold of them: they form a family and stay in one
process. One pass builds read models that stand at one position (``rebuild_all`` starts them
together), so after a crash a process may be given several passes, one per position its
read models stopped at.

Families go, heaviest first, to the process they would leave least loaded (counting a new
pass's read and decode when the process has none at that position yet). The weights are each
read model's share of a one-process rebuild of the benchmark's log (``make bench``), in
hundredths; the read and decode of a pass weigh ``PASS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from projections.log import Position
from projections.projection import Projection, handled_types

PASS = 30
"""Reading and decoding the log once."""
WEIGHTS: Mapping[str, int] = {
    "pathways": 24, "caseload": 3, "funnel": 4, "outcomes": 14, "fidelity": 8,
    "attendance": 7, "maintenance": 4, "safety": 1, "groups": 1,
}
UNKNOWN_WEIGHT = 5
"""A read model without a measured weight."""


@dataclass
class Share:
    """One process's work: its passes, each the read models that stand at one position."""

    passes: dict[Position, list[Projection]] = field(default_factory=dict)

    @property
    def load(self) -> int:
        return sum(PASS + sum(weight(p) for p in group) for group in self.passes.values())

    def load_with(self, position: Position, family: Sequence[Projection]) -> int:
        extra = sum(weight(p) for p in family)
        return self.load + extra + (0 if position in self.passes else PASS)


def weight(projection: Projection) -> int:
    return WEIGHTS.get(projection.name, UNKNOWN_WEIGHT)


def families(projections: Sequence[Projection], positions: Mapping[str, Position]
             ) -> list[tuple[Position, list[Projection]]]:
    """The read models that must stay in one pass: same position, same handled types."""
    found: dict[tuple[Position, frozenset[type] | None], list[Projection]] = {}
    for projection in projections:
        key = (positions[projection.name], handled_types(projection))
        found.setdefault(key, []).append(projection)
    return [(position, members) for (position, _), members in found.items()]


def plan(projections: Sequence[Projection], positions: Mapping[str, Position],
         processes: int) -> list[list[list[Projection]]]:
    """For each process (at most ``processes``, none idle), its passes: each a list of read
    models standing at one position, in the order ``projections`` lists them."""
    shares = [Share() for _ in range(max(1, processes))]
    order = {p.name: index for index, p in enumerate(projections)}
    ranked = sorted(families(projections, positions),
                    key=lambda item: -sum(weight(p) for p in item[1]))
    for position, family in ranked:
        share = min(shares, key=lambda s: s.load_with(position, family))
        share.passes.setdefault(position, []).extend(family)
    return [[sorted(group, key=lambda p: order[p.name])
             for _, group in sorted(share.passes.items())]
            for share in shares if share.passes]
