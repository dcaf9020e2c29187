"""Entry points: ``run_benchmark`` (library) and ``main`` (command line).

.venv/bin/python -m bench --ops 2000 --writers 1,8
.venv/bin/python -m bench --carepath some.module:factory
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bench.carepath import MEAN_HISTORY, typical_event_bytes
from bench.suite import run_benchmark
from bench.workload import WorkloadFactory

__all__ = ["DEFAULT_DSN", "build_parser", "load_factory", "main", "parse_writers", "run_benchmark"]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
CAREPATH_FACTORY = "bench.carepath:carepath_factory"


def load_factory(spec: str) -> WorkloadFactory:
    """Resolve ``package.module:attribute`` to a workload factory."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"expected module:attribute, got {spec!r}")
    factory: WorkloadFactory = getattr(importlib.import_module(module_name), attr)
    return factory


def parse_writers(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split(",") if part.strip())
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"bad writer counts: {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Write-throughput benchmark: carepath vs bare "
        "eventsourcing vs raw psycopg on PostgreSQL.",
    )
    p.add_argument(
        "--dsn", default=DEFAULT_DSN, help="server DSN; scratch databases are created through it"
    )
    p.add_argument("--ops", type=int, default=2000)
    p.add_argument(
        "--writers",
        type=parse_writers,
        default=(1, 8),
        help="comma-separated writer thread counts (default 1,8)",
    )
    p.add_argument(
        "--history", type=int, default=None,
        help="bare: events per stream before each op (default: carepath's mean history)",
    )
    p.add_argument(
        "--payload-bytes", type=int, default=None,
        help="raw and bare: stored bytes per event (default: carepath's mean event size)",
    )
    p.add_argument(
        "--streams", type=int, default=None, help="bare: number of streams (default: one per op)"
    )
    p.add_argument("--max-seconds", type=float, default=None, help="cap on each timed run")
    p.add_argument(
        "--carepath",
        metavar="MODULE:FACTORY",
        default=CAREPATH_FACTORY,
        help="carepath workload factory (dsn, writers, ops) -> Workload (default: %(default)s)",
    )
    p.add_argument("--no-carepath", action="store_true", help="measure raw and bare only")
    p.add_argument(
        "--repeat", type=int, default=1, help="run everything N times; ratios use medians"
    )
    p.add_argument("--json", metavar="PATH", default=None, help="also write the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--check-bar", action="store_true", help="exit 1 if carepath/bare is below the bar"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    factory = None if args.no_carepath else load_factory(args.carepath)
    history, payload_bytes = args.history, args.payload_bytes
    if history is None:
        history = round(MEAN_HISTORY)
    if payload_bytes is None:
        payload_bytes = round(typical_event_bytes())
    report = run_benchmark(
        args.dsn,
        ops=args.ops,
        writers=args.writers,
        carepath_workload_factory=factory,
        progress=not args.quiet,
        history=history,
        payload_bytes=payload_bytes,
        streams=args.streams,
        max_seconds=args.max_seconds,
        repeat=args.repeat,
    )
    print(report.render())
    if args.json:
        report.write_json(args.json)
    if args.check_bar and report.meets_bar() is not True:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
