"""``carepath access-log``: who read which record (list, report by user, pathway or patient,
verify the chain); and the reader of a command-line read, which the audit commands record.

A read on the command line (``carepath audit history``, ``as-of``, ``steps``, ``export``,
``carepath evidence``) is recorded like an HTTP one: the operating system's user (``os:<name>``,
role ``operator``: whoever holds the database's credentials), channel ``cli`` and the stated
``--purpose``, required.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from services.access.log.entries import Reader
from services.cli.common import EXIT_CONFIG, settings_from

EXIT_BROKEN = 3
EPILOG = """\
examples:
  carepath access-log list --pathway 3f2b0c1e-...        who looked at this pathway
  carepath access-log list --actor auditor-rui --since 2026-01-01 --until 2026-04-01
  carepath access-log list --patient client-001 --json
  carepath access-log report --by user --since 2026-01-01 --until 2026-02-01
  carepath access-log verify                              the chain and its latest seal
"""


def os_reader(purpose: str) -> Reader:
    """The reader of a command-line read."""
    return Reader(actor_id=f"os:{getpass.getuser()}", actor_role="operator", purpose=purpose,
                  channel="cli")


def purpose_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--purpose", required=True, type=_purpose,
                        help="why this record is read (recorded in the access log)")


def _purpose(text: str) -> str:
    cleaned = text.strip()
    if not 3 <= len(cleaned) <= 200 or not cleaned.isprintable():  # noqa: PLR2004
        msg = "must be 3 to 200 characters of text"
        raise argparse.ArgumentTypeError(msg)
    return cleaned


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
               data_dir: Any) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = commands.add_parser(
        "access-log", help="who read which history, as-of or export: list, report, verify",
        formatter_class=formatter, epilog=EPILOG,
        description="The access log: every read of a history, an as-of or an export, with who,"
                    " when, which pathway and the stated purpose, append-only and"
                    " hash-chained.")
    sub = parser.add_subparsers(title="subcommands", metavar="<subcommand>")
    listing = sub.add_parser("list", help="the entries, filtered", formatter_class=formatter,
                             epilog=EPILOG)
    reporting = sub.add_parser("report", help="reads counted by user, pathway or patient",
                               formatter_class=formatter, epilog=EPILOG)
    for each in (listing, reporting):
        each.add_argument("--pathway", help="reads of this pathway (its id)")
        each.add_argument("--actor", help="reads by this user (a token's sub, or os:<name>)")
        each.add_argument("--patient", help="reads of this client's pathways (client_ref)")
        each.add_argument("--since", metavar="TIME", help="recorded from (included)")
        each.add_argument("--until", metavar="TIME", help="recorded before (excluded)")
        each.add_argument("--json", action="store_true", help="print JSON, as the HTTP API")
        data_dir(each)
    reporting.add_argument("--by", choices=("user", "pathway", "patient"), default="user")
    listing.set_defaults(handler=list_command)
    reporting.set_defaults(handler=report_command)
    verifying = sub.add_parser("verify", help="check the hash chain and the latest seal")
    data_dir(verifying)
    verifying.set_defaults(handler=verify_command)

    def usage(_args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_CONFIG

    parser.set_defaults(handler=usage)


def _asked(args: argparse.Namespace) -> Any:
    from uuid import UUID  # noqa: PLC0415

    from services.access.log.report import Asked  # noqa: PLC0415
    from services.audit.instants import instant  # noqa: PLC0415

    return Asked(
        pathway_id=None if args.pathway is None else UUID(args.pathway),
        actor=args.actor, patient=args.patient,
        since=None if args.since is None else instant(args.since, "--since",
                                                      start_of_day=True),
        until=None if args.until is None else instant(args.until, "--until",
                                                      start_of_day=True))


def list_command(args: argparse.Namespace) -> int:
    from services.access.log.report import every  # noqa: PLC0415
    from services.composition import bootstrap  # noqa: PLC0415

    container = bootstrap(settings_from(args))
    try:
        found = list(every(container.access_log, container.pathways, _wrapped(_asked, args)))
    finally:
        container.close()
    if args.json:
        for entry in found:
            print(json.dumps({**entry.fields(), "hash": entry.hash.hex()}))
        return 0
    print(f"{'#':>6}  {'recorded (UTC)':<19}  {'who':<28} {'action':<14} {'pathway':<36}"
          "  purpose")
    for entry in found:
        who = f"{entry.actor_id} ({entry.actor_role})"[:28]
        print(f"{entry.seq:>6}  {entry.recorded_at:%Y-%m-%d %H:%M:%S}  {who:<28}"
              f" {entry.action:<14} {entry.pathway_id or '-'!s:<36}  {entry.purpose}")
    print(f"{len(found)} reads", file=sys.stderr)
    return 0


def report_command(args: argparse.Namespace) -> int:
    from services.access.log.report import report  # noqa: PLC0415
    from services.composition import bootstrap  # noqa: PLC0415

    container = bootstrap(settings_from(args))
    try:
        rows = report(container.access_log, container.pathways, _wrapped(_asked, args),
                      args.by)
    finally:
        container.close()
    if args.json:
        print(json.dumps([{**vars(row), "first": row.first.isoformat(),
                           "last": row.last.isoformat()} for row in rows], indent=2))
        return 0
    print(f"{args.by:<40} {'reads':>6} {'pathways':>9} {'users':>6}  first / last (UTC)")
    for row in rows:
        print(f"{row.key[:40]:<40} {row.reads:>6} {row.pathways:>9} {row.users:>6}"
              f"  {row.first:%Y-%m-%d %H:%M} / {row.last:%Y-%m-%d %H:%M}")
    return 0


def verify_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415

    container = bootstrap(settings_from(args))
    try:
        found = container.access_log.verify(container.settings.checkpoint_signer.verifier)
    finally:
        container.close()
    if found.ok:
        print(f"access log intact: {found.entries:,} entries, the latest sealed")
        return 0
    assert found.finding is not None  # noqa: S101 - not ok names a finding
    print(f"access log BROKEN at entry {found.finding.seq}: {found.finding.reason}",
          file=sys.stderr)
    return EXIT_BROKEN


def _wrapped(make: Any, args: argparse.Namespace) -> Any:
    """``make(args)``, an invalid time or id said in one line (exit 2 by ``main``)."""
    from services.audit.errors import InvalidInstant  # noqa: PLC0415
    from services.settings import ConfigurationError  # noqa: PLC0415

    try:
        return make(args)
    except (InvalidInstant, ValueError) as error:
        raise ConfigurationError(f"access-log: {error}") from None
