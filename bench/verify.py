"""``carepath verify`` on a long log against a raw keyset scan of the same table (issue 8).

Bar: the whole-store verification runs at >= 0.5x the rate of a raw keyset scan of the events
table, measured in the same run, on SQLite and PostgreSQL. The log is ``bench.eventlog``'s
(demo pathways decided by the domain, bulk-copied), its hash tree built by the same adoption
that takes in a store from before tamper evidence, then sealed. The raw scan reads the
columns the recorder reads (``WHERE position > :last ORDER BY position LIMIT 5000``) and does
nothing with them, on PostgreSQL the way verify reads (binary rows, the ids as text; the
text-format scan eventsourcing's recorder does, ids made ``UUID``s, is printed beside it);
verify recomputes every leaf from the stored bytes, folds the tree and checks the root against
the signed checkpoint and the stored tree. Scan and verify alternate
when repeated; the ratio uses the medians. Verify runs with its default worker processes
(the CPU count, at most 4); the single-process rate is printed beside it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bench.database import fresh_database
from bench.eventlog import PG_TABLE, SQLITE_TABLE, Template
from bench.eventlog import templates as log_templates
from bench.keyset import Say, median_rate, quiet, scan_postgres, scan_sqlite, timed
from bench.logstore import log_store
from projections.scan import postgres_scan
from services.composition import Container
from services.integrity.adoption import adopt_postgres, adopt_sqlite
from services.integrity.scanning import default_jobs
from services.integrity.schema import Tables

BAR = 0.5
SCAN_BATCH = 5000


@dataclass(frozen=True)
class VerifyResult:
    store: str
    events: int
    jobs: int
    scan_seconds: list[float]
    verify_seconds: list[float]
    serial_seconds: float
    adopt_seconds: float
    text_scan_seconds: float | None = None

    @property
    def scan_rate(self) -> float:
        return median_rate(self.events, self.scan_seconds)

    @property
    def verify_rate(self) -> float:
        return median_rate(self.events, self.verify_seconds)

    @property
    def ratio(self) -> float:
        return self.verify_rate / self.scan_rate

    @property
    def serial_ratio(self) -> float:
        return self.events / self.serial_seconds / self.scan_rate

    def meets_bar(self) -> bool:
        return self.ratio >= BAR

    def render(self) -> list[str]:
        verdict = "meets" if self.meets_bar() else "BELOW"
        return [
            f"verify ({self.store}): {self.events:,} events at {self.verify_rate:,.0f} events/s"
            f" ({self.jobs} worker processes); raw keyset scan {self.scan_rate:,.0f} events/s;"
            f" ratio {self.ratio:.2f} ({verdict} bar >= {BAR})",
            f"  one process: {self.events / self.serial_seconds:,.0f} events/s, ratio"
            f" {self.serial_ratio:.2f}; the tree of the bulk-copied log was built in"
            f" {self.adopt_seconds:.1f}s",
            *self._text_scan_line(),
        ]

    def _text_scan_line(self) -> list[str]:
        if self.text_scan_seconds is None:
            return []
        rate = self.events / self.text_scan_seconds
        return [f"  against the text-format scan ({rate:,.0f} events/s, ids made UUIDs):"
                f" ratio {self.verify_rate / rate:.2f}"]


def run_verify(server_dsn: str, *, events: int, repeat: int = 1,
               say: Say | None = None) -> list[VerifyResult]:
    say = say or quiet
    rows = log_templates()
    results = [_sqlite(events, repeat, rows, say)]
    with fresh_database(server_dsn) as dsn:
        results.append(_postgres(dsn, events, repeat, rows, say))
    return results


def _sqlite(events: int, repeat: int, rows: list[Template], say: Say) -> VerifyResult:
    with log_store("verify", events, rows, say) as log:
        started = time.perf_counter()
        connection = sqlite3.connect(log.target, isolation_level=None)
        try:
            connection.execute("BEGIN")
            adopt_sqlite(connection.cursor(), Tables(SQLITE_TABLE))
            connection.execute("COMMIT")
        finally:
            connection.close()
        adopted = time.perf_counter() - started
        return _measure(log.container, "sqlite", log.events, repeat, adopted,
                        scan=lambda: scan_sqlite(log.target, SCAN_BATCH), say=say)


def _postgres(dsn: str, events: int, repeat: int, rows: list[Template],
              say: Say) -> VerifyResult:
    with log_store("verify", events, rows, say, dsn=dsn) as log:
        started = time.perf_counter()
        with psycopg.connect(dsn, row_factory=dict_row) as connection, \
                connection.cursor() as cursor:
            adopt_postgres(cursor, Tables(PG_TABLE), "public")
            cursor.execute(f"ANALYZE {PG_TABLE}_leaves")
        adopted = time.perf_counter() - started
        return _measure(log.container, "postgresql", log.events, repeat, adopted,
                        scan=lambda: scan_postgres(dsn, SCAN_BATCH,
                                                   statement=postgres_scan("public", PG_TABLE),
                                                   binary=True),
                        text_scan=lambda: scan_postgres(dsn, SCAN_BATCH), say=say)


def _measure(container: Container, store: str, count: int, repeat: int, adopted: float, *,
             scan: Callable[[], int], say: Say,
             text_scan: Callable[[], int] | None = None) -> VerifyResult:
    integrity = container.integrity
    sealed = integrity.seal()
    assert sealed is not None  # noqa: S101 - the log was just filled
    jobs = default_jobs()
    scan()  # warm: both read from the page cache
    serial = _timed_verify(container, 1, count)
    say(f"verify ({store}): one process {count / serial:,.0f} events/s")
    scans: list[float] = []
    verifies: list[float] = []
    for n in range(repeat):
        scans.append(timed(scan, count, "the scan"))
        verifies.append(_timed_verify(container, jobs, count))
        say(f"verify ({store}) #{n + 1}: raw scan {count / scans[-1]:,.0f} events/s, verify"
            f" {count / verifies[-1]:,.0f} events/s")
    text = timed(text_scan, count, "the text-format scan") if text_scan else None
    return VerifyResult(store, count, jobs, scans, verifies, serial, adopted, text)


def _timed_verify(container: Container, jobs: int, count: int) -> float:
    started = time.perf_counter()
    result = container.integrity.verify(jobs=jobs)
    seconds = time.perf_counter() - started
    if not result.ok or result.events != count:
        msg = f"verify found {result.finding} after {result.events} of {count} events"
        raise RuntimeError(msg)
    return seconds


def integrity_sections(args: Any, lines: list[str], sections: dict[str, Any],
                       say: Say) -> bool:
    """Issue 8's lines: verify against a raw scan (bar), and what the tree costs a command."""
    from bench.chain import run_chain  # noqa: PLC0415

    met = True
    if "verify" in args.sections:
        say(f"verify: the whole store of {args.verify_events:,} events, SQLite and PostgreSQL")
        for result in run_verify(args.dsn, events=args.verify_events,
                                 repeat=args.verify_repeat, say=say):
            lines.extend(result.render())
            sections[f"verify_{result.store}"] = {
                "events": result.events, "jobs": result.jobs, "scan_rate": result.scan_rate,
                "verify_rate": result.verify_rate, "ratio": result.ratio,
                "serial_ratio": result.serial_ratio, "bar": BAR}
            met = met and result.meets_bar()
    if "chain" in args.sections:
        say("chain: a command with and without the hash tree, SQLite and PostgreSQL ...")
        for chained in run_chain(args.dsn, commands=args.chain_commands):
            lines.append(chained.render())
            sections[f"chain_{chained.store}"] = vars(chained)
    return met
