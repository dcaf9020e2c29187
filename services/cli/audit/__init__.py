"""``carepath audit``: what an auditor runs against the event store (the record of truth).

``history``, ``as-of`` and ``steps`` replay one pathway; every read goes through
``services.audit`` like the HTTP endpoints'. ``--json`` prints the endpoints' documents.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from services.cli.access_log import os_reader, purpose_option
from services.cli.common import EXIT_CONFIG, settings_from

EXIT_NOT_FOUND = 1
EXPORT_EPILOG = """\
examples:
  carepath audit export 3f2b... -o pathway.fhir.json         one pathway as a FHIR R4 bundle
  carepath audit export 3f2b... --format jsonl               one line per stored event
  carepath audit export --since 2026-01-01 --until 2026-04-01 --format fhir -o q1.json

A period holds every pathway with an event whose clinical time lies in [--since, --until);
each is exported whole. A date alone is the start of that day (UTC). The FHIR bundle holds
Patient and Practitioner (by identifier only), EpisodeOfCare, Condition, CarePlan (the
contract), Encounter per session, Observation per measure (LOINC), Consent and a Provenance
per event.
"""
COMPLIANCE_EPILOG = """\
examples:
  carepath audit compliance                          would today's rules accept every history?
  carepath audit compliance --protocols ipt-v2.toml  and a proposed ipt version 2?
  carepath audit compliance --json > report.json

A proposal is a protocol table file: one [[protocol]] table per proposed version, naming the
protocol id, its new version (above every published one), the published version it is based
on, and the numbers that change:

  [[protocol]]
  id = "ipt"
  version = 2
  based_on = 1
  sessions_range = [8, 16]          # IPT-03
  max_days_between_sessions = 10    # IPT-05

Pathways of that protocol are decided again under it; the others under their own version.
Each stored command is decided on the pathway as it stood just before it, so one refusal
does not hide later ones. Progress goes to stderr, the report to stdout.
"""
AUDIT_EPILOG = """\
examples:
  carepath audit history 3f2b...-...            every event: times, actor, rules checked
  carepath audit as-of 3f2b... --version 12
  carepath audit as-of 3f2b... --recorded-at 2026-03-10          the record as it stood then
  carepath audit as-of 3f2b... --occurred-at 2026-03-10          as the clinic understood it
  carepath audit as-of 3f2b... --occurred-at 2026-03-10 --known-at 2026-03-15
  carepath audit steps 3f2b...                  what each event changed
  carepath audit history --group 7c1d...        a group's events: sessions, attendance
  carepath audit as-of --group 7c1d... --occurred-at 2026-03-10
  carepath audit history 3f2b... --json
  carepath audit compliance                     today's rules against every stored history
  carepath audit compliance --protocols ipt-v2.toml
  carepath audit export 3f2b... --format fhir -o pathway.json
  carepath audit export --since 2026-01-01 --until 2026-04-01 --format jsonl

