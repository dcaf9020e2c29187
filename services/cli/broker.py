"""``carepath relay run|status`` and ``carepath asyncapi``: the broker edge from the shell.

``relay run`` publishes every stored event on ``CAREPATH_BROKER_URL`` until stopped
(SIGINT/SIGTERM), as a process of its own (``serve`` runs the same relay in-process unless
``CAREPATH_RELAY_IN_PROCESS=false``); one copy publishes at a time, a second waits and takes
over. It prints where it stands every few seconds while it has work. ``relay status`` prints
the position and lag; ``asyncapi`` writes the AsyncAPI 3 document (JSON, or YAML).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from projections.log import OrderedLog
from services.cli.common import EXIT_CONFIG, settings_from, version_text
from services.composition import Container, bootstrap, broker_runtime

RELAY_EPILOG = """\
examples:
  CAREPATH_BROKER_URL=nats://127.0.0.1:4222 carepath relay run
  CAREPATH_BROKER_URL=amqp://guest:guest@rabbit:5672/ carepath relay run --commands
  carepath relay status
"""
PROGRESS_SECONDS = 5.0
NO_BROKER = "carepath: set CAREPATH_BROKER_URL (nats://, amqp:// or redis://) to run the relay"


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                data_dir: Callable[[argparse.ArgumentParser], None]) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    group = commands.add_parser(
        "relay", help="publish every stored event on the broker", formatter_class=formatter,
        epilog=RELAY_EPILOG,
        description="The relay follows the event log and publishes each event once, in log"
                    " order, on CAREPATH_BROKER_URL.")

    def usage(_args: argparse.Namespace) -> int:
        group.print_help()
        return EXIT_CONFIG

    group.set_defaults(handler=usage)
    sub = group.add_subparsers(title="subcommands", metavar="<subcommand>")
    run = sub.add_parser("run", help="publish until stopped (Ctrl-C)")
    run.add_argument("--commands", action="store_true",
                     help="also answer commands by request/reply on the broker")
    run.set_defaults(handler=run_command)
    status = sub.add_parser("status", help="the relay's position and lag")
    status.set_defaults(handler=status_command)
    for parser in (run, status):
        data_dir(parser)

    document = commands.add_parser(
        "asyncapi", help="write the AsyncAPI 3 document of the events and commands",
        description="Write the AsyncAPI 3 document the service serves at /asyncapi.json.")
    document.add_argument("-o", "--output", type=Path, help="write to FILE (default: stdout)")
    document.add_argument("--yaml", action="store_true", help="YAML instead of JSON")
    document.set_defaults(handler=asyncapi_command)


def run_command(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.broker_url is None:
        print(NO_BROKER, file=sys.stderr)
        return EXIT_CONFIG
    container = bootstrap(settings)
    try:
        asyncio.run(_relay(container, commands=args.commands))
    finally:
        container.close()
    return 0


async def _relay(container: Container, *, commands: bool) -> None:
    runtime = broker_runtime(container, relay=True, commands=commands)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await runtime.start()
    print(f"carepath relay: publishing the log on {runtime.description} (Ctrl-C stops)",
          flush=True)
    shown: tuple[int | None, int] | None = None
    try:
        while not stopping.is_set():
            status = await asyncio.to_thread(runtime.status, container.read_store,
                                             OrderedLog(container.pathways))
            if (status.position, status.head) != shown:
                shown = (status.position, status.head)
                print(f"  relay: {status.position or 0:,}/{status.head:,} events published,"
                      f" lag {status.lag_events:,} ({status.lag_seconds:.1f}s)", flush=True)
            try:
                await asyncio.wait_for(stopping.wait(), PROGRESS_SECONDS)
            except TimeoutError:
                continue
    finally:
        await runtime.stop()


def status_command(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.broker_url is None:
        print("carepath: no CAREPATH_BROKER_URL: nothing is published", file=sys.stderr)
        return EXIT_CONFIG
    from services.broker.names import Names  # noqa: PLC0415
    from services.broker.runtime import relay_name  # noqa: PLC0415
    from services.broker.status import relay_status  # noqa: PLC0415

    container = bootstrap(settings)
    try:
        status = relay_status(container.read_store, OrderedLog(container.pathways),
                              relay_name(Names(settings.broker_prefix)), None)
    finally:
        container.close()
    beat = ("never" if status.heartbeat_age_seconds is None
            else f"{status.heartbeat_age_seconds:.1f}s ago by {status.worker}")
    print(f"relay {status.name}: position {status.position or 0:,} of {status.head:,},"
          f" lag {status.lag_events:,} events ({status.lag_seconds:.1f}s), heartbeat {beat}")
    return 0


def asyncapi_command(args: argparse.Namespace) -> int:
    from services.broker.asyncapi import document_json  # noqa: PLC0415
    from services.broker.names import Names  # noqa: PLC0415
    from services.broker.runtime import documented  # noqa: PLC0415

    settings = settings_from(args)
    url = None if settings.broker_url is None else settings.broker_url.get_secret_value()
    spec = documented(url, Names(settings.broker_prefix)).specification(version_text())
    if args.yaml:
        text = spec.to_yaml()
    else:
        import json  # noqa: PLC0415

        text = json.dumps(document_json(spec), indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"carepath: wrote the AsyncAPI document to {args.output}", file=sys.stderr)
    return 0
