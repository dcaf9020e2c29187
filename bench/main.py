"""Entry points: ``run_benchmark`` (library) and ``main`` (command line).

.venv/bin/python -m bench --ops 2000 --writers 1,8
.venv/bin/python -m bench --carepath some.module:factory
.venv/bin/python -m bench --sections history,decode,http   # issue 5's speed bars only

Sections: ``write`` (carepath vs bare vs raw throughput), ``history`` (a command at 40 vs
1,000 events), ``decode`` (the mapper against orjson alone), ``http`` (a real server
against the in-process call), and issue 6's read side: ``rebuild`` (every read model rebuilt
from a log of ``--rebuild-events`` against a raw keyset scan, SQLite and PostgreSQL), ``lag``
(command committed -> visible in every read model under a steady command rate, PostgreSQL)
and ``endpoints`` (the dashboard's JSON with ``--endpoint-pathways`` pathways read); issue
8's ``verify`` (the whole-store verification of ``--verify-events`` against a raw keyset scan)
and ``chain`` (a command with and without the hash tree), and ``auth`` (a command with and
without authentication and the policy table); issue 7's ``feed`` (``GET /events``
paging through ``--feed-events`` against a raw keyset scan with the same page size) and
``relay`` (the broker relay against a raw pipelined JetStream publish of the same envelopes,
and command accepted -> consumer received at a steady command rate, on the machine's NATS);
issue 9's ``groups`` (a group session of 9 members, one transaction, against a single-pathway
command).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.api import measure_http
from bench.auth import auth_sections
from bench.carepath import MEAN_HISTORY, typical_event_bytes
from bench.decoding import measure_decoding
from bench.endpoints import BAR_MS as ENDPOINT_BAR_MS
from bench.endpoints import run_endpoints
from bench.feed import feed_sections
from bench.groups import groups_sections
from bench.history import BAR as HISTORY_BAR
from bench.history import run_history
from bench.lag import BAR_MS as LAG_BAR_MS
from bench.lag import run_lag
from bench.rebuild import BAR as REBUILD_BAR
from bench.rebuild import STRETCH as REBUILD_STRETCH
from bench.rebuild import run_rebuild
from bench.relay import relay_sections
from bench.report import to_json
from bench.suite import run_benchmark
from bench.verify import integrity_sections
from bench.workload import WorkloadFactory

__all__ = ["DEFAULT_DSN", "build_parser", "load_factory", "main", "parse_writers", "run_benchmark"]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
CAREPATH_FACTORY = "bench.carepath:carepath_factory"
SECTIONS = ("write", "history", "decode", "http", "rebuild", "lag", "endpoints", "verify",
            "chain", "auth", "feed", "relay", "groups")


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


def parse_sections(text: str) -> tuple[str, ...]:
    values = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [v for v in values if v not in SECTIONS]
    if not values or unknown:
        raise argparse.ArgumentTypeError(f"sections are {', '.join(SECTIONS)}; got {text!r}")
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
        "--check-bar", action="store_true", help="exit 1 if any bar printed is missed"
    )
    p.add_argument("--sections", type=parse_sections, default=SECTIONS,
                   help=f"comma-separated, of {','.join(SECTIONS)} (default: all)")
    p.add_argument("--history-commands", type=int, default=100,
                   help="history: commands timed on each pathway")
    p.add_argument("--http-ops", type=int, default=300, help="http: ops with one writer")
    p.add_argument("--http-concurrent-ops", type=int, default=800,
                   help="http: ops with --http-writers writers")
    p.add_argument("--http-writers", type=int, default=8)
    p.add_argument("--http-workers", type=int, default=min(os.cpu_count() or 1, 4),
                   help="http: server processes (default: one per core, at most 4)")
    p.add_argument("--http-client", choices=("stdlib", "httpx"), default="stdlib")
    p.add_argument("--http-rounds", type=int, default=2, help="http: interleaved rounds")
    p.add_argument("--rebuild-events", type=int, default=1_000_000,
                   help="rebuild: events in the log (default 1,000,000)")
    p.add_argument("--rebuild-repeat", type=int, default=1,
                   help="rebuild: scan + rebuild rounds per store (not --repeat: a 1M-event"
                        " rebuild takes minutes)")
    p.add_argument("--rebuild-processes", type=int, default=None,
                   help="rebuild: processes sharing the read models out (default: one per"
                        " core)")
    p.add_argument("--lag-rate", type=float, default=50.0, help="lag: commands per second")
    p.add_argument("--lag-seconds", type=float, default=30.0, help="lag: seconds of commands")
    p.add_argument("--lag-pathways", type=int, default=1000,
                   help="lag: pathways seeded before the timed commands")
    p.add_argument("--endpoint-pathways", type=int, default=10_000,
                   help="endpoints: pathways in the read models")
    p.add_argument("--endpoint-rounds", type=int, default=100,
                   help="endpoints: requests to each endpoint (interleaved)")
    p.add_argument("--verify-events", type=int, default=1_000_000,
                   help="verify: events in the log (default 1,000,000)")
    p.add_argument("--verify-repeat", type=int, default=2,
                   help="verify: scan + verify rounds per store")
    p.add_argument("--chain-commands", type=int, default=300,
                   help="chain: command pairs (with and without the hash tree) per store")
    p.add_argument("--auth-commands", type=int, default=300,
                   help="auth: command pairs (with and without authentication) per store")
    p.add_argument("--feed-events", type=int, default=200_000,
                   help="feed: events in the log GET /events pages through")
    p.add_argument("--feed-repeat", type=int, default=3,
                   help="feed: scan + paging rounds per store")
    p.add_argument("--relay-nats", default="nats://127.0.0.1:4222",
                   help="relay: the NATS JetStream server (streams of its own, deleted after)")
    p.add_argument("--relay-pathways", type=int, default=1000,
                   help="relay: demo pathways in the log it publishes (about 27 events each)")
    p.add_argument("--relay-rounds", type=int, default=3,
                   help="relay: interleaved raw publish + relay rounds")
    p.add_argument("--relay-rate", type=float, default=100.0,
                   help="relay: commands per second for the latency")
    p.add_argument("--relay-seconds", type=float, default=20.0,
                   help="relay: seconds of commands for the latency")
    p.add_argument("--groups", type=int, default=3,
                   help="groups: groups of 9 run through 20 sessions each, per store")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lines: list[str] = []
    data: dict[str, Any] = {}
    met = True
    if "write" in args.sections:
        met = _write_section(args, lines, data)
    met = _speed_sections(args, lines, data) and met
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(to_json(data) + "\n", encoding="utf-8")
    return 1 if args.check_bar and not met else 0


def _write_section(args: argparse.Namespace, lines: list[str], data: dict[str, Any]) -> bool:
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
    lines.append(report.render())
    data.update(report.to_dict())
    return args.no_carepath or report.meets_bar() is True


def _speed_sections(args: argparse.Namespace, lines: list[str], data: dict[str, Any]) -> bool:
    """Issue 5's speed measurements, each line with its bar; True if every bar is met."""
    met = True
    sections: dict[str, Any] = {}
    say = _progress(args)
    if "history" in args.sections:
        say("history: 40 vs 1,000 events, SQLite and PostgreSQL ...")
        for result in run_history(args.dsn, commands=args.history_commands):
            lines.append(result.render())
            sections[f"history_{result.store}"] = {**vars(result), "bar": HISTORY_BAR}
            met = met and result.ratio <= HISTORY_BAR
    if "decode" in args.sections:
        say("decode: mapper against orjson ...")
        decoded = measure_decoding()
        lines.append(decoded.render())
        sections["decode"] = {**vars(decoded), "ratio": decoded.ratio}
    if "http" in args.sections:
        say("http: real server against in-process ...")
        http = measure_http(args.dsn, single_ops=args.http_ops,
                            concurrent_ops=args.http_concurrent_ops, writers=args.http_writers,
                            workers=args.http_workers, client=args.http_client,
                            rounds=args.http_rounds, progress=not args.quiet)
        lines.extend(http.render())
        sections["http"] = {"p50_ms": http.p50_ms, "ops_per_s": http.ops_per_s,
                            "p50_overhead_ms": http.p50_overhead_ms,
                            "throughput_ratio": http.throughput_ratio,
                            "workers": http.workers, "client": http.client}
        met = met and http.meets_bars()
    met = _read_side_sections(args, lines, sections, say) and met
    met = integrity_sections(args, lines, sections, say) and met
    met = auth_sections(args, lines, sections, say) and met
    met = feed_sections(args, lines, sections, say) and met
    met = relay_sections(args, lines, sections, say) and met
    met = groups_sections(args, lines, sections, say) and met
    if sections:
        load = os.getloadavg()[0]
        lines.append(f"machine: {os.cpu_count()} cores, load average {load:.1f} at the end"
                     " (timings from a busy machine vary; ratios are taken within one run)")
        sections["load_average"] = load
        data["sections"] = json.loads(to_json(sections))
    return met


