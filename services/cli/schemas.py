"""``carepath schemas write | check``: the integration events' JSON Schemas in the repository.

``write`` adds the file of each model's current version where it is missing and refuses
(writing nothing) a model that no longer matches its published version or breaks its line;
``check`` reports the same problems without writing, and exits 1 if there are any (CI runs the
same check as a test). No settings and no store are needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_PROBLEMS = 1
SCHEMAS_EPILOG = """\
examples:
  carepath schemas write      after changing an integration event and bumping its version
  carepath schemas check      exit 1 and name each problem if a model and its files disagree

A published version never changes: give a changed model version = N + 1, and also
major = N + 1 if the change is incompatible (it is then published under a new type).
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    schemas = commands.add_parser(
        "schemas", help="write or check the integration events' JSON Schemas",
        formatter_class=formatter, epilog=SCHEMAS_EPILOG,
        description="The JSON Schemas of the events platform teams receive, one file per"
                    " published version (services/integration/schemas/<Name>/v<N>.json).")
    schemas.set_defaults(handler=lambda _args: _usage(schemas))
    actions = schemas.add_subparsers(title="actions", metavar="<action>")
    for name, handler, help_text in (
            ("write", write_command, "write the missing versions (refuses a changed one)"),
            ("check", check_command, "check models, files and compatibility; exit 1 on a"
                                     " problem")):
        action = actions.add_parser(name, help=help_text, formatter_class=formatter,
                                    epilog=SCHEMAS_EPILOG)
        action.add_argument("--dir", type=Path, default=None,
                            help="the schemas folder (default: the package's own)")
        action.set_defaults(handler=handler)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def write_command(args: argparse.Namespace) -> int:
    from services.integration.schemas import (  # noqa: PLC0415 - keep --help fast
        SCHEMA_DIR,
        SchemaRefused,
        write_schemas,
    )

    try:
        written = write_schemas(directory=args.dir or SCHEMA_DIR)
    except SchemaRefused as refused:
        print(f"carepath schemas: nothing written:\n{refused}", file=sys.stderr)
        return EXIT_PROBLEMS
    added = [item.path for item in written if item.added]
    for path in added:
        print(f"added {path}")
    print(f"{len(added)} added, {len(written) - len(added)} already published")
    return 0


def check_command(args: argparse.Namespace) -> int:
    from services.integration.schemas import SCHEMA_DIR, check_schemas  # noqa: PLC0415

    problems = check_schemas(directory=args.dir or SCHEMA_DIR)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_PROBLEMS
    print("every integration event's schema is published and each line is compatible")
    return 0
