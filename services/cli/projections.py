"""``carepath projections run|rebuild|status``: the read models' workers, rebuilds, and lag.

``run`` follows the log into every read model until stopped (SIGINT/SIGTERM): the PostgreSQL
deployment runs it as a process of its own (``serve`` runs the same workers in-process unless
``CAREPATH_PROJECTIONS_IN_PROCESS=false``). ``rebuild`` builds a new generation beside the
live one and waits until it takes over, with a progress bar (plain lines when not a TTY): the
running workers build it if they lead, this command otherwise; ``rebuild --all`` with no
worker running builds every read model in one pass over the log per process, the read models
shared out between processes (one per core, ``--processes``). ``status`` prints each
projection's position, lag, heartbeat and leading worker (host:pid), and a rebuild's progress.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from projections.follower import Follower, FollowerOptions
from projections.log import OrderedLog
from projections.projection import Projection
from projections.rebuild import begin_rebuild, plan_of
from projections.registry import all_projections
from projections.status import ProjectionStatus, projection_status
from services.cli.common import EXIT_CONFIG, settings_from
from services.composition import Container, bootstrap, leadership_for
from services.rebuild_worker import rebuild_in_processes

PROJECTIONS_EPILOG = """\
examples:
  carepath projections run               the workers, until Ctrl-C (PostgreSQL: own process)
  carepath projections rebuild pathways  build pathways afresh beside the live one
  carepath projections rebuild --all
  carepath projections status
