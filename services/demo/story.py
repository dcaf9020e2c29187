"""A demo story that spans more than one stream: a group and its members' pathways, or a couple.

Its steps are the commands in a clinic's order, each addressed to the group or to one pathway
(by a label such as ``member-3``) and sent under its own idempotency key,
``demo:<seed>:<story>:<step>``. The application derives an opened pathway's id from the caller
and that key, so a story knows its members' ids while it is written (an enrolment and a
session's attendance name them) and a re-run finds the same pathways. A step may be written to
be refused, under the rule it must name: the demo shows that refusal, as a clinic would see it.

Like the numbered caseload, a story is written on a relative clock and shifted by whole days to
end ``idle_days`` before the anchor day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid5

from domain.pathway import commands as c
from services.application import _OPEN_NAMESPACE, Caller
from services.demo.script import shifted
from services.demo.seed import DEMO_ACTOR, DEMO_ROLE

GROUP = "group"
"""The target of a step sent to the story's group."""


@dataclass(frozen=True)
class Step:
    target: str
    """``GROUP``, or the label of one of the story's pathways."""
    command: c.Command
    refused_under: str | None = None
    """The rule id this step is written to be refused under (it records nothing)."""


@dataclass
class Story:
    name: str
    seed: int
    idle_days: int = 0
    steps: list[Step] = field(default_factory=list)
    pathway_ids: dict[str, UUID] = field(default_factory=dict)
    """Each pathway's label and the id the application gives it."""

    def key(self, index: int) -> str:
        return f"demo:{self.seed}:{self.name}:{index:03d}"

    def caller(self, index: int) -> Caller:
        return Caller(actor_id=DEMO_ACTOR, actor_role=DEMO_ROLE,
                      correlation_id=f"demo:{self.seed}:{self.name}",
                      idempotency_key=self.key(index))

    def opened(self, label: str, opening: c.OpenPathway) -> UUID:
        """The step that opens pathway ``label``, and the id it will have."""
        key = self.key(len(self.steps))
        self.steps.append(Step(label, opening))
        pathway_id = uuid5(_OPEN_NAMESPACE, f"{DEMO_ACTOR}\x1f{key}")
        self.pathway_ids[label] = pathway_id
        return pathway_id

    def to(self, target: str, *commands: c.Command) -> Story:
        self.steps += [Step(target, command) for command in commands]
        return self

    def refused(self, target: str, command: c.Command, rule: str) -> Story:
        self.steps.append(Step(target, command, refused_under=rule))
        return self

    @property
    def last_at(self) -> datetime:
        return max(step.command.occurred_at for step in self.steps)

    def shift_days(self, anchor: date) -> int:
        """Whole days that move the story to end ``idle_days`` before the anchor day."""
        return (anchor - timedelta(days=self.idle_days) - self.last_at.date()).days

    def shifted(self, anchor: date) -> list[Step]:
        days = self.shift_days(anchor)
        return [Step(step.target, shifted(step.command, days), step.refused_under)
                for step in self.steps]
