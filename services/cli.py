"""The ``carepath`` command: serve the API, seed the demo caseload, benchmark, check settings.

Configuration errors end the command with exit status 2 and one line per setting to fix, never
a traceback. Heavy imports (FastAPI, uvicorn, the benchmark) happen inside the subcommand that
needs them, so ``carepath check-config`` and ``--help`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from eventsourcing.persistence import OperationalError
from pydantic import SecretStr

from services.settings import ConfigurationError, Settings, load_settings, postgres_params

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 1
DEMO_BATCH = 8
_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - compared, not bound

DESCRIPTION = """\
carepath runs interpersonal psychotherapy (IPT) care pathways as an event-sourced service:
every change is a command checked against the clinical rules (IPT-01..IPT-31) and recorded
as events. Settings come from CAREPATH_* environment variables (see `carepath check-config`).
"""
EPILOG = """\
examples:
  carepath serve --demo                 start on http://127.0.0.1:8000 with a demo caseload
  carepath serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/carepath
  carepath demo --data-dir /tmp/carepath-demo
  carepath check-config                 show the settings in effect (secrets redacted)
  carepath bench --ops 500              run the write benchmark (PostgreSQL on 127.0.0.1)
  carepath <command> --help             more about one command
"""
SERVE_EPILOG = """\
examples:
  carepath serve                        embedded SQLite in ./data, http://127.0.0.1:8000
  carepath serve --demo                 the same, with 48 synthetic pathways seeded first
  CAREPATH_DATABASE_URL=postgresql://carepath@db:5432/carepath carepath serve --host 0.0.0.0

The API documentation (OpenAPI) is served at /docs.
"""
DEMO_EPILOG = """\
examples:
  carepath demo                         seed ./data (or CAREPATH_DATA_DIR) and print a summary
  carepath demo --count 96 --seed 11    a larger caseload; another seed, other pathways

Seeding is idempotent: running it again on the same data records nothing new.
"""
CHECK_EPILOG = """\
examples:
  carepath check-config
  CAREPATH_PORT=99999 carepath check-config      exits 2 and names CAREPATH_PORT
