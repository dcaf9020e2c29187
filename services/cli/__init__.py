"""The ``carepath`` command: serve the API, seed the demo caseload, check settings.

Configuration errors end the command with exit status 2 and one line per setting to fix, never
a traceback. Heavy imports (FastAPI, uvicorn) happen inside the subcommand that needs them, so
``carepath check-config`` and ``--help`` stay fast. One module per subcommand; the benchmark is
a developer tool outside the package (``make bench``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from eventsourcing.persistence import OperationalError

from services.cli import access_log, audit, broker, integrity, projections, schemas, tokens
from services.cli.common import EXIT_CONFIG, EXIT_UNAVAILABLE, settings_from, version_text
from services.cli.config import CHECK_EPILOG, check_config_command, storage_description
from services.cli.demo import DEMO_EPILOG, demo_command
from services.cli.serve import SERVE_EPILOG, banner, serve_command
from services.demo.seed import DemoConflict
from services.settings import ConfigurationError

__all__ = ["EXIT_CONFIG", "EXIT_UNAVAILABLE", "banner", "build_parser", "main"]

DESCRIPTION = """\
carepath runs interpersonal psychotherapy (IPT) care pathways as an event-sourced service:
every change is a command checked against the clinical rules (IPT-01..IPT-32) and recorded
as events. Settings come from CAREPATH_* environment variables (see `carepath check-config`).
"""
EPILOG = """\
examples:
  carepath serve --demo                 start on http://127.0.0.1:8000 with a demo caseload
  carepath serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/carepath
  carepath demo --data-dir /tmp/carepath-demo
  carepath check-config                 show the settings in effect (secrets redacted)
  carepath projections status           the read models' position, lag and heartbeat
  carepath audit history <pathway-id>   a pathway's story: who, when, which rules
  carepath verify                       prove the stored events untouched (or name the break)
  carepath schemas check                the published event schemas match the models
  carepath relay run                    publish every event on CAREPATH_BROKER_URL
  carepath asyncapi -o asyncapi.json    the AsyncAPI document of the events and commands
  carepath issue-token --role auditor --subject me   a bearer token (development)
  carepath access-log list --pathway <id>   who read this pathway's records, when and why
  carepath <command> --help             more about one command
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``carepath`` subcommand and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.handler is None:
        parser.print_help()
        return EXIT_CONFIG
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigurationError as error:
        print(f"carepath: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except DemoConflict as error:  # an old demo in the data directory: say what to do
        print(f"carepath: {error} (for example: carepath serve --demo --data-dir ./data-new)",
              file=sys.stderr)
        return EXIT_CONFIG
    except OperationalError as error:  # the store is unreachable: say where, not a traceback
        print(f"carepath: cannot use the event store ({storage_description(settings_from(args))}"
              f"): {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="carepath", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"carepath {version_text()}")
    parser.set_defaults(handler=None)
    commands = parser.add_subparsers(title="commands", metavar="<command>")

    serve = commands.add_parser(
        "serve", help="run the HTTP API (docs at /docs)", formatter_class=formatter,
        description="Run the HTTP API with uvicorn. Host and port default to CAREPATH_HOST and"
                    " CAREPATH_PORT (127.0.0.1:8000).", epilog=SERVE_EPILOG)
    serve.add_argument("--host", help="interface to listen on (default: CAREPATH_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: CAREPATH_PORT)")
    serve.add_argument("--demo", action="store_true",
                       help="seed the synthetic demo caseload before serving (idempotent)")
    serve.add_argument("--demo-size", type=_positive, default=None, metavar="N",
                       help="seed N demo pathways (implies --demo; default 48); large sizes"
                            " are decided in memory and saved in batches, with progress")
    serve.add_argument("--workers", type=_positive, default=1,
                       help="server processes sharing the port (default 1)")
    serve.add_argument("--no-access-log", action="store_true",
                       help="no line per request (behind an ingress that logs them)")
    _data_dir_option(serve)
    serve.set_defaults(handler=serve_command)

    demo = commands.add_parser(
        "demo", help="seed the synthetic demo caseload and print a summary",
        formatter_class=formatter, epilog=DEMO_EPILOG,
        description="Seed a deterministic synthetic caseload through the application layer:"
                    " every phase, protocol and outcome, with missed sessions, deviations,"
                    " safety flags, maintenance and closures. No real person is described.")
    demo.add_argument("--count", "--demo-size", type=_positive, default=48, dest="count",
                      help="pathways to seed (default 48; e.g. 10000 to try the dashboard at"
                           " scale)")
    demo.add_argument("--seed", type=int, default=7, help="variation seed (default 7)")
    _data_dir_option(demo)
    demo.set_defaults(handler=demo_command)

    check = commands.add_parser(
        "check-config", help="validate the CAREPATH_* settings and print them (redacted)",
        formatter_class=formatter, epilog=CHECK_EPILOG,
        description="Load the settings the service would start with and print them, secrets"
                    " redacted. Exits 2 naming each invalid variable.")
    check.set_defaults(handler=check_config_command)
    projections.add_parser(commands, _data_dir_option)
    audit.add_parser(commands, _data_dir_option)
    integrity.add_parsers(commands, _data_dir_option)
    schemas.add_parser(commands)
    broker.add_parsers(commands, _data_dir_option)
    tokens.add_parser(commands, _data_dir_option)
    access_log.add_parser(commands, _data_dir_option)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be at least 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path,
                        help="directory of the embedded SQLite store (default: CAREPATH_DATA_DIR"
                             " or ./data); ignored when CAREPATH_DATABASE_URL is set")
