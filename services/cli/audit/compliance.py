"""``carepath audit compliance [--protocols FILE]``: every stored history decided again under
today's rules (and a proposed protocol version), as a diff by rule id with the pathways, events
and rules it finds; progress on stderr, the report on stdout (``--json`` for a script)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import orjson

from services.audit.compliance import check_store
from services.audit.compliance.proposal import ProposalError, load_proposal
from services.audit.compliance.replay import Finding
from services.audit.compliance.report import ComplianceReport, RuleCount
from services.audit.trail import AuditTrail
from services.cli.audit.tables import table

PROGRESS_SECONDS = 2.0


def compliance(trail: AuditTrail, args: argparse.Namespace) -> int:
    try:
        proposal = load_proposal(args.protocols) if args.protocols else None
    except ProposalError as error:
        print(f"carepath audit compliance: {error}", file=sys.stderr)
        return 2
    report = check_store(trail, proposal, progress=Progress())
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(as_json(report), option=orjson.OPT_INDENT_2))
        sys.stdout.write("\n")
    else:
        print(as_text(report))
    return 0


class Progress:
    """``compliance: done/total pathways (rate/s, ETA)`` on stderr, every 2 s and at the end."""

    def __init__(self) -> None:
        self.started = self.shown = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown < PROGRESS_SECONDS and done != total:
            return
        self.shown = now
        rate = done / max(1e-6, now - self.started)
        eta = f", ETA {(total - done) / rate:,.0f}s" if done < total and rate > 0 else ""
        print(f"  compliance: {done:,}/{total:,} pathways ({rate:,.0f}/s{eta})",
              file=sys.stderr, flush=True)


def as_text(report: ComplianceReport) -> str:
    lines = [f"compliance replay: {report.pathways:,} pathways, {report.commands:,} stored"
             " commands decided again"]
    lines.append(_verdict("today's rules", report.current))
    if report.proposal:
        lines.append(_verdict(f"the proposal {', '.join(report.proposal)} ({report.affected:,}"
                              " pathways of its protocol)", report.proposed))
    diff = report.by_rule()
    if diff:
        headers = ["rule", "today: pathways (commands)", "deviations"]
        if report.proposal:
            headers += ["proposal: pathways (commands)", "deviations", "change"]
        rows = []
        for rule in diff:
            row = [rule.rule, _count(rule.current), str(rule.current.deviations)]
            if rule.proposed is not None:
                row += [_count(rule.proposed), str(rule.proposed.deviations),
                        f"{rule.change:+d}"]
            rows.append(row)
        lines += ["", "refusals by rule id (a pathway counts once per rule):",
                  table(headers, rows)]
    if report.proposal:
        lines += _listed("refused under the proposal, not by today's rules",
                         report.newly_refused())
        lines += _listed("refused by today's rules, not under the proposal",
                         report.no_longer_refused())
    lines += _listed("today's rules answer these stored commands otherwise", report.current)
    return "\n".join(lines)


def _verdict(under: str, findings: list[Finding]) -> str:
    refusing = {f.pathway_id for f in findings if f.kind not in {"deviation-added",
                                                                "deviation-dropped"}}
    if not findings:
        return f"  under {under}: every stored command is accepted as it was recorded"
    return (f"  under {under}: {len(refusing):,} pathways would have been refused,"
            f" {len(findings):,} findings in all")


def _count(count: RuleCount) -> str:
    return f"{count.pathways:,} ({count.commands:,})"


def _listed(title: str, findings: list[Finding]) -> list[str]:
    if not findings:
        return []
    rows = [[str(f.pathway_id), str(f.version), f.event, f.rule, f.kind, f.sentence]
            for f in findings]
    return ["", f"{title}:", table(["pathway", "v", "event", "rule", "kind", "why"], rows)]


def as_json(report: ComplianceReport) -> dict[str, Any]:
    def findings(found: list[Finding]) -> list[dict[str, Any]]:
        return [{"pathway_id": str(f.pathway_id), "version": f.version, "event": f.event,
                 "rule": f.rule, "kind": f.kind, "sentence": f.sentence} for f in found]

    def counts(count: RuleCount | None) -> dict[str, int] | None:
        return None if count is None else {"pathways": count.pathways,
                                           "commands": count.commands,
                                           "deviations": count.deviations}

    return {
        "pathways": report.pathways, "commands": report.commands,
        "proposal": list(report.proposal), "affected_pathways": report.affected,
        "by_rule": [{"rule": d.rule, "current": counts(d.current),
                     "proposed": counts(d.proposed), "change": d.change}
                    for d in report.by_rule()],
        "current": findings(report.current),
        "proposed": findings(report.proposed) if report.proposal else None,
        "newly_refused": findings(report.newly_refused()),
        "no_longer_refused": findings(report.no_longer_refused()),
    }