"""
BENCH_HELP = "write benchmark: carepath vs bare eventsourcing vs raw psycopg (PostgreSQL)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``carepath`` subcommand and return its exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["bench"]:  # everything after "bench" belongs to the benchmark
        return _bench(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.handler is None:
        parser.print_help()
        return EXIT_CONFIG
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigurationError as error:
        print(f"carepath: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except OperationalError as error:  # the store is unreachable: say where, not a traceback
        print(f"carepath: cannot use the event store ({storage_description(_settings(args))}):"
              f" {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="carepath", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"carepath {_version()}")
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
    _data_dir_option(serve)
    serve.set_defaults(handler=serve_command)

    demo = commands.add_parser(
        "demo", help="seed the synthetic demo caseload and print a summary",
        formatter_class=formatter, epilog=DEMO_EPILOG,
        description="Seed a deterministic synthetic caseload through the application layer:"
                    " every phase, protocol and outcome, with missed sessions, deviations,"
                    " safety flags, maintenance and closures. No real person is described.")
    demo.add_argument("--count", type=int, default=48, help="pathways to seed (default 48)")
    demo.add_argument("--seed", type=int, default=7, help="variation seed (default 7)")
    _data_dir_option(demo)
    demo.set_defaults(handler=demo_command)

    commands.add_parser("bench", help=BENCH_HELP, add_help=False,
                        description=f"{BENCH_HELP}. Options are the benchmark's own: see"
                                    " `carepath bench --help`.")

    check = commands.add_parser(
        "check-config", help="validate the CAREPATH_* settings and print them (redacted)",
        formatter_class=formatter, epilog=CHECK_EPILOG,
        description="Load the settings the service would start with and print them, secrets"
                    " redacted. Exits 2 naming each invalid variable.")
    check.set_defaults(handler=check_config_command)
    return parser


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path,
                        help="directory of the embedded SQLite store (default: CAREPATH_DATA_DIR"
                             " or ./data); ignored when CAREPATH_DATABASE_URL is set")


def _settings(args: argparse.Namespace, *names: str) -> Settings:
    overrides = {name: getattr(args, name) for name in ("data_dir", *names)
                 if getattr(args, name, None) is not None}
    return load_settings(**overrides)


# ----- subcommands ------------------------------------------------------------------------


def serve_command(args: argparse.Namespace) -> int:
    settings = _settings(args, "host", "port")
    from services.composition import bootstrap  # noqa: PLC0415 - keep --help fast

    container = bootstrap(settings)
    first_demo = None
    if args.demo:
        summary = _seed(container.pathways, count=48, seed=7)
        first_demo = str(summary.pathway_ids[0])
    print(banner(settings, first_demo), flush=True)

    import uvicorn  # noqa: PLC0415 - only serving needs the server

    from services.http.app import create_app  # noqa: PLC0415

    uvicorn.run(create_app(container), host=settings.host, port=settings.port)
    return 0


def demo_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415

    settings = _settings(args)
    container = bootstrap(settings)
    try:
        print(f"seeding the demo caseload into {storage_description(settings)}", flush=True)
        _seed(container.pathways, count=args.count, seed=args.seed)
    finally:
        container.close()
    return 0


def _seed(pathways: Any, *, count: int, seed: int) -> Any:
    from services.demo import seed_demo  # noqa: PLC0415

    def progress(done: int, total: int) -> None:
        if done % DEMO_BATCH == 0 or done == total:
            print(f"  demo: {done}/{total} pathways", flush=True)

    summary = seed_demo(pathways, count=count, seed=seed, progress=progress)
    print(summary.render(), flush=True)
    return summary


def check_config_command(_args: argparse.Namespace) -> int:
    settings = load_settings()
    print("carepath settings (from CAREPATH_* variables and defaults):")
    for name in type(settings).model_fields:
        print(f"  CAREPATH_{name.upper():<22} {_shown(name, getattr(settings, name))}")
    print(f"storage: {storage_description(settings)}")
    return 0


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr):
        return redacted_dsn(value) if name == "database_url" else "<redacted>"
    return str(value)


def _bench(argv: list[str]) -> int:
    try:
        from services.bench.main import main as bench_main  # noqa: PLC0415
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("services.bench"):
            raise
        print("carepath bench: the benchmark (services.bench) is not installed in this build",
              file=sys.stderr)
        return 1
    return bench_main(argv)


# ----- what a person starting the service needs to see --------------------------------------


def storage_description(settings: Settings) -> str:
    """Where the data lives, with no secret in it."""
    if settings.database_url is None:
        return f"sqlite file {(settings.data_dir / 'Pathways.sqlite3').resolve()}"
    return f"postgresql ({redacted_dsn(settings.database_url)})"


def redacted_dsn(dsn: SecretStr) -> str:
    params = postgres_params(dsn.get_secret_value())
    password = ":<redacted>" if params.get("password") else ""
    return (f"postgresql://{params['user']}{password}@{params['host']}:"
            f"{params.get('port', '5432')}/{params['dbname']}")


def banner(settings: Settings, demo_pathway: str | None = None) -> str:
    shown = "127.0.0.1" if settings.host in _WILDCARD_HOSTS else settings.host
    base = f"http://{shown}:{settings.port}"
    headers = "-H 'X-Actor-Id: t-amara' -H 'X-Actor-Role: therapist'"
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    opening = (f'{{"occurred_at": "{now.isoformat()}", "client_ref": "client-001",'
               f' "client_age": 34, "therapist_id": "t-amara", "protocol": "ipt",'
               f' "referral_date": "{now.date().isoformat()}"}}')
    lines = [
        f"carepath {_version()}",
        f"  data:     {storage_description(settings)}",
        f"  API:      {base}",
        f"  API docs: {base}/docs",
        "  try:",
        f"    curl -s {base}/health",
        f"    curl -s '{base}/pathways?limit=5'",
        f"    curl -s -X POST {base}/pathways {headers} -H 'Idempotency-Key: try-1' \\",
        f"         -H 'Content-Type: application/json' -d '{opening}'",
    ]
    if demo_pathway:
        refused = (f'{{"occurred_at": "{now.isoformat()}", "number": 1, "minutes": 50,'
                   ' "focus_addressed": "role_dispute"}')
        lines += [
            f"    curl -s {base}/pathways/{demo_pathway}/history",
            f"    curl -s -X POST {base}/pathways/{demo_pathway}/sessions {headers} \\",
            f"         -H 'Content-Type: application/json' -d '{refused}'"
            "   # refused: IPT-01",
        ]
    return "\n".join(lines)


def _version() -> str:
    try:
        return version("carepath")
    except PackageNotFoundError:
        return "0.0.0"


if __name__ == "__main__":
    sys.exit(main())
