"""What a compliance replay found, and the diff by rule id between today's rules and a
proposal: how many pathways (and commands) each rule would have refused under each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.audit.compliance.replay import Finding

REFUSING = frozenset({"refused", "reason-required", "invalid", "unreplayable"})
"""Findings where the command would not have been recorded as it was."""


@dataclass(frozen=True)
class RuleCount:
    pathways: int = 0
    commands: int = 0
    deviations: int = 0
    """Commands whose recorded deviations of this rule would differ (added or dropped)."""


@dataclass(frozen=True)
class RuleDiff:
    rule: str
    current: RuleCount
    proposed: RuleCount | None

    @property
    def change(self) -> int:
        """Pathways the proposal refuses under this rule, less those today's rules refuse."""
        return 0 if self.proposed is None else self.proposed.pathways - self.current.pathways


@dataclass
class ComplianceReport:
    pathways: int = 0
    commands: int = 0
    proposal: tuple[str, ...] = ()
    """The proposed protocol versions (``ipt@2``); empty: today's rules only."""
    affected: int = 0
    """Pathways of a proposed protocol (decided under the proposal)."""
    current: list[Finding] = field(default_factory=list)
    proposed: list[Finding] = field(default_factory=list)

    def by_rule(self) -> list[RuleDiff]:
        now, then = _counts(self.current), _counts(self.proposed)
        rules = sorted(now.keys() | (then.keys() if self.proposal else set()))
        return [RuleDiff(rule, now.get(rule, RuleCount()),
                         then.get(rule, RuleCount()) if self.proposal else None)
                for rule in rules]

    def newly_refused(self) -> list[Finding]:
        """Proposal findings that refuse where today's rules do not (same pathway, version
        and rule)."""
        today = {(f.pathway_id, f.version, f.rule) for f in self.current
                 if f.kind in REFUSING}
        return [f for f in self.proposed if f.kind in REFUSING
                and (f.pathway_id, f.version, f.rule) not in today]

    def no_longer_refused(self) -> list[Finding]:
        proposed = {(f.pathway_id, f.version, f.rule) for f in self.proposed
                    if f.kind in REFUSING}
        return [f for f in self.current if f.kind in REFUSING
                and (f.pathway_id, f.version, f.rule) not in proposed] if self.proposal else []


def _counts(findings: Iterable[Finding]) -> dict[str, RuleCount]:
    pathways: dict[str, set[object]] = defaultdict(set)
    commands: dict[str, int] = defaultdict(int)
    deviations: dict[str, int] = defaultdict(int)
    for finding in findings:
        if finding.kind in REFUSING:
            pathways[finding.rule].add(finding.pathway_id)
            commands[finding.rule] += 1
        else:
            deviations[finding.rule] += 1
    return {rule: RuleCount(len(pathways[rule]), commands[rule], deviations[rule])
            for rule in pathways.keys() | deviations.keys()}
