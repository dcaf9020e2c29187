"""Projection lag under a steady command rate on PostgreSQL (issue 6: p99 < 250 ms at 50/s).

The deployment's shape: the read models' workers run as their own process (``carepath
projections run``, woken by the store's NOTIFY and polling as well), the commands go through
the write application in this process. A base caseload is seeded first (batched through the
domain) and caught up; then demo pathways are driven round-robin, one command every 1/rate
seconds on a fixed schedule (a late command does not push the next ones back). Each command's
lag is from the moment its save returned (committed) to the moment every read model's live
position has reached it, as a watcher polling the tracking rows sees it; per read model too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg

from bench.carepath import as_url
from bench.database import fresh_database
from bench.stats import percentile
from domain.pathway.commands import Command, OpenPathway
from projections.log import OrderedLog
from projections.registry import all_projections
from projections.status import projection_status
from projections.tracking import TRACKING
from services.application import Caller, Pathways
from services.composition import Container, bootstrap
from services.demo.bulk import demo_pathway_id, seed_bulk
from services.demo.script import shifted
from services.demo.seed import _caller, _shift_days, plan
from services.settings import ENV_PREFIX, load_settings

BAR_MS = 250.0
WATCH_SECONDS = 0.002
Say = Callable[[str], None]


@dataclass(frozen=True)
class LagResult:
    rate: float
    """Commands per second asked for."""
    achieved: float
    commands: int
    base_pathways: int
    lag_ms: list[float]
    """Per command: committed -> visible in every read model."""
    per_projection_ms: dict[str, list[float]]

    def p(self, q: float, values: list[float] | None = None) -> float:
        return percentile(sorted(self.lag_ms if values is None else values), q)

    def meets_bar(self) -> bool:
        return self.p(99) < BAR_MS

    def render(self) -> list[str]:
        verdict = "meets" if self.meets_bar() else "ABOVE"
        slowest = max(self.per_projection_ms, key=lambda n: self.p(99, self.per_projection_ms[n]))
        return [
            f"lag (postgresql): {self.commands:,} commands at {self.achieved:.1f}/s (asked"
            f" {self.rate:g}/s) over {self.base_pathways:,} pathways; committed -> visible in"
            f" every read model p50 {self.p(50):.0f} ms, p99 {self.p(99):.0f} ms ({verdict} bar"
            f" < {BAR_MS:.0f} ms), max {max(self.lag_ms):.0f} ms",
            "  p99 per read model: " + ", ".join(
                f"{name} {self.p(99, values):.0f}" for name, values in
                self.per_projection_ms.items()) + f" ms (slowest: {slowest})",
        ]


def run_lag(server_dsn: str, *, rate: float, seconds: float, base_pathways: int,
            say: Say | None = None) -> LagResult:
    say = say or (lambda _text: None)
    with fresh_database(server_dsn) as dsn, \
            tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        url = as_url(dsn)
        container = bootstrap(load_settings(database_url=url, data_dir=Path(data_dir),
                                            projections_in_process=False))
        try:
            say(f"lag: seeding {base_pathways:,} pathways ...")
            seed_bulk(container.pathways, count=base_pathways)
            with _workers(url, data_dir):
                _wait_caught_up(container, say)
                return _drive(container, dsn, rate=rate, seconds=seconds,
                              first=base_pathways, say=say)
        finally:
            container.close()


class _workers:  # noqa: N801 - used as a context manager, named for what it holds
    """``carepath projections run`` as a process of its own, stopped with SIGTERM."""

    def __init__(self, url: str, data_dir: str) -> None:
        env = {**os.environ, f"{ENV_PREFIX}DATABASE_URL": url,
               f"{ENV_PREFIX}DATA_DIR": data_dir}
        self.output = Path(data_dir, "workers.log").open("wb")  # noqa: SIM115 - closed on exit
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from services.cli import main;"
             " sys.exit(main(sys.argv[1:]))", "projections", "run"],
            env=env, stdout=self.output, stderr=subprocess.STDOUT)

    def __enter__(self) -> subprocess.Popen[bytes]:
        return self.process

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()


def _wait_caught_up(container: Container, say: Say, timeout: float = 600.0) -> None:
    log, projections = OrderedLog(container.pathways), all_projections()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = projection_status(container.read_store, log, projections)
        behind = max((row.lag_events for row in rows), default=0)
        if rows and all(row.live_generation is not None for row in rows) and behind == 0:
            return
        say(f"lag: workers catching up ({behind:,} events behind)")
        time.sleep(2.0)
    msg = "the workers did not catch up with the base caseload"
    raise TimeoutError(msg)


def commands(first: int, pathways: int, *, seed: int, anchor: date
             ) -> Iterator[tuple[int, Command, Caller]]:
    """Demo pathways ``first..first+pathways`` round-robin: one command of each in turn."""
    scripts: list[list[tuple[int, Command, Caller]]] = []
    for number in range(first, first + pathways):
        script = plan(number, seed)
        shift = _shift_days(script, anchor)
        scripts.append([(number, shifted(command, shift), _caller(seed, number, index))
                        for index, command in enumerate(script.commands)])
    step = 0
    while any(step < len(steps) for steps in scripts):
        for steps in scripts:
            if step < len(steps):
                yield steps[step]
        step += 1


def _drive(container: Container, dsn: str, *, rate: float, seconds: float, first: int,
           say: Say) -> LagResult:
    app = container.pathways
    total = round(rate * seconds)
    names = [p.name for p in all_projections()]
    committed: list[tuple[int, float]] = []  # (position, committed at)
    positions = [0]
    app.on_saved.append(lambda position: positions.__setitem__(0, position))
    watcher = _Watcher(dsn, names)
    watcher.start()
    anchor = (app.clock() - timedelta(days=1)).date()
    stream = commands(first, max(1, total // 20), seed=7, anchor=anchor)
    say(f"lag: {total:,} commands at {rate:g}/s ...")
    started = time.monotonic()
    try:
        for n, (number, command, caller) in enumerate(stream):
            if n >= total:
                break
            wait = started + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            _send(app, number, command, caller)
            committed.append((positions[0], time.monotonic()))
        ended = time.monotonic()
        watcher.until(committed[-1][0], timeout=30.0)
    finally:
        watcher.stop()
    lag = [1e3 * (watcher.seen_all(position) - at) for position, at in committed]
    per = {name: [1e3 * (watcher.seen(name, position) - at) for position, at in committed]
           for name in names}
    achieved = len(committed) / max(1e-6, ended - started)
    return LagResult(rate, achieved, len(committed), first, lag, per)


def _send(app: Pathways, number: int, command: Command, caller: Caller) -> None:
    if isinstance(command, OpenPathway):
        app.open_pathway(command, caller)
    else:
        app.execute(demo_pathway_id(number, 7), command, caller)


class _Watcher(threading.Thread):
    """Polls every read model's live position; remembers when each position was first seen."""

    def __init__(self, dsn: str, names: list[str]) -> None:
        super().__init__(name="bench-lag-watcher", daemon=True)
        self.dsn = dsn
        self.names = names
        self.history: dict[str, list[tuple[int, float]]] = {name: [] for name in names}
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._halt.is_set():
                rows = conn.execute(f"SELECT projection, position FROM {TRACKING}"
                                    " WHERE live", prepare=True).fetchall()
                now = time.monotonic()
                with self._lock:
                    for name, position in rows:
                        seen = self.history.get(str(name))
                        if seen is not None and (not seen or seen[-1][0] < position):
                            seen.append((int(position), now))
                time.sleep(WATCH_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join(5.0)

    def seen(self, name: str, position: int) -> float:
        """When read model ``name`` was first seen at or past ``position``."""
        with self._lock:
            history = list(self.history[name])
        return next((at for reached, at in history if reached >= position), float("inf"))

    def seen_all(self, position: int) -> float:
        return max(self.seen(name, position) for name in self.names)

    def until(self, position: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.seen_all(position) == float("inf") and time.monotonic() < deadline:
            time.sleep(0.05)