"""
BAR_WIDTH = 30
PLAIN_EVERY_SECONDS = 2.0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
               data_dir: Callable[[argparse.ArgumentParser], None]) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    group = commands.add_parser(
        "projections", help="run, rebuild and inspect the read models",
        formatter_class=formatter, epilog=PROJECTIONS_EPILOG,
        description="The read models' workers follow the event log into their tables.")

    def usage(_args: argparse.Namespace) -> int:
        group.print_help()
        return EXIT_CONFIG

    group.set_defaults(handler=usage)
    sub = group.add_subparsers(title="subcommands", metavar="<subcommand>")
    run = sub.add_parser("run", help="follow the log into every read model until stopped")
    run.set_defaults(handler=run_command)
    rebuild = sub.add_parser("rebuild", help="rebuild one read model (or --all) blue/green")
    rebuild.add_argument("name", nargs="?", help="the read model to rebuild")
    rebuild.add_argument("--all", action="store_true", help="rebuild every read model")
    rebuild.add_argument("--processes", type=_positive, default=None, metavar="N",
                         help="--all with no worker running: processes sharing the read"
                              " models out (default: one per core, or one for a log under"
                              " 50,000 events)")
    rebuild.set_defaults(handler=rebuild_command)
    status = sub.add_parser("status", help="position, lag and heartbeat per read model")
    status.set_defaults(handler=status_command)
    for parser in (run, rebuild, status):
        data_dir(parser)


def run_command(args: argparse.Namespace) -> int:
    container = bootstrap(settings_from(args))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    workers = container.start_projections()
    print(f"carepath projections: following the log into {', '.join(workers.followers)}"
          " (Ctrl-C stops)", flush=True)
    try:
        stopping.wait()
    finally:
        container.close()
    return 0


def rebuild_command(args: argparse.Namespace) -> int:
    chosen = _chosen(args)
    if chosen is None:
        return EXIT_CONFIG
    container = bootstrap(settings_from(args))
    try:
        if len(chosen) > 1 and rebuild_together(container, chosen, sys.stdout,
                                                processes=args.processes):
            return 0
        for projection in chosen:
            rebuild(container, projection, sys.stdout)
    finally:
        container.close()
    return 0


def rebuild_together(container: Container, projections: list[Projection], out: TextIO, *,
                     processes: int | None = None) -> bool:
    """Rebuild ``projections`` together, shared out between ``processes`` processes (default
    one per core) each making one pass over the log (``rebuild_in_processes``), if no running
    worker leads any of them; False (nothing done) if one does: the workers then build each
    (``rebuild``), since only the leader of a read model may write it."""
    leaderships = [leadership_for(container.settings)(p.name) for p in projections]
    try:
        if not all(leadership.try_acquire() for leadership in leaderships):
            print("read models: running workers lead some of them; they rebuild each",
                  file=out, flush=True)
            return False
        bar = Bar(out, "every read model", None)
        rebuild_in_processes(container, projections, processes=processes,
                             progress=lambda done: bar.show(done.position, done.head))
        bar.done(OrderedLog(container.pathways).head())
        return True
    finally:
        for leadership in leaderships:
            leadership.release()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be 1 or more, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _chosen(args: argparse.Namespace) -> list[Projection] | None:
    projections = list(all_projections())
    if args.all:
        return projections
    named = [p for p in projections if p.name == args.name]
    if not named:
        known = ", ".join(p.name for p in projections) or "none"
        print(f"carepath: name a read model or --all (read models: {known})", file=sys.stderr)
        return None
    return named


def rebuild(container: Container, projection: Projection, out: TextIO) -> None:
    """Build a new generation of ``projection`` and wait until it is live."""
    store, log = container.read_store, OrderedLog(container.pathways)
    generation = begin_rebuild(store, projection)
    follower = Follower(store, log, projection, leadership_for(container.settings)(
        projection.name), FollowerOptions())
    bar = Bar(out, projection.name, generation)
    try:
        while True:
            worked = follower.step()  # builds when no running worker leads; else they do
            plan = plan_of(store, projection)
            if plan.live is not None and plan.live.generation == generation:
                bar.done(plan.live.position)
                return
            if plan.building is None or plan.building.generation != generation:
                print(f"{projection.name}: generation {generation} was abandoned", file=out)
                return
            bar.show(plan.building.position, log.head())
            if not worked:
                time.sleep(0.2)
    finally:
        follower.leadership.release()


class Bar:
    """Events done of the head, rate and ETA: redrawn on a TTY, a line every 2 s otherwise."""

    def __init__(self, out: TextIO, name: str, generation: int | None) -> None:
        self.out, self.name, self.generation = out, name, generation
        self.label = name if generation is None else f"{name} g{generation}"
        self.tty = out.isatty()
        self.started = self.shown_at = time.monotonic()
        self.first: int | None = None

    def show(self, position: int, head: int) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = position
        if not self.tty and now - self.shown_at < PLAIN_EVERY_SECONDS:
            return
        self.shown_at = now
        rate = (position - self.first) / max(1e-6, now - self.started)
        eta = f"{(head - position) / rate:,.0f}s" if rate > 0 else "?"
        share = 1.0 if head == 0 else position / head
        filled = round(BAR_WIDTH * share)
        text = (f"{self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}]"
                f" {share:4.0%} {position:,}/{head:,} events {rate:,.0f}/s ETA {eta}")
        print(f"\r{text}" if self.tty else text, end="" if self.tty else "\n", file=self.out,
              flush=True)

    def done(self, position: int) -> None:
        took = time.monotonic() - self.started
        end = "\n" if self.tty else ""
        built = "new generations are" if self.generation is None else (
            f"generation {self.generation} is")
        print(f"{end}{self.name}: {built} live at position {position:,} ({took:.1f}s); the"
              " old ones are dropped by the workers shortly", file=self.out, flush=True)


def status_command(args: argparse.Namespace) -> int:
    container = bootstrap(settings_from(args))
    try:
        rows = projection_status(container.read_store, OrderedLog(container.pathways),
                                 all_projections())
    finally:
        container.close()
    print(f"{'read model':<14} {'gen':>4} {'position':>10} {'head':>10} {'lag':>8}"
          f" {'lag s':>8} {'heartbeat':>10}  {'worker':<24} rebuild")
    for row in rows:
        print(_status_line(row))
    return 0


def _status_line(row: ProjectionStatus) -> str:
    beat = "never" if row.heartbeat_age_seconds is None else f"{row.heartbeat_age_seconds:.1f}s"
    rebuild = ""
    if row.rebuild is not None:
        eta = "?" if row.rebuild.eta_seconds is None else f"{row.rebuild.eta_seconds:.0f}s"
        rebuild = (f"g{row.rebuild.generation} v{row.rebuild.version} {row.rebuild.done:.0%}"
                   f" ETA {eta}")
    gen = "-" if row.live_generation is None else str(row.live_generation)
    return (f"{row.name:<14} {gen:>4} {row.position:>10,} {row.head:>10,}"
            f" {row.lag_events:>8,} {row.lag_seconds:>8.1f} {beat:>10}"
            f"  {row.worker or '-':<24} {rebuild}").rstrip()
