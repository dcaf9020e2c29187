"""``carepath audit history|as-of|steps``: a pathway's story, its state on any date, and what
each event changed, as readable tables (``--json``: the HTTP endpoints' documents)."""

from __future__ import annotations

import argparse
import sys
from uuid import UUID

from services.audit.formatting import rules, value, when
from services.audit.instants import instant
from services.audit.trail import AsOf, AuditTrail, HistoryPage, StepsPage
from services.audit.wire import AsOfView, AuditHistory, AuditSteps
from services.cli.audit.tables import table


def history(trail: AuditTrail, args: argparse.Namespace) -> int:
    page = trail.history(args.pathway_id)
    if args.json:
        print(AuditHistory.of(page).model_dump_json(indent=2))
        return 0
    print(history_table(page))
    return 0


def history_table(page: HistoryPage) -> str:
    rows = []
    for entry in page.entries:
        notes = []
        if entry.back_dated:
            notes.append("back-dated")
        if entry.deviation is not None:
            notes.append(f"deviation {entry.deviation.rule}: {entry.deviation.reason}")
        rows.append([str(entry.version), entry.type, when(entry.occurred_at),
                     when(entry.recorded_at), f"{entry.actor_id} ({entry.actor_role})",
                     entry.protocol, rules(entry.rules_checked), entry.correlation_id,
                     "; ".join(notes)])
    heading = (f"pathway {page.pathway_id}: {len(page.entries)} events (clinical time ="
               " occurred, server time = recorded; rules checked as IPT- numbers)")
    return heading + "\n" + table(["v", "event", "occurred", "recorded", "actor (role)",
                                   "protocol", "rules checked (IPT-)", "correlation",
                                   "notes"], rows)


def as_of(trail: AuditTrail, args: argparse.Namespace) -> int:
    chosen = [name for name in ("version", "recorded_at", "occurred_at")
              if getattr(args, name) is not None]
    if len(chosen) != 1:
        print("carepath audit as-of: give one of --version, --recorded-at or --occurred-at",
              file=sys.stderr)
        return 2
    if args.known_at is not None and args.occurred_at is None:
        print("carepath audit as-of: --known-at goes with --occurred-at", file=sys.stderr)
        return 2
    pathway_id: UUID = args.pathway_id
    if args.version is not None:
        found = trail.at_version(pathway_id, args.version)
    elif args.recorded_at is not None:
        found = trail.as_recorded_at(pathway_id, instant(args.recorded_at, "--recorded-at"))
    else:
        known = None if args.known_at is None else instant(args.known_at, "--known-at")
        found = trail.as_understood_at(pathway_id, instant(args.occurred_at, "--occurred-at"),
                                       known)
    print(AsOfView.of(found).model_dump_json(indent=2) if args.json else as_of_text(found))
    return 0


def as_of_text(found: AsOf) -> str:
    axis = {"version": f"as of version {found.version}",
            "recorded": f"as the record stood at {when(found.at)} (server time)",
            "clinical": f"as understood at {when(found.at)} (clinical time), known at"
                        f" {when(found.known_at) if found.known_at else 'now'}"}[found.axis]
    lines = [f"pathway {found.pathway_id} {axis}",
             f"  version {found.version} of {found.latest_version}; events included:"
             f" {_versions(found.included)}"]
    if found.left_out:
        lines.append(f"  recorded earlier but occurred later, left out: "
                     f"{_versions(found.left_out)}")
    lines.extend(f"  not applied: v{skipped.version} {skipped.type}: {skipped.reason}"
                 for skipped in found.not_applied)
    rows = [[key, value(item)] for key, item in found.state.items()]
    return "\n".join(lines) + "\n" + table(["field", "value"], rows)


def steps(trail: AuditTrail, args: argparse.Namespace) -> int:
    page = trail.steps(args.pathway_id)
    if args.json:
        print(AuditSteps.of(page).model_dump_json(indent=2))
        return 0
    print(steps_text(page))
    return 0


def steps_text(page: StepsPage) -> str:
    blocks = [f"pathway {page.pathway_id}: {len(page.steps)} steps"]
    for step in page.steps:
        entry = step.entry
        blocks.append(f"v{entry.version} {entry.type}  occurred {when(entry.occurred_at)}"
                      f"  recorded {when(entry.recorded_at)}  by {entry.actor_id}"
                      f" ({entry.actor_role})")
        for change in step.changes:
            if change.kind == "added" and change.after in _EMPTY:
                continue  # the opening adds every field; the empty ones say nothing
            if change.kind == "added":
                blocks.append(f"    + {change.path} = {value(change.after)}")
            elif change.kind == "removed":
                blocks.append(f"    - {change.path} (was {value(change.before)})")
            else:
                blocks.append(f"    ~ {change.path}: {value(change.before)} ->"
                              f" {value(change.after)}")
        if not step.changes:
            blocks.append("    (no change to the state)")
    return "\n".join(blocks)


_EMPTY: tuple[object, ...] = (None, [], {}, False, 0)


def _versions(versions: tuple[int, ...]) -> str:
    """``1-3, 5``: runs of consecutive versions."""
    runs: list[list[int]] = []
    for version in versions:
        if runs and version == runs[-1][-1] + 1:
            runs[-1].append(version)
        else:
            runs.append([version])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
