"""``carepath audit history|as-of|steps``: a pathway's story, its state on any date, and what
each event changed, as readable tables (``--json``: the HTTP endpoints' documents)."""

from __future__ import annotations

import argparse
import sys
from uuid import UUID

from services.audit.formatting import rules, value, when
from services.audit.groups import GroupTrail
from services.audit.instants import instant
from services.audit.trail import AsOf, AuditTrail, HistoryPage, StepsPage
from services.audit.wire import (
    AsOfView,
    AuditGroupHistory,
    AuditHistory,
    AuditSteps,
    GroupAsOfView,
)
from services.cli.audit.tables import table


def _one_of(args: argparse.Namespace, command: str) -> bool:
    """A pathway id or ``--group``, not both (else a usage message)."""
    if (args.pathway_id is None) == (args.group is None):
        print(f"carepath audit {command}: give a pathway id or --group ID", file=sys.stderr)
        return False
    return True


def history(trail: AuditTrail, args: argparse.Namespace) -> int:
    if not _one_of(args, "history"):
        return 2
    if args.group is not None:
        page = trail.groups().history(args.group)
        print(AuditGroupHistory.of(page).model_dump_json(indent=2) if args.json
              else history_table(page, "group"))
        return 0
    page = trail.history(args.pathway_id)
    if args.json:
        print(AuditHistory.of(page).model_dump_json(indent=2))
        return 0
    print(history_table(page))
    return 0


def history_table(page: HistoryPage, noun: str = "pathway") -> str:
    rows = []
    for entry in page.entries:
        notes = []
        if entry.back_dated:
            notes.append("back-dated")
        if entry.deviation is not None:
            notes.append(f"deviation {entry.deviation.rule}: {entry.deviation.reason}")
        if entry.group_session is not None:
            group_id, number = entry.group_session
            notes.append(f"group session {number} of group {group_id}")
        rows.append([str(entry.version), entry.type, when(entry.occurred_at),
                     when(entry.recorded_at), f"{entry.actor_id} ({entry.actor_role})",
                     entry.protocol, rules(entry.rules_checked), entry.correlation_id,
                     "; ".join(notes)])
    heading = (f"{noun} {page.pathway_id}: {len(page.entries)} events (clinical time ="
               " occurred, server time = recorded; rules checked as IPT- numbers)")
    return heading + "\n" + table(["v", "event", "occurred", "recorded", "actor (role)",
                                   "protocol", "rules checked (IPT-)", "correlation",
                                   "notes"], rows)


def as_of(trail: AuditTrail, args: argparse.Namespace) -> int:
    if not _one_of(args, "as-of"):
        return 2
    chosen = [name for name in ("version", "recorded_at", "occurred_at")
              if getattr(args, name) is not None]
    if len(chosen) != 1:
        print("carepath audit as-of: give one of --version, --recorded-at or --occurred-at",
              file=sys.stderr)
        return 2
    if args.known_at is not None and args.occurred_at is None:
        print("carepath audit as-of: --known-at goes with --occurred-at", file=sys.stderr)
        return 2
    one: AuditTrail | GroupTrail = trail if args.group is None else trail.groups()
    aggregate_id: UUID = args.pathway_id or args.group
    if args.version is not None:
        found = one.at_version(aggregate_id, args.version)
    elif args.recorded_at is not None:
        found = one.as_recorded_at(aggregate_id, instant(args.recorded_at, "--recorded-at"))
    else:
        known = None if args.known_at is None else instant(args.known_at, "--known-at")
        found = one.as_understood_at(aggregate_id, instant(args.occurred_at, "--occurred-at"),
                                     known)
    view = AsOfView.of(found) if args.group is None else GroupAsOfView.of(found)
    noun = "pathway" if args.group is None else "group"
    print(view.model_dump_json(indent=2) if args.json else as_of_text(found, noun))
    return 0


def as_of_text(found: AsOf, noun: str = "pathway") -> str:
    axis = {"version": f"as of version {found.version}",
            "recorded": f"as the record stood at {when(found.at)} (server time)",
            "clinical": f"as understood at {when(found.at)} (clinical time), known at"
                        f" {when(found.known_at) if found.known_at else 'now'}"}[found.axis]
    lines = [f"{noun} {found.pathway_id} {axis}",
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