def _read_side_sections(args: argparse.Namespace, lines: list[str], sections: dict[str, Any],
                        say: Any) -> bool:
    """Issue 6's speed bars: rebuild ratio, projection lag p99, dashboard endpoint p99."""
    met = True
    if "rebuild" in args.sections:
        say(f"rebuild: every read model from {args.rebuild_events:,} events ...")
        for result in run_rebuild(args.dsn, events=args.rebuild_events,
                                  repeat=args.rebuild_repeat,
                                  processes=args.rebuild_processes, say=say):
            lines.extend(result.render())
            sections[f"rebuild_{result.store}"] = {
                "events": result.events, "scan_rate": result.scan_rate,
                "rebuild_rate": result.rebuild_rate, "ratio": result.ratio,
                "processes": result.processes, "one_process_rate": result.one_process_rate,
                "text_scan_rate": result.text_scan_rate,
                "bar": REBUILD_BAR, "stretch": REBUILD_STRETCH, "stages": result.stages}
            met = met and result.meets_bar()
    if "lag" in args.sections:
        say(f"lag: {args.lag_rate:g} commands/s for {args.lag_seconds:g}s on PostgreSQL ...")
        lag = run_lag(args.dsn, rate=args.lag_rate, seconds=args.lag_seconds,
                      base_pathways=args.lag_pathways, say=say)
        lines.extend(lag.render())
        sections["lag"] = {"rate": lag.rate, "achieved": lag.achieved, "commands": lag.commands,
                           "p50_ms": lag.p(50), "p99_ms": lag.p(99), "bar_ms": LAG_BAR_MS,
                           "p99_ms_per_projection": {name: lag.p(99, values) for name, values
                                                     in lag.per_projection_ms.items()}}
        met = met and lag.meets_bar()
    if "endpoints" in args.sections:
        say(f"endpoints: the dashboard's JSON with {args.endpoint_pathways:,} pathways ...")
        for found in run_endpoints(args.dsn, pathways=args.endpoint_pathways,
                                   rounds=args.endpoint_rounds, say=say):
            lines.extend(found.render())
            sections[f"endpoints_{found.store}"] = {
                "pathways": found.pathways, "events": found.events, "bar_ms": ENDPOINT_BAR_MS,
                "worst": found.worst, "worst_p99_ms": found.p(found.worst, 99),
                "p99_ms": {path: found.p(path, 99) for path in found.timings_ms}}
            met = met and found.meets_bar()
    return met


def _progress(args: argparse.Namespace) -> Any:
    def say(text: str) -> None:
        if not args.quiet:
            print(f"[bench] {text}", file=sys.stderr, flush=True)

    return say


if __name__ == "__main__":
    sys.exit(main())
