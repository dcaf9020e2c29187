"""Rebuilding every read model from a long log, against a raw keyset scan of the same table.

Issue 6's bar: the rebuild of all projections reaches >= 0.25x (stretch 0.5x) the rate of a raw
keyset scan of the same events table, measured in the same run, on PostgreSQL and on SQLite.
The log (``bench.eventlog``) holds copies of demo pathways decided by the domain. The raw scan
fetches the columns the recorder reads (``WHERE id > :last ORDER BY id LIMIT n``) as the
rebuild reads them (``projections.scan``; on PostgreSQL binary rows, ids as text) and does
nothing with them; the rebuild is the real one, what ``carepath projections rebuild --all``
runs (``services.rebuild_worker.rebuild_in_processes``: new generations of every read
model built blue/green from position 0, live at the head, the read models shared out between
one process per core, each reading the log itself). The same rebuild in one process
(``projections.rebuild_all``) is printed beside it. Scan and rebuilds alternate when
repeated, and the ratios use the medians. Where the rebuild's time goes (reading, decoding,
each projection's fold, the writes and commits; seconds added up over its processes) is
printed below the figure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.database import fresh_database
from bench.eventlog import PG_TABLE, Template, templates
from bench.keyset import Say, median_rate, quiet, scan_postgres, scan_sqlite, timed
from bench.logstore import log_store
from projections.log import OrderedLog
from projections.rebuild_all import BATCH, rebuild_all
from projections.registry import all_projections
from projections.scan import postgres_scan
from services.composition import Container
from services.rebuild_worker import processes_here, rebuild_in_processes

BAR, STRETCH = 0.25, 0.5


@dataclass(frozen=True)
class RebuildResult:
    store: str
    events: int
    projections: int
    processes: int
    scan_seconds: list[float]
    rebuild_seconds: list[float]
    one_process_seconds: list[float]
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds per stage of the last rebuild, added up over its processes."""
    text_scan_seconds: list[float] = field(default_factory=list)
    """PostgreSQL: the same scan in psycopg's default text format (ids made ``UUID``s), as
    eventsourcing's recorder reads; what the ratio was taken against until the rebuild read
    binary rows."""

    @property
    def scan_rate(self) -> float:
        return median_rate(self.events, self.scan_seconds)

    @property
    def rebuild_rate(self) -> float:
        return median_rate(self.events, self.rebuild_seconds)

    @property
    def ratio(self) -> float:
        return self.rebuild_rate / self.scan_rate

    @property
    def text_scan_rate(self) -> float | None:
        if not self.text_scan_seconds:
            return None
        return median_rate(self.events, self.text_scan_seconds)

    @property
    def one_process_rate(self) -> float:
        return median_rate(self.events, self.one_process_seconds)

    def meets_bar(self) -> bool:
        return self.ratio >= BAR

    def render(self) -> list[str]:
        verdict = "meets" if self.meets_bar() else "BELOW"
        stretch = "meets" if self.ratio >= STRETCH else "below"
        total = sum(self.stages.values()) or 1.0
        stages = ", ".join(f"{name} {seconds / total:.0%}" for name, seconds in
                           sorted(self.stages.items(), key=lambda item: -item[1]))
        return [
            f"rebuild ({self.store}): {self.events:,} events into {self.projections} read"
            f" models at {self.rebuild_rate:,.0f} events/s ({self.processes} processes); raw"
            f" keyset scan {self.scan_rate:,.0f} events/s; ratio {self.ratio:.3f} ({verdict}"
            f" bar >= {BAR}; stretch {STRETCH}: {stretch})",
            f"  one process: {self.one_process_rate:,.0f} events/s, ratio"
            f" {self.one_process_rate / self.scan_rate:.3f}",
            *([] if self.text_scan_rate is None else [
                f"  the scan in the text format (ids made UUIDs, as the recorder reads):"
                f" {self.text_scan_rate:,.0f} events/s; the rebuild is"
                f" {self.rebuild_rate / self.text_scan_rate:.3f}x of it"]),
            f"  rebuild time ({statistics.median(self.rebuild_seconds):.1f}s; its processes'"
            f" seconds): {stages}",
        ]


