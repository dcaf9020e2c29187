"""The dashboard's JSON endpoints with 10,000 pathways in the read models (issue 6: p99 < 50 ms).

The log holds copies of demo pathways decided by the domain (``bench.eventlog``); every read
model is built from it in one pass, then each panel's endpoint is asked, unfiltered and
filtered by a therapist, by a protocol and by a date range, in interleaved rounds through the
whole HTTP application in process (routing, filters, the read model's queries, JSON), called
as an ASGI server calls it: no socket, and no test client's thread per request (which cost
2-4 ms a request here, more than most panels' reads). The pathways list and the ops status
are timed beside them. On the embedded SQLite store (what ``make run`` serves) and on
PostgreSQL. With 100 rounds the p99 of each endpoint is its second slowest answer.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.carepath import as_url
from bench.database import fresh_database
from bench.eventlog import copies, fill_postgres, fill_sqlite, templates
from bench.stats import percentile
from bench.tokens import headers_for
from projections.log import OrderedLog
from projections.rebuild_all import rebuild_all
from projections.registry import all_projections
from services.composition import bootstrap
from services.demo.clinical import THERAPISTS
from services.http.app import create_app
from services.http.dashboard.panels import PANELS
from services.http.dashboard.urls import PREFIX
from services.settings import Settings, load_settings

BAR_MS = 50.0
Say = Callable[[str], None]


def paths(today: date | None = None) -> list[str]:
    """Every dashboard panel unfiltered, by a therapist, by a protocol and over the last 90
    days (as the page's filters ask), then the list and the ops status."""
    since = (today or datetime.now(UTC).date()) - timedelta(days=90)
    panels = [f"{PREFIX}/{panel.id}" for panel in PANELS]
    return [*panels, *(f"{p}?therapist={THERAPISTS[1]}" for p in panels),
            *(f"{p}?protocol=ipt" for p in panels),
            *(f"{p}?since={since.isoformat()}" for p in panels),
            "/pathways?limit=50", "/ops/projections"]


@dataclass(frozen=True)
class EndpointsResult:
    store: str
    pathways: int
    events: int
    rounds: int
    timings_ms: dict[str, list[float]]

    def p(self, path: str, q: float) -> float:
        return percentile(sorted(self.timings_ms[path]), q)

    @property
    def dashboard(self) -> list[str]:
        return [path for path in self.timings_ms if path.startswith(PREFIX)]

    @property
    def worst(self) -> str:
        return max(self.dashboard, key=lambda path: self.p(path, 99))

    def meets_bar(self) -> bool:
        return self.p(self.worst, 99) < BAR_MS

    def render(self) -> list[str]:
        worst = self.worst
        verdict = "meets" if self.meets_bar() else "ABOVE"
        lines = [f"endpoints ({self.store}): {self.pathways:,} pathways ({self.events:,} events)"
                 f" in the read models; dashboard JSON p99 worst {self.p(worst, 99):.1f} ms"
                 f" ({worst}) ({verdict} bar < {BAR_MS:.0f} ms); {self.rounds} rounds each"]
        lines.extend(f"  {path:<44} p50 {self.p(path, 50):6.1f} ms"
                     f"  p99 {self.p(path, 99):6.1f} ms" for path in self.timings_ms)
        return lines


def run_endpoints(server_dsn: str, *, pathways: int, rounds: int,
                  say: Say | None = None) -> list[EndpointsResult]:
    say = say or (lambda _text: None)
    results = []
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        settings = load_settings(data_dir=Path(data_dir))
        path = str(Path(data_dir) / "Pathways.sqlite3")
        results.append(_measure(settings, "sqlite", pathways, rounds, say=say,
                                fill=lambda rows: fill_sqlite(path, rows)))
    with fresh_database(server_dsn) as dsn, \
            tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        settings = load_settings(database_url=as_url(dsn), data_dir=Path(data_dir))
        results.append(_measure(settings, "postgresql", pathways, rounds, say=say,
                                fill=lambda rows: fill_postgres(dsn, rows)))
    return results


def _measure(settings: Settings, store: str, pathways: int, rounds: int, *, say: Say,
             fill: Callable[..., int]) -> EndpointsResult:
    container = bootstrap(settings)
    try:
        say(f"endpoints ({store}): writing {pathways:,} pathways and building the read models")
        events = fill(copies(templates(), pathways=pathways))
        rebuild_all(container.read_store, OrderedLog(container.pathways), all_projections())
        app = create_app(container)  # no lifespan: no worker competes
        timings = asyncio.run(_rounds(app, rounds, headers_for(container, "admin")))
        say(f"endpoints ({store}): {rounds} rounds of {len(timings)} endpoints done")
    finally:
        container.close()
    return EndpointsResult(store, pathways, events, rounds, timings)


async def _rounds(app: Any, rounds: int, headers: dict[str, str]) -> dict[str, list[float]]:
    """Every path ``rounds`` times, interleaved, through the ASGI application as a server
    calls it (one event loop, the routes' own thread pool), without a socket or a client
    thread per request."""
    timings: dict[str, list[float]] = {path: [] for path in paths()}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                 headers=headers) as client:  # an admin: every endpoint
        for path in timings:  # warm: routes prepared, statements cached
            await _get(client, path)
        for _ in range(rounds):
            for path, seen in timings.items():
                seen.append(await _get(client, path))
    return timings


async def _get(client: httpx.AsyncClient, path: str) -> float:
    started = time.perf_counter()
    answer = await client.get(path)
    took = (time.perf_counter() - started) * 1e3
    if answer.status_code != 200:  # noqa: PLR2004 - the one good answer
        msg = f"GET {path} answered {answer.status_code}: {answer.text[:200]}"
        raise RuntimeError(msg)
    return took
