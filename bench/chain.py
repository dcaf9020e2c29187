"""What the hash tree costs a command: the same command with and without it, same run.

Two applications per store, each on a store of its own: one with carepath's recorders (every
save appends its events' leaves and completed subtrees in its own transaction), one with the
recorders it extends (no tree). The same one-event command (a PHQ-9 measure on a pathway of
~40 events) goes to each in turn, so drift hits both; the cost is the median of the pairwise
differences, and the ratio the median of the pairwise ratios.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.carepath import as_url, extra_measure, prepopulated
from bench.database import fresh_database
from services.application import Caller, Pathways
from services.settings import load_settings
from services.store.environment import eventsourcing_env

PLAIN = {
    "APPLICATION_RECORDER_TOPIC": "services.store.availability:AvailableSQLiteRecorder",
    "PERSISTENCE_MODULE": "services.store.postgres:BoundedPostgresFactory",
}


@dataclass(frozen=True)
class ChainResult:
    store: str
    commands: int
    chained_p50_ms: float
    plain_p50_ms: float
    cost_ms: float
    ratio: float

    def render(self) -> str:
        return (f"chain ({self.store}): a command p50 {self.chained_p50_ms:.2f} ms with the hash"
                f" tree, {self.plain_p50_ms:.2f} ms without; the tree costs"
                f" {self.cost_ms:+.2f} ms a command (ratio {self.ratio:.2f}, median of"
                f" {self.commands} pairs)")


def _app(database_url: str | None, data_dir: Path, *, chained: bool) -> Pathways:
    settings = load_settings(database_url=database_url, data_dir=data_dir)
    env = eventsourcing_env(settings, Pathways.name)
    if not chained:
        if database_url is None:
            env["APPLICATION_RECORDER_TOPIC"] = PLAIN["APPLICATION_RECORDER_TOPIC"]
        else:
            env["PERSISTENCE_MODULE"] = PLAIN["PERSISTENCE_MODULE"]
    return Pathways(env=env)


def measure_chain(urls: tuple[str | None, str | None], *, commands: int) -> ChainResult:
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as one, \
            tempfile.TemporaryDirectory(prefix="carepath-bench-") as two:
        apps = [_app(urls[0], Path(one), chained=True), _app(urls[1], Path(two), chained=False)]
        try:
            start = datetime.now(UTC) - timedelta(days=200)
            pathways = []
            for app in apps:
                pathway = prepopulated(1, start)
                app.save(pathway)
                pathways.append(pathway)
            command = extra_measure(start)
            timings: list[list[float]] = [[], []]
            for step in range(commands + 1):
                for which, (app, pathway) in enumerate(zip(apps, pathways, strict=True)):
                    caller = Caller("t-bench", "therapist", "bench-chain", f"chain:{step}")
                    t0 = time.perf_counter()
                    app.execute(pathway.id, command, caller)
                    timings[which].append((time.perf_counter() - t0) * 1e3)
        finally:
            for app in apps:
                app.close()
    chained, plain = timings[0][1:], timings[1][1:]  # the first of each warms its cache
    return ChainResult(
        "postgresql" if urls[0] else "sqlite", commands, statistics.median(chained),
        statistics.median(plain),
        statistics.median(a - b for a, b in zip(chained, plain, strict=True)),
        statistics.median(a / b for a, b in zip(chained, plain, strict=True)))


def run_chain(server_dsn: str, *, commands: int = 200) -> list[ChainResult]:
    results = [measure_chain((None, None), commands=commands)]
    with fresh_database(server_dsn) as first, fresh_database(server_dsn) as second:
        results.append(measure_chain((as_url(first), as_url(second)), commands=commands))
    return results