def run_rebuild(server_dsn: str, *, events: int, repeat: int = 1, processes: int | None = None,
                say: Say | None = None) -> list[RebuildResult]:
    """The measurement on the embedded SQLite store and on a fresh PostgreSQL database, with
    ``processes`` processes (default: one per core)."""
    say = say or quiet
    rows = templates()
    processes = processes or processes_here()
    results = [_sqlite(events, repeat, processes, rows, say)]
    with fresh_database(server_dsn) as dsn:
        results.append(_postgres(dsn, events, repeat, processes, rows, say=say))
    return results


def _sqlite(events: int, repeat: int, processes: int, rows: list[Template], say: Say
            ) -> RebuildResult:
    with log_store("rebuild", events, rows, say) as log:
        return _measure(log.container, "sqlite", log.events, repeat, processes,
                        scan=lambda: scan_sqlite(log.target, BATCH), say=say)


def _postgres(dsn: str, events: int, repeat: int, processes: int, rows: list[Template], *,
              say: Say) -> RebuildResult:
    with log_store("rebuild", events, rows, say, dsn=dsn) as log:
        return _measure(log.container, "postgresql", log.events, repeat, processes,
                        scan=lambda: _scan_postgres(dsn), say=say,
                        text_scan=lambda: _scan_postgres(dsn, binary=False))


def _measure(container: Container, store: str, count: int, repeat: int, processes: int, *,
             scan: Callable[[], int], say: Say,
             text_scan: Callable[[], int] | None = None) -> RebuildResult:
    projections = all_projections()
    text_scans: list[float] = []
    scans: list[float] = []
    rebuilds: list[float] = []
    alone: list[float] = []
    stages: dict[str, float] = {}
    scan()  # warm: the scan and the rebuild both read from the page cache
    for n in range(repeat):
        scans.append(timed(scan, count, "the scan"))
        if text_scan is not None:
            text_scans.append(timed(text_scan, count, "the text-format scan"))
        say(f"rebuild ({store}) #{n + 1}: raw scan {count / scans[-1]:,.0f} events/s;"
            f" rebuilding every read model with {processes} processes ...")
        stages = {}
        started = time.perf_counter()
        applied = rebuild_in_processes(container, projections, processes=processes,
                                       timings=stages, progress=_every(say, store, started))
        rebuilds.append(time.perf_counter() - started)
        _check(applied, count)
        say(f"rebuild ({store}) #{n + 1}: {count / rebuilds[-1]:,.0f} events/s; again in one"
            " process ...")
        started = time.perf_counter()
        applied = rebuild_all(container.read_store, OrderedLog(container.pathways),
                              projections, progress=_every(say, store, started))
        alone.append(time.perf_counter() - started)
        _check(applied, count)
        say(f"rebuild ({store}) #{n + 1}: one process {count / alone[-1]:,.0f} events/s")
    return RebuildResult(store, count, len(projections), processes, scans, rebuilds, alone,
                         stages, text_scans)


def _check(applied: int, count: int) -> None:
    if applied != count:
        msg = f"the rebuild applied {applied} events of {count}"
        raise RuntimeError(msg)


def _every(say: Say, store: str, started: float, seconds: float = 10.0) -> Callable[[object], None]:
    shown = [started]

    def progress(done: object) -> None:
        now = time.perf_counter()
        if now - shown[0] >= seconds:
            shown[0] = now
            applied = getattr(done, "applied", 0)
            say(f"rebuild ({store}): {applied:,} events, {applied / (now - started):,.0f}/s")

    return progress


def _scan_postgres(dsn: str, *, binary: bool = True) -> int:
    """The rebuild's own keyset query (``projections.scan``: binary rows, ids as text), or
    (``binary=False``) the recorder's columns in the text format, ids made ``UUID``s."""
    if binary:
        return scan_postgres(dsn, BATCH, statement=postgres_scan("public", PG_TABLE),
                             binary=True)
    return scan_postgres(dsn, BATCH)
