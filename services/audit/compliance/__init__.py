"""Compliance replay: every stored history decided again under today's rules, or under a
proposed protocol version, to see which pathways the rules would have refused, at which
event and rule, before a protocol change is rolled out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from domain.context import CLOCK_SKEW
from domain.protocols import Protocol
from services.audit.compliance.replay import replay_history
from services.audit.compliance.report import ComplianceReport
from services.audit.trail import AuditTrail

Progress = Callable[[int, int], None]
"""Told (pathways done, pathways in all) after each pathway."""


def check_store(trail: AuditTrail, proposal: Mapping[str, Protocol] | None = None, *,
                progress: Progress | None = None,
                clock_skew: timedelta = CLOCK_SKEW) -> ComplianceReport:
    """Replay every pathway's history under today's rules and, if given, the proposal."""
    pathway_ids = list(trail.pathway_ids())
    report = ComplianceReport(proposal=tuple(sorted(p.ref for p in (proposal or {}).values())))
    for done, pathway_id in enumerate(pathway_ids, start=1):
        events = trail.events(pathway_id)
        today = replay_history(events, clock_skew=clock_skew)
        report.pathways += 1
        report.commands += today.commands
        report.current.extend(today.findings)
        proposed = (proposal or {}).get(str(getattr(events[0], "protocol_id", "")))
        if proposed is not None:
            report.affected += 1
            report.proposed.extend(replay_history(events, proposed,
                                                  clock_skew=clock_skew).findings)
        elif proposal:
            report.proposed.extend(today.findings)
        if progress is not None:
            progress(done, len(pathway_ids))
    return report
