"""Does a command's cost grow with the pathway's history? (issue 5: <= 1.5x from 40 to 1,000)

Two pathways, one with ~40 events and one with ~1,000, are decided in memory and saved once.
Then the same command (a PHQ-9 measure, one event) goes through ``Pathways.execute`` on each,
alternating between them so drift hits both, and the medians are compared. The first command
on each pathway meets an empty cache and replays; it is reported on its own ("cold"). The
ratio is the median of each adjacent pair's ratio, so a burst of load on a shared machine
weighs on both sides of a pair.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.carepath import INITIAL_EVENTS, as_url, extra_measure, prepopulated
from bench.database import fresh_database
from services.application import Caller
from services.composition import bootstrap
from services.settings import load_settings

BAR = 1.5
SHORT, LONG = 40, 1000


@dataclass(frozen=True)
class HistoryResult:
    store: str
    short_events: int
    long_events: int
    short_p50_ms: float
    long_p50_ms: float
    short_cold_ms: float
    long_cold_ms: float
    ratio: float

    def render(self) -> str:
        verdict = "meets" if self.ratio <= BAR else "ABOVE"
        return (f"history ({self.store}): command p50 {self.short_p50_ms:.2f} ms at "
                f"{self.short_events} events, {self.long_p50_ms:.2f} ms at {self.long_events};"
                f" ratio {self.ratio:.2f} ({verdict} bar <= {BAR}); cold first command "
                f"{self.short_cold_ms:.1f} / {self.long_cold_ms:.1f} ms")


def measure_history(database_url: str | None, *, commands: int = 100,
                    short: int = SHORT, long: int = LONG) -> HistoryResult:
    """Time ``commands`` commands on each pathway (SQLite in a temp dir when no URL)."""
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        settings = load_settings(database_url=database_url, data_dir=Path(data_dir))
        container = bootstrap(settings)
        try:
            app = container.pathways
            start = datetime.now(UTC) - timedelta(days=200)
            pathways = [prepopulated(n, start, extra_measures=size - INITIAL_EVENTS)
                        for n, size in ((1, short), (2, long))]
            app.save(*pathways)
            timings: list[list[float]] = [[], []]
            command = extra_measure(start)
            for step in range(commands):
                for which, pathway in enumerate(pathways):
                    caller = Caller("t-bench", "therapist", "bench-history",
                                    f"history:{which}:{step}")
                    t0 = time.perf_counter()
                    app.execute(pathway.id, command, caller)
                    timings[which].append((time.perf_counter() - t0) * 1e3)
        finally:
            container.close()
    store = "postgresql" if database_url else "sqlite"
    pairs = [at_long / at_short for at_short, at_long in zip(*timings, strict=True)][1:]
    return HistoryResult(store, short, long, statistics.median(timings[0][1:]),
                         statistics.median(timings[1][1:]), timings[0][0], timings[1][0],
                         statistics.median(pairs))


def run_history(server_dsn: str, *, commands: int = 100) -> list[HistoryResult]:
    """The measurement on the embedded SQLite store and on a fresh PostgreSQL database."""
    results = [measure_history(None, commands=commands)]
    with fresh_database(server_dsn) as dsn:
        results.append(measure_history(as_url(dsn), commands=commands))
    return results