Times: an ISO 8601 date-time with an offset (2026-03-10T09:00:00Z), or a date (the end of that
day, UTC). The record axis (--recorded-at) holds what was recorded by then; the clinical axis
(--occurred-at) holds what had occurred by then, of what was recorded by --known-at (default:
now). They differ where an entry was back-dated.
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
               data_dir: Callable[[argparse.ArgumentParser], None]) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    group = commands.add_parser(
        "audit", help="replay a pathway's history, its state on any date, what changed",
        formatter_class=formatter, epilog=AUDIT_EPILOG,
        description="Read a pathway's history from the event store: who did what, when (on"
                    " both clocks), under which protocol and which rules.")

    def usage(_args: argparse.Namespace) -> int:
        group.print_help()
        return EXIT_CONFIG

    group.set_defaults(handler=usage)
    sub = group.add_subparsers(title="subcommands", metavar="<subcommand>")
    history = sub.add_parser("history", help="every event with times, actor, rules checked")
    as_of = sub.add_parser("as-of", help="the state as of a version, or a time on either axis")
    as_of.add_argument("--version", type=int, help="the state after this version")
    as_of.add_argument("--recorded-at", metavar="TIME",
                       help="the record as it stood at this server time")
    as_of.add_argument("--occurred-at", metavar="TIME",
                       help="as the clinic understood it at this clinical time")
    as_of.add_argument("--known-at", metavar="TIME",
                       help="with --occurred-at: only what was recorded by this server time")
    steps = sub.add_parser("steps", help="each event with what it changed in the state")
    for parser, name in ((history, "history"), (as_of, "as_of"), (steps, "steps")):
        if parser is steps:
            parser.add_argument("pathway_id", type=UUID, help="the pathway's id (a UUID)")
        else:
            parser.add_argument("pathway_id", type=UUID, nargs="?",
                                help="the pathway's id (a UUID)")
            parser.add_argument("--group", type=UUID, metavar="ID",
                                help="a group's instead (its own events: formed, members,"
                                     " sessions and attendance, closed)")
        parser.add_argument("--json", action="store_true", help="print JSON, as the HTTP API")
        purpose_option(parser)
        parser.set_defaults(handler=_with_trail("replay", name))
        data_dir(parser)
    compliance = sub.add_parser(
        "compliance", help="decide every stored history again: today's rules or a proposal",
        formatter_class=formatter, epilog=COMPLIANCE_EPILOG,
        description="Replay every stored history through today's rules and, with --protocols,"
                    " a proposed protocol version; report the pathways they would have"
                    " refused, at which event and rule, as a diff by rule id.")
    compliance.add_argument("--protocols", type=Path, metavar="FILE",
                            help="a protocol table file (TOML, or .json) proposing new versions")
    compliance.add_argument("--json", action="store_true", help="print the report as JSON")
    compliance.set_defaults(handler=_with_trail("compliance", "compliance"))
    data_dir(compliance)
    export = sub.add_parser(
        "export", help="a pathway, or every pathway of a period, as JSON lines or FHIR R4",
        formatter_class=formatter, epilog=EXPORT_EPILOG,
        description="Export one pathway's history, or every pathway with an event that"
                    " occurred in [--since, --until), as JSON lines (one stored event a line)"
                    " or a FHIR R4 collection bundle.")
    export.add_argument("pathway_id", type=UUID, nargs="?", help="the pathway's id (a UUID)")
    export.add_argument("--since", metavar="TIME", help="a period's first instant (included)")
    export.add_argument("--until", metavar="TIME", help="a period's end (excluded)")
    export.add_argument("--format", choices=("jsonl", "fhir"), default="fhir",
                        help="jsonl or fhir (default)")
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    purpose_option(export)
    export.set_defaults(handler=_with_trail("export", "export"))
    data_dir(export)


_ASKED = ("group", "version", "recorded_at", "occurred_at", "known_at", "since", "until", "format")


def _trail_of(container: Any, args: argparse.Namespace, name: str) -> Any:
    """The trail a command reads through: recording each read in the access log, as the
    operating system's user's with the stated ``--purpose`` (the compliance replay, which
    shows rule ids and not records, states none)."""
    purpose = getattr(args, "purpose", None)
    if purpose is None:
        return container.audit
    reader = os_reader(purpose)
    options = " ".join(f"--{key.replace('_', '-')} {getattr(args, key)}" for key in _ASKED
                       if getattr(args, key, None) is not None)
    detail = " ".join(part for part in ("carepath audit", name,
                                        str(getattr(args, "pathway_id", None) or ""), options)
                      if part)

    def recorded(action: str, pathway_id: UUID) -> None:
        container.access_log.record(reader, action, pathway_id, detail)

    return container.audit.reading(recorded)


def _with_trail(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """Run ``services.cli.audit.<module>.<name>`` with the audit trail of a container built
    from the settings (imported when run, so ``--help`` stays fast)."""

    def run(args: argparse.Namespace) -> int:
        from services.audit.errors import InvalidInstant  # noqa: PLC0415
        from services.composition import bootstrap  # noqa: PLC0415
        from services.errors import GroupNotFound, PathwayNotFound  # noqa: PLC0415

        container = bootstrap(settings_from(args))
        try:
            handler: Callable[..., int] = getattr(
                importlib.import_module(f"services.cli.audit.{module}"), name)
            return handler(_trail_of(container, args, name), args)
        except InvalidInstant as error:
            print(f"carepath audit: {error}", file=sys.stderr)
            return EXIT_CONFIG
        except (PathwayNotFound, GroupNotFound) as error:  # unknown, or not yet at that time
            print(f"carepath audit: {error}", file=sys.stderr)
            return EXIT_NOT_FOUND
        except BrokenPipeError:  # the reader went away (| head): stop quietly, as tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_NOT_FOUND
        finally:
            container.close()

    return run
